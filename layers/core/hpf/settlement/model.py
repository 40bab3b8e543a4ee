"""A settlement instruction as settlement keeps it: where it stands with the bank, and how it got there.

Status lifecycle (one table; every (state, event) pair is tested):

    RECEIVED ──send──▶ SENDING ──booked──▶ SUCCEEDED ──apply──▶ APPLIED
        │                 │ ├─failed──▶ FAILED ──────apply──▶ APPLIED
        │                 │ └─unknown─▶ UNKNOWN ─booked/failed─▶ SUCCEEDED / FAILED
        │                 └─not_sent─▶ RECEIVED (nothing left: the same serial goes next time)
        ├─review──▶ MANUAL_REVIEW (the bank stayed unreachable)
        └─invalid──▶ FAILED                      UNKNOWN ──review──▶ MANUAL_REVIEW ─booked/failed─▶ …

SENDING is written *before* the bank is called, with the serial: a task that dies mid-call leaves SENDING, and
whoever looks next treats it as UNKNOWN — it asks the bank (BDC110), it never sends again. APPLIED means the
ledger has the outcome (paid / released, collected / back to recorded).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from hpf.common.lifecycle import Lifecycle
from hpf.ledger.model import _Coded
from hpf.ledger.settlement_port import SettlementInstruction


class InstructionStatus(_Coded):
    RECEIVED = ("RECEIVED", "已接收")
    SENDING = ("SENDING", "发送中")
    UNKNOWN = ("UNKNOWN", "结果不明")
    MANUAL_REVIEW = ("MANUAL_REVIEW", "人工核实中")
    SUCCEEDED = ("SUCCEEDED", "银行成功")
    FAILED = ("FAILED", "银行失败")
    APPLIED = ("APPLIED", "已入账")

    @property
    def settled(self) -> bool:
        return self in (InstructionStatus.SUCCEEDED, InstructionStatus.FAILED, InstructionStatus.APPLIED)


class InstructionEvent(_Coded):
    SEND = ("send", "发送银行")
    NOT_SENT = ("not_sent", "未能发出")
    BOOKED = ("booked", "银行记账成功")
    FAILED = ("failed", "银行处理失败")
    UNKNOWN = ("unknown", "结果不明")
    REVIEW = ("review", "转人工核实")
    INVALID = ("invalid", "指令无效")
    APPLY = ("apply", "回写核心账务")


S, E = InstructionStatus, InstructionEvent
INSTRUCTION_LIFECYCLE: Lifecycle[InstructionStatus, InstructionEvent] = Lifecycle(
    "INSTRUCTION_STATUS",
    "结算指令",
    {
        (S.RECEIVED, E.SEND): S.SENDING,
        (S.RECEIVED, E.INVALID): S.FAILED,
        (S.RECEIVED, E.REVIEW): S.MANUAL_REVIEW,  # the bank stayed unreachable: nothing was sent
        (S.SENDING, E.NOT_SENT): S.RECEIVED,
        (S.SENDING, E.BOOKED): S.SUCCEEDED,
        (S.SENDING, E.FAILED): S.FAILED,
        (S.SENDING, E.UNKNOWN): S.UNKNOWN,
        (S.UNKNOWN, E.BOOKED): S.SUCCEEDED,
        (S.UNKNOWN, E.FAILED): S.FAILED,
        (S.UNKNOWN, E.UNKNOWN): S.UNKNOWN,
        (S.UNKNOWN, E.REVIEW): S.MANUAL_REVIEW,
        (S.MANUAL_REVIEW, E.BOOKED): S.SUCCEEDED,
        (S.MANUAL_REVIEW, E.FAILED): S.FAILED,
        (S.SUCCEEDED, E.APPLY): S.APPLIED,
        (S.FAILED, E.APPLY): S.APPLIED,
    },
)


@dataclass(frozen=True)
class Step:
    """One line of the instruction's history: what happened, when, and what the bank said."""

    at: datetime
    event: str
    detail: str


@dataclass
class Instruction:
    instruction: SettlementInstruction
    status: InstructionStatus
    received_at: datetime
    bank: str = ""
    serial: str = ""  # SendSeqNo: fixed at the first send, never changed
    send_date: str = ""  # YYYYMMDD of that send: the result query needs it
    host_seq_no: str = ""
    succeeded: bool | None = None  # the bank's outcome once known
    failure_reason: str = ""
    queries: int = 0
    review_token: str = ""  # the workflow's task token while a person decides
    batch_id: str = ""  # the batch file it went in, for a line of a batch (batches.py)
    history: list[Step] = field(default_factory=list)
    version: int = 0

    @property
    def instruction_id(self) -> str:
        return self.instruction.instruction_id

    @property
    def amount(self) -> Decimal:
        return self.instruction.amount

    def record(self, event: InstructionEvent, at: datetime, detail: str = "") -> None:
        self.status = INSTRUCTION_LIFECYCLE.next(self.status, event)
        self.history.append(Step(at, event.value, detail))


def serial_for(instruction_id: str, center_node: str) -> str:
    """SendSeqNo (≤ 32 characters) derived from the instruction id: the same instruction always has the same
    serial, whoever sends it and however often the workflow retries."""
    digest = hashlib.sha256(instruction_id.encode()).hexdigest()[:24].upper()
    return f"{center_node}{digest}"[:32]


def bank_day(record: Instruction) -> str:
    """The bank day an instruction belongs to (YYYYMMDD): the day it was sent, else the day it was received."""
    from hpf.common.clock import SHANGHAI

    return record.send_date or record.received_at.astimezone(SHANGHAI).strftime("%Y%m%d")
