"""Batch settlement (批量业务): a batch goes to the bank as one file — loan deductions BDC105, other collections
BDC104, payouts BDC103 — and comes back line by line (BDC107 status, BDC108 results). Workflow:
statemachines/settlement-batch.asl.json, named by the batch id.

    receive → send → wait → query … (bounded) → apply           (results known: each line booked or failed)
                                             → review → apply   (the results never came: lines settle from the
                                                                 statement at reconciliation, or by a person)

Each line is a settlement instruction of its own (its id is the business's: ``DED-<loan>-<period>-<day>``), kept
with the others in the instruction store: the day's reconciliation matches it to the bank's statement line and
subject 101 exactly as a single payment, and the line's outcome is applied to the business through the same
ledger port. The batch record only remembers which lines went in one file, under which serial, and how far the
bank has got.

Scenario → path:
| the bank says                                   | path                                                     |
| accepted; BDC107 0 (done)                       | download results (BDC108, every page) → apply each line  |
| BDC107 2 (processing: results late)             | wait → query again, bounded → review                      |
| no answer to the file (timeout, dropped)        | UNKNOWN → query; BDC107 3 (no such batch) → the same file |
|                                                 | again under the same serial (the bank takes a serial once)|
| refused (not busy): the whole file rejected     | every line failed → apply (the loans keep them due)       |
| busy / not signed in / unreachable              | nothing sent: the workflow retries the same serial        |
| a line missing from a finished batch's results  | not booked (the results are the bank's word); a booked    |
|                                                 | one would show at reconciliation as LINE_WITHOUT_BUSINESS |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from hpf.common.clock import SHANGHAI, Clock
from hpf.common.coded import CodedEnum
from hpf.common.errors import Conflict, NotFound, TransientFailure
from hpf.common.lifecycle import Lifecycle
from hpf.common.money import ZERO
from hpf.ledger.settlement_port import SettlementInstruction
from hpf.settlement.model import Instruction, InstructionEvent, InstructionStatus, Step, serial_for

_BUSY = {"HOST_BUSY", "NOT_SIGNED_IN"}
_SETTLED = (InstructionStatus.SUCCEEDED, InstructionStatus.FAILED, InstructionStatus.APPLIED)
RESULT_PAGE = 500
PAYOUTS, COLLECTIONS, LOAN_DEDUCTIONS = "BDC103", "BDC104", "BDC105"
LOAN_REPAYMENT = "05"  # BusType 贷款扣款


def batch_code(lines: list[SettlementInstruction]) -> str:
    """Which batch transaction carries these lines: loan deductions BDC105, other collections BDC104, payouts
    BDC103. One batch, one direction: a file moves money one way."""
    if any(ln.direction != lines[0].direction for ln in lines):
        raise ValueError("a batch moves money one way: payouts and collections go in separate batches")
    if lines and lines[0].direction == "pay":
        return PAYOUTS
    return LOAN_DEDUCTIONS if lines and lines[0].business == LOAN_REPAYMENT else COLLECTIONS


def _file_line(tx_code: str, n: int, i: SettlementInstruction) -> dict[str, str]:
    """One record of the batch file: the other side's account, the amount, the line's own id (RefSeqNo)."""
    c = i.counterparty
    if tx_code == PAYOUTS:
        line = {"SeqNo": str(n), "CrAcctNo": c.account_no, "CrAcctName": c.name, "CrBankName": c.bank[:60]}
    elif tx_code == COLLECTIONS:
        line = {"SeqNo": str(n), "DeAcctNo": c.account_no, "DeAcctName": c.name, "ConAgrNo": i.agreement_no[:40]}
    else:
        line = {"SeqNo": str(n), "DeAcctNo": c.account_no, "DeAcctName": c.name, "LoanAcctNo": i.reference[:32]}
    return {**{k: v for k, v in line.items() if v}, "Amt": f"{i.amount:.2f}", "RefSeqNo": i.instruction_id[:64]}


class BatchStatus(CodedEnum):
    RECEIVED = ("RECEIVED", "已接收")
    SENDING = ("SENDING", "发送中")
    ACCEPTED = ("ACCEPTED", "银行已受理")
    UNKNOWN = ("UNKNOWN", "受理结果不明")
    MANUAL_REVIEW = ("MANUAL_REVIEW", "人工核实中")
    DONE = ("DONE", "结果已明")


class BatchEvent(CodedEnum):
    SEND = ("send", "发送银行")
    NOT_SENT = ("not_sent", "未能发出")
    ACCEPTED = ("accepted", "银行受理")
    UNKNOWN = ("unknown", "结果不明")
    RESULTS = ("results", "逐笔结果已明")
    REVIEW = ("review", "转人工核实")


B, BE = BatchStatus, BatchEvent
BATCH_LIFECYCLE: Lifecycle[BatchStatus, BatchEvent] = Lifecycle(
    "BATCH_STATUS",
    "批量结算",
    {
        (B.RECEIVED, BE.SEND): B.SENDING,
        (B.RECEIVED, BE.RESULTS): B.DONE,  # no valid line: nothing to send
        (B.SENDING, BE.NOT_SENT): B.RECEIVED,
        (B.SENDING, BE.ACCEPTED): B.ACCEPTED,
        (B.SENDING, BE.UNKNOWN): B.UNKNOWN,
        (B.SENDING, BE.RESULTS): B.DONE,  # the whole file refused
        (B.UNKNOWN, BE.ACCEPTED): B.ACCEPTED,  # found (or taken on the resend) by the result query
        (B.UNKNOWN, BE.UNKNOWN): B.UNKNOWN,
        (B.UNKNOWN, BE.RESULTS): B.DONE,
        (B.ACCEPTED, BE.UNKNOWN): B.ACCEPTED,  # still processing
        (B.ACCEPTED, BE.RESULTS): B.DONE,
        (B.RECEIVED, BE.REVIEW): B.MANUAL_REVIEW,  # the bank stayed unreachable: nothing was sent
        (B.UNKNOWN, BE.REVIEW): B.MANUAL_REVIEW,
        (B.ACCEPTED, BE.REVIEW): B.MANUAL_REVIEW,
        (B.MANUAL_REVIEW, BE.RESULTS): B.DONE,  # every line settled, from the statement or by a person
    },
)


@dataclass
class Batch:
    batch_id: str
    org: str
    business: str
    tx_code: str
    line_ids: list[str]
    status: BatchStatus
    received_at: datetime
    bank: str = ""
    serial: str = ""
    send_date: str = ""
    queries: int = 0
    review_token: str = ""
    history: list[Step] = field(default_factory=list)
    version: int = 0
    open_lines: list[str] = field(default_factory=list)  # under review: the lines not yet settled

    def record(self, event: BatchEvent, at: datetime, detail: str = "") -> None:
        self.status = BATCH_LIFECYCLE.next(self.status, event)
        self.history.append(Step(at, event.value, detail))


class BatchStore(Protocol):
    def get_batch(self, batch_id: str) -> Batch | None: ...
    def add_batch(self, batch: Batch) -> None: ...  # Conflict if it exists
    def update_batch(self, batch: Batch) -> None: ...  # Conflict if the version moved


class BatchSource(Protocol):
    def batch_lines(self, batch_id: str) -> list[SettlementInstruction]: ...


class BatchSettlement:
    def __init__(self, batches: BatchStore, instructions: Any, banks: Any, source: BatchSource, settlement: Any,
                 clock: Clock):
        """``instructions``: the instruction store; ``settlement``: the SettlementService, which receives,
        validates and applies each line exactly as a single instruction."""
        self._batches = batches
        self._instructions = instructions
        self._banks = banks
        self._source = source
        self._settlement = settlement
        self._clock = clock
        settlement.when_settled(self.line_settled)

    def receive(self, batch_id: str, org: str) -> dict[str, Any]:
        existing = self._batches.get_batch(batch_id)
        if existing is not None:
            return self._answer(existing)
        lines = self._source.batch_lines(batch_id)
        for line in lines:  # each line stored and checked once (idempotent by its id)
            self._settlement.receive(line, batch_id=batch_id)
        business = lines[0].business if lines else ""
        batch = Batch(batch_id, org, business, batch_code(lines), [ln.instruction_id for ln in lines],
                      BatchStatus.RECEIVED, self._clock.now())
        try:
            self._batches.add_batch(batch)
        except Conflict:
            return self._answer(self._get(batch_id))
        return self._answer(batch)

    def send(self, batch_id: str) -> dict[str, Any]:
        batch = self._get(batch_id)
        if batch.status is BatchStatus.SENDING:  # a send that died mid-way: never a new file — ask, resend same
            return self._answer(self._save(batch, BatchEvent.UNKNOWN, "发送中断，结果待查询"))
        if batch.status is not BatchStatus.RECEIVED:
            return self._answer(batch)
        lines = [ln for ln in self._lines(batch) if ln.status is InstructionStatus.RECEIVED]
        if not lines:
            return self._answer(self._save(batch, BatchEvent.RESULTS, "无有效明细，未发送"))
        account = self._banks.special_account(batch.org)
        batch.bank = account.bank
        batch.serial = batch.serial or serial_for(batch_id, self._banks.center_node(account.bank))
        batch.send_date = self._clock.now().astimezone(SHANGHAI).strftime("%Y%m%d")
        self._save(batch, BatchEvent.SEND, f"{account.bank} {batch.serial} {len(lines)}笔")  # before the call
        for line in lines:
            line.bank, line.serial, line.send_date = batch.bank, batch.serial, batch.send_date
            self._line_event(line, InstructionEvent.SEND, f"批次{batch_id} {batch.serial}")
        return self._answer(self._transmit(batch, lines, account))

    def query(self, batch_id: str) -> dict[str, Any]:
        """批量业务结果查询 (BDC107), then the results (BDC108); a batch the bank has not got is sent again under
        its serial. Safe to repeat."""
        from hpf.settlement.bdc.client import BdcOutcomeUnknown, BdcUnavailable

        batch = self._get(batch_id)
        if batch.status is BatchStatus.SENDING:
            self._save(batch, BatchEvent.UNKNOWN, "发送中断，结果待查询")
        if batch.status not in (BatchStatus.UNKNOWN, BatchStatus.ACCEPTED):
            return self._answer(batch)
        batch.queries += 1
        query = {"OldTxDate": batch.send_date, "OldSeqNo": batch.serial}
        try:
            response = self._banks.call(batch.bank, "BDC107", query)
        except (BdcUnavailable, BdcOutcomeUnknown) as error:
            return self._answer(self._save(batch, BatchEvent.UNKNOWN, f"查询未果：{error}"))
        status = response.body.get("BatchStatus", "") if response.ok else ""
        if status == "0":
            return self._answer(self._results(batch))
        if status == "3":  # the bank never got the file: the same file again, the same serial
            account = self._banks.special_account(batch.org)
            lines = [ln for ln in self._lines(batch) if ln.status is InstructionStatus.SENDING]
            try:
                return self._answer(self._transmit(batch, lines, account, resend=True))
            except TransientFailure:
                return self._answer(self._save(batch, BatchEvent.UNKNOWN, "重发未能发出，稍后再查"))
        if status == "1":
            return self._answer(self._fail_all(batch, "银行整批拒绝"))
        detail = "银行处理中" if status == "2" else f"查询被拒：{response.head.get('RtnCode')}"
        return self._answer(self._save(batch, BatchEvent.UNKNOWN, f"查询：{detail}（第{batch.queries}次）"))

    def await_review(self, batch_id: str, task_token: str) -> None:
        """The results never came: each line still open goes to review (a person, or the statement, decides);
        the workflow waits on the token until the last line is settled. The batch keeps the lines still open, so
        each line settled afterwards costs one batch write, not a read of every line."""
        batch = self._get(batch_id)
        if batch.status not in (BatchStatus.RECEIVED, BatchStatus.UNKNOWN, BatchStatus.ACCEPTED):
            return
        lines = [ln for ln in self._lines(batch) if ln.status not in _SETTLED]
        batch.review_token, batch.open_lines = task_token, [ln.instruction_id for ln in lines]
        reason = "银行持续不可达，未能发出" if batch.status is BatchStatus.RECEIVED else f"{batch.queries}次查询仍无结果"
        self._save(batch, BatchEvent.REVIEW, f"{reason}，逐笔转人工核实")
        for line in lines:
            if line.status is InstructionStatus.RECEIVED:
                self._line_event(line, InstructionEvent.REVIEW, f"批次{batch_id}未能发出，转人工核实")
                continue
            if line.status is InstructionStatus.SENDING:
                self._line_event(line, InstructionEvent.UNKNOWN, "批量结果未到")
            if line.status is InstructionStatus.UNKNOWN:
                self._line_event(line, InstructionEvent.REVIEW, f"批次{batch_id}结果未到，转人工核实")
        # A line settled between the first read and the save above found the batch not yet under review.
        self._close(batch_id, {ln.instruction_id for ln in self._lines(self._get(batch_id)) if ln.status in _SETTLED})

    def line_settled(self, line: Instruction) -> None:
        """A line of a batch under review was settled (SettlementService calls this back): resume the workflow
        once none is left open."""
        if line.batch_id:
            self._close(line.batch_id, {line.instruction_id})

    def _close(self, batch_id: str, settled: set[str]) -> None:
        """Take settled lines off the batch's open ones; the last one resumes the workflow. A concurrent close
        moved the version: read again."""
        for attempt in range(10):
            batch = self._batches.get_batch(batch_id)
            if batch is None or batch.status is not BatchStatus.MANUAL_REVIEW:
                return
            remaining = [i for i in batch.open_lines if i not in settled]
            if remaining and remaining == batch.open_lines:
                return
            batch.open_lines = remaining
            try:
                if remaining:
                    self._batches.update_batch(batch)
                    return
                self._save(batch, BatchEvent.RESULTS, "逐笔核实完毕")
            except Conflict:
                if attempt == 9:
                    raise
                continue
            self._settlement.resume(batch.review_token, self._answer(batch))
            return

    def apply(self, batch_id: str) -> dict[str, Any]:
        """Each settled line to the business (the loan): idempotent per line, so a retry goes on where it stopped."""
        batch = self._get(batch_id)
        applied = 0
        for line_id in batch.line_ids:
            if self._settlement.apply(line_id)["status"] == InstructionStatus.APPLIED.value:
                applied += 1
        return {**self._answer(batch), "applied": applied}

    def get(self, batch_id: str) -> Batch:
        return self._get(batch_id)

    def view(self, batch_id: str, actor: Any) -> tuple[Batch, list[Instruction]]:
        """A batch and each line as it stands — for finance and operators (their office only)."""
        batch = self._get(batch_id)
        actor.require_org(batch.org)
        return batch, self._lines(batch)

    # -- helpers ---------------------------------------------------------------------------------------------------
    def _transmit(self, batch: Batch, lines: list[Instruction], account: Any, resend: bool = False) -> Batch:
        from hpf.settlement.bdc.client import BdcOutcomeUnknown, BdcUnavailable

        records = [_file_line(batch.tx_code, n, ln.instruction) for n, ln in enumerate(lines, 1)]
        ours = ("DeAcctNo", "DeAcctName") if batch.tx_code == PAYOUTS else ("CrAcctNo", "CrAcctName")
        body = {"BatchNo": batch.batch_id[:40], "BusType": batch.business, ours[0]: account.account_no,
                ours[1]: account.name, "TotalNum": str(len(records)),
                "TotalAmt": f"{sum((line.amount for line in lines), ZERO):.2f}"}
        sent_at = datetime.strptime(batch.send_date, "%Y%m%d").replace(tzinfo=SHANGHAI) if resend else None
        try:
            response = self._banks.call(batch.bank, batch.tx_code, body, serial=batch.serial,
                                        sent_at=sent_at or self._clock.now(), lists={"DETAIL_LIST": records})
        except BdcUnavailable as error:
            if resend:
                raise TransientFailure(str(error), code="BANK_UNAVAILABLE") from None
            self._unsend(batch, lines, str(error))
            raise TransientFailure(f"银行{batch.bank}暂不可达，稍后重发", code="BANK_UNAVAILABLE") from None
        except BdcOutcomeUnknown as error:
            return self._save(batch, BatchEvent.UNKNOWN, str(error))
        if not response.ok:
            code, message = response.head.get("RtnCode", ""), response.head.get("RtnMessage", "")
            if code in _BUSY:
                if resend:
                    raise TransientFailure(message, code="BANK_BUSY")
                self._unsend(batch, lines, f"{code} {message}")
                raise TransientFailure(f"银行{batch.bank}暂不受理：{message}", code="BANK_BUSY")
            return self._fail_all(batch, f"{code} {message}")
        return self._save(batch, BatchEvent.ACCEPTED, "重发后银行受理" if resend else "银行受理")

    def _unsend(self, batch: Batch, lines: list[Instruction], detail: str) -> None:
        for line in lines:
            self._line_event(line, InstructionEvent.NOT_SENT, detail)
        self._save(batch, BatchEvent.NOT_SENT, detail)

    def _results(self, batch: Batch) -> Batch:
        results, begin = {}, 1
        while True:
            page = self._banks.call(batch.bank, "BDC108", {"OldTxDate": batch.send_date, "OldSeqNo": batch.serial},
                                    paging=(begin, RESULT_PAGE))
            if not page.ok:
                return self._save(batch, BatchEvent.UNKNOWN, f"结果下载被拒：{page.head.get('RtnCode')}")
            records = page.lists.get("RESULT_LIST", [])
            results.update({r["RefSeqNo"]: r for r in records})
            begin += len(records)
            if not records or begin > int(page.head.get("TotalRec", "0")):
                break
        for line in self._lines(batch):
            if line.status not in (InstructionStatus.SENDING, InstructionStatus.UNKNOWN,
                                   InstructionStatus.RECEIVED):
                continue
            r = results.get(line.instruction_id)
            if r is not None and r["Result"] == "0" and Decimal(r["Amt"]) == line.amount:
                line.succeeded, line.host_seq_no = True, r.get("HostSeqNo", "")
                self._line_event(line, InstructionEvent.BOOKED, f"批量结果：成功 {line.host_seq_no}")
            else:
                reason = r.get("Reason", "银行扣款失败") if r else "批量结果无此笔，视为未扣款"
                line.succeeded, line.failure_reason = False, reason
                self._line_event(line, InstructionEvent.FAILED, f"批量结果：失败 {reason}")
        return self._save(batch, BatchEvent.RESULTS, f"共{len(results)}笔结果")

    def _fail_all(self, batch: Batch, reason: str) -> Batch:
        for line in self._lines(batch):
            if line.status in (InstructionStatus.SENDING, InstructionStatus.UNKNOWN, InstructionStatus.RECEIVED):
                line.succeeded, line.failure_reason = False, reason
                self._line_event(line, InstructionEvent.FAILED, f"整批拒绝：{reason}")
        return self._save(batch, BatchEvent.RESULTS, f"整批拒绝：{reason}")

    def _line_event(self, line: Instruction, event: InstructionEvent, detail: str) -> None:
        if line.status is InstructionStatus.RECEIVED and event in (InstructionEvent.BOOKED, InstructionEvent.FAILED):
            # a send that died while marking its lines left this one unmarked: it went (or not) with the file
            line.record(InstructionEvent.SEND, self._clock.now(), "随批次发送")
        line.record(event, self._clock.now(), detail)
        self._instructions.update(line)

    def _lines(self, batch: Batch) -> list[Instruction]:
        return [self._instructions.get(i) for i in batch.line_ids]

    def _save(self, batch: Batch, event: BatchEvent, detail: str) -> Batch:
        batch.record(event, self._clock.now(), detail)
        self._batches.update_batch(batch)
        return batch

    def _get(self, batch_id: str) -> Batch:
        batch = self._batches.get_batch(batch_id)
        if batch is None:
            raise NotFound("结算批次不存在", code="BATCH_NOT_FOUND")
        return batch

    @staticmethod
    def _answer(batch: Batch) -> dict[str, Any]:
        return {"batch_id": batch.batch_id, "status": batch.status.value,
                "outcome": "done" if batch.status is BatchStatus.DONE else "pending", "queries": batch.queries}
