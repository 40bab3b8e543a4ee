"""The settlement steps the workflow (statemachines/settlement.asl.json) runs, one task each, every one idempotent by
the instruction id: run twice, a step finds its own work done and answers the same.

    receive → send → (succeeded | failed) → apply
                   → unknown → wait → query … (bounded) → review (a person, task token) → apply

Retry only what is transient (``TransientFailure``: the bank link is down and nothing was sent); a named business
error (``InstructionInvalid``) ends in the compensation — the ledger releases what it reserved.

Scenario → path:
| the bank says                              | path                                              |
| HostStatus 1                                | send → apply (paid / collected)                  |
| HostStatus 4, or the message refused        | send → apply (released / back to recorded)       |
| HostStatus 5, timeout, dropped connection   | send → wait → query → … → apply                  |
| not reachable (nothing sent)                | send retried by the workflow, same serial         |
| the query keeps saying "unknown"            | → review: a person decides from the bank's records |
| the task died after SENDING was written     | next look treats it as unknown: query, never resend |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from hpf.common.clock import SHANGHAI, Clock
from hpf.common.errors import BusinessRuleViolation, Conflict, NotFound, TransientFailure
from hpf.identity.principal import Principal
from hpf.ledger.settlement_port import SettlementInstruction
from hpf.settlement.model import Instruction, InstructionEvent, InstructionStatus, serial_for

PAY, COLLECT = "pay", "collect"
PERSONAL_PAYOUTS = {"02", "03"}  # partial and closing withdrawals: to a person's own (or heir's) card
_BUSY = {"HOST_BUSY", "NOT_SIGNED_IN"}  # refusals of a message that was not processed: send again, same serial


class InstructionInvalid(BusinessRuleViolation):
    code = "INSTRUCTION_INVALID"


@dataclass(frozen=True)
class SpecialAccount:
    """住房公积金专户 of an office at a bank."""

    bank: str
    account_no: str
    name: str
    bank_name: str


class InstructionStore(Protocol):
    def get(self, instruction_id: str) -> Instruction | None: ...
    def add(self, instruction: Instruction) -> None: ...  # Conflict if it exists
    def update(self, instruction: Instruction) -> None: ...  # Conflict if the version moved
    def on_day(self, org: str, day: date) -> list[Instruction]: ...  # the office's instructions of a bank day


class BankGateway(Protocol):
    def special_account(self, org: str) -> SpecialAccount: ...
    def center_node(self, bank: str) -> str: ...
    def offers(self, bank: str, tx_code: str) -> bool: ...  # the bank's profile does not lack it
    def call(self, bank: str, tx_code: str, body: dict[str, str], serial: str | None = None,
             sent_at: datetime | None = None, paging: tuple[int, int] | None = None,
             lists: dict[str, list[dict[str, str]]] | None = None) -> Any: ...


class LedgerPort(Protocol):
    """The core ledger as settlement needs it: is the money still reserved, and here is the bank's outcome."""

    def reservation_holds(self, instruction: SettlementInstruction) -> bool: ...
    def apply(self, instruction: SettlementInstruction, succeeded: bool, bank_serial: str, reason: str) -> None: ...


class SettlementService:
    def __init__(self, store: InstructionStore, banks: BankGateway, ledger: LedgerPort, clock: Clock,
                 workflows: Any = None):
        self._store = store
        self._banks = banks
        self._ledger = ledger
        self._clock = clock
        self._workflows = workflows
        self._settled_hooks: list[Any] = []
        self.batches: Any = None  # the BatchSettlement riding on this service (set by the composition root)

    def when_settled(self, hook: Any) -> None:
        """Be told of each instruction a person or the statement settled (a batch waits for its last line)."""
        self._settled_hooks.append(hook)

    def resume(self, task_token: str, output: dict[str, Any]) -> None:
        if self._workflows is not None and task_token:
            self._workflows.succeed_task(task_token, output)

    # -- steps ---------------------------------------------------------------------------------------------
    def receive(self, instruction: SettlementInstruction, batch_id: str = "") -> dict[str, Any]:
        """Store the instruction (once) and check it; an invalid one fails at once, to be released."""
        existing = self._store.get(instruction.instruction_id)
        if existing is not None:
            return self._answer(existing)
        record = Instruction(instruction, InstructionStatus.RECEIVED, self._clock.now(), batch_id=batch_id)
        problem = self._problem(instruction)
        if problem:
            record.failure_reason = problem
            record.record(InstructionEvent.INVALID, self._clock.now(), problem)
            record.succeeded = False
        try:
            self._store.add(record)
        except Conflict:
            return self._answer(self._get(instruction.instruction_id))  # a concurrent receive stored it
        return self._answer(record)

    def send(self, instruction_id: str) -> dict[str, Any]:
        record = self._get(instruction_id)
        self._interrupted_send_is_unknown(record)
        if record.status is not InstructionStatus.RECEIVED:
            return self._answer(record)
        account = self._banks.special_account(record.instruction.org)
        record.bank = account.bank
        record.serial = record.serial or serial_for(instruction_id, self._banks.center_node(account.bank))
        sent_at = self._clock.now()
        record.send_date = sent_at.astimezone(SHANGHAI).strftime("%Y%m%d")
        self._save(record, InstructionEvent.SEND, f"{account.bank} {record.serial}")  # before the call: see above
        from hpf.settlement.bdc.client import BdcOutcomeUnknown, BdcUnavailable

        tx_code, body = self._message(record.instruction, account)
        try:
            response = self._banks.call(account.bank, tx_code, body, serial=record.serial, sent_at=sent_at)
        except BdcUnavailable as error:
            self._save(record, InstructionEvent.NOT_SENT, str(error))
            raise TransientFailure(f"银行{account.bank}暂不可达，稍后重发", code="BANK_UNAVAILABLE") from None
        except BdcOutcomeUnknown as error:
            return self._answer(self._save(record, InstructionEvent.UNKNOWN, str(error)))
        if not response.ok:
            code, message = response.head.get("RtnCode", ""), response.head.get("RtnMessage", "")
            if code in _BUSY:
                self._save(record, InstructionEvent.NOT_SENT, f"{code} {message}")
                raise TransientFailure(f"银行{account.bank}暂不受理：{message}", code="BANK_BUSY")
            record.succeeded, record.failure_reason = False, f"{code} {message}"
            return self._answer(self._save(record, InstructionEvent.FAILED, record.failure_reason))
        return self._answer(self._host_status(record, response.body["HostStatus"],
                                              response.body.get("HostSeqNo", ""), response.head.get("RtnMessage", "")))

    def query(self, instruction_id: str) -> dict[str, Any]:
        """交易结果查询 (BDC110) under the original serial; safe to repeat as often as needed."""
        from hpf.settlement.bdc.client import BdcOutcomeUnknown, BdcUnavailable

        record = self._get(instruction_id)
        self._interrupted_send_is_unknown(record)
        if record.status is not InstructionStatus.UNKNOWN:
            return self._answer(record)
        record.queries += 1
        try:
            response = self._banks.call(record.bank, "BDC110", {"OldTxDate": record.send_date,
                                                                "OldSeqNo": record.serial})
        except (BdcUnavailable, BdcOutcomeUnknown) as error:
            return self._answer(self._save(record, InstructionEvent.UNKNOWN, f"查询未果：{error}"))
        if not response.ok:
            return self._answer(self._save(record, InstructionEvent.UNKNOWN, f"查询被拒：{response.head.get('RtnCode')}"))
        status = response.body["OldTxStatus"]
        if status == "0":
            record.succeeded, record.host_seq_no = True, response.body.get("HostSeqNo", "")
            return self._answer(self._save(record, InstructionEvent.BOOKED, f"查询：成功 {record.host_seq_no}"))
        if status == "1":
            record.succeeded, record.failure_reason = False, response.head.get("RtnMessage", "银行处理失败")
            return self._answer(self._save(record, InstructionEvent.FAILED, f"查询：失败 {record.failure_reason}"))
        return self._answer(self._save(record, InstructionEvent.UNKNOWN,
                                       f"查询：处理中或不存在（第{record.queries}次）"))

    def await_review(self, instruction_id: str, task_token: str,
                     instruction: SettlementInstruction | None = None) -> None:
        """Hand an instruction the queries could not settle to a person, with its whole history — or one that
        could not even be received (the card check unavailable for too long): it is stored first, unsent."""
        if self._store.get(instruction_id) is None and instruction is not None:
            self._store.add(Instruction(instruction, InstructionStatus.RECEIVED, self._clock.now()))
        record = self._get(instruction_id)
        if record.status in (InstructionStatus.UNKNOWN, InstructionStatus.RECEIVED):
            record.review_token = task_token
            reason = "银行持续不可达，未能发出" if record.status is InstructionStatus.RECEIVED else \
                f"{record.queries}次查询仍不明"
            self._save(record, InstructionEvent.REVIEW, f"{reason}，转人工核实")

    def resolve(self, instruction_id: str, succeeded: bool, evidence: str, actor: Principal) -> Instruction:
        """A person's decision from the bank's own records (回单, 对账单): the workflow goes on to apply it."""
        record = self._get(instruction_id)
        actor.require_org(record.instruction.org)
        if record.status is not InstructionStatus.MANUAL_REVIEW:
            raise BusinessRuleViolation(f"指令状态为“{record.status.label}”，无需人工核实", code="NOT_UNDER_REVIEW")
        if succeeded and not record.serial:
            raise BusinessRuleViolation("该指令从未发往银行，不能确认为成功", code="NEVER_SENT")
        record.succeeded = succeeded
        if not succeeded:
            record.failure_reason = evidence
        event = InstructionEvent.BOOKED if succeeded else InstructionEvent.FAILED
        self._save(record, event, f"人工核实（{actor.subject}）：{evidence}")
        self._settled(record)
        return record

    def settle_from_statement(self, instruction_id: str, booked: bool, evidence: str) -> Instruction:
        """Reconciliation found the answer the queries could not: the bank's own statement. A workflow waiting on
        a person is resumed with it; one still querying finds it settled at its next query."""
        record = self._get(instruction_id)
        self._interrupted_send_is_unknown(record)
        if record.status not in (InstructionStatus.UNKNOWN, InstructionStatus.MANUAL_REVIEW):
            return record  # settled already — or never sent, and a review decides that one
        record.succeeded = booked
        if not booked:
            record.failure_reason = evidence
        self._save(record, InstructionEvent.BOOKED if booked else InstructionEvent.FAILED, f"对账：{evidence}")
        self._settled(record)
        return record

    def _settled(self, record: Instruction) -> None:
        self.resume(record.review_token, self._answer(record))
        for hook in self._settled_hooks:
            hook(record)

    def apply(self, instruction_id: str) -> dict[str, Any]:
        """Tell the ledger: paid → debit; failed → release. The ledger is idempotent by the instruction."""
        record = self._get(instruction_id)
        if record.status is InstructionStatus.APPLIED:
            return self._answer(record)
        if record.status not in (InstructionStatus.SUCCEEDED, InstructionStatus.FAILED):
            raise BusinessRuleViolation(f"指令状态为“{record.status.label}”，结果未定，不能回写", code="NOT_SETTLED")
        succeeded = record.status is InstructionStatus.SUCCEEDED
        if succeeded or self._ledger.reservation_holds(record.instruction):
            self._ledger.apply(record.instruction, succeeded, record.host_seq_no or record.serial,
                               record.failure_reason)
            return self._answer(self._save(record, InstructionEvent.APPLY, "核心账务已回写"))
        # Failed, and the ledger holds nothing for it (refused on receipt, or released already): nothing to release.
        return self._answer(self._save(record, InstructionEvent.APPLY, "核心账务无待释放业务"))

    def of_day(self, org: str, day: date, actor: Principal, status: InstructionStatus | None = None) -> list[Instruction]:
        """An office's instructions of one bank day — for finance, e.g. those awaiting a person's review."""
        actor.require_org(org)
        return sorted((r for r in self._store.on_day(org, day) if status is None or r.status is status),
                      key=lambda r: r.received_at)

    def get(self, instruction_id: str, actor: Principal) -> Instruction:
        record = self._get(instruction_id)
        actor.require_org(record.instruction.org)
        return record

    # -- helpers ---------------------------------------------------------------------------------------------
    def _problem(self, i: SettlementInstruction) -> str:
        if i.amount <= 0 or i.amount != i.amount.quantize(Decimal("0.01")):
            return "金额须为正数且精确到分"
        if not i.counterparty.account_no.isdigit():
            return "对方账号格式不符"
        if i.direction not in (PAY, COLLECT):
            return f"未知资金方向{i.direction}"
        try:
            self._banks.special_account(i.org)
        except KeyError:
            return f"管理部{i.org}未配置住房公积金专户"
        if not self._ledger.reservation_holds(i):
            return "核心账务中没有与该指令相符的待支付（待托收）业务"
        if i.direction == PAY and i.business in PERSONAL_PAYOUTS:
            return self._card_problem(i)
        return ""

    def _card_problem(self, i: SettlementInstruction) -> str:
        """S.4.2: a payout goes only to a card that is the holder's (name and ID agree), usable, and of a class
        that may receive it; a class II card within its daily limit counting today's other payouts to it."""
        from hpf.settlement.cards import CLASS_LABELS, check_card, policy_on

        c = i.counterparty
        card = check_card(self._banks, i.org, c.account_no, c.name, c.id_number)  # TransientFailure: retried
        if not card.matched:
            return f"银行卡校验未通过：{card.label}"
        today = self._clock.now().astimezone(SHANGHAI).date()
        policy = policy_on(today)
        if card.acct_class == "3" and not policy.class_iii_allowed:
            return f"{CLASS_LABELS['3']}不能用于提取"
        if card.acct_class == "2":
            earlier = sum((r.amount for r in self._store.on_day(i.org, today)
                           if r.instruction.counterparty.account_no == c.account_no and r.succeeded is not False
                           and r.instruction_id != i.instruction_id), Decimal("0.00"))
            if earlier + i.amount > policy.class_ii_daily_in:
                return f"{CLASS_LABELS['2']}单日转入限额{policy.class_ii_daily_in}元，今日已转入{earlier}元"
        return ""

    def _message(self, i: SettlementInstruction, account: SpecialAccount) -> tuple[str, dict[str, str]]:
        c = i.counterparty
        same_bank = account.bank_name[:4] in c.bank or c.bank.startswith(account.bank)
        settle_type, bank_class = ("1", "0") if same_bank else ("2", "1")
        if i.direction == PAY:
            return "BDC101", {
                "SettleType": settle_type, "BusType": i.business, "DeAcctNo": account.account_no,
                "DeAcctName": account.name, "DeAcctClass": "2", "CrAcctNo": c.account_no, "CrAcctName": c.name,
                "CrAcctClass": "1" if i.business in ("02", "03") else "2", "CrBankClass": bank_class,
                "CrBankName": c.bank[:60], "Amt": f"{i.amount:.2f}", "RefSeqNo1": i.instruction_id[:64],
                "RefAcctNo": i.reference[:32], "Summary": i.summary[:60]}
        return "BDC102", {
            "SettleType": settle_type, "BusType": i.business, "DeAcctNo": c.account_no, "DeAcctName": c.name,
            "DeAcctClass": "2", "DeBankClass": bank_class, "DeBankName": c.bank[:60], "CrAcctNo": account.account_no,
            "CrAcctName": account.name, "Amt": f"{i.amount:.2f}", "CurrNo": "156", "ConAgrNo": i.agreement_no,
            "RefSeqNo1": i.instruction_id[:64], "Summary": i.summary[:60]}

    def _host_status(self, record: Instruction, status: str, host_seq_no: str, message: str) -> Instruction:
        record.host_seq_no = host_seq_no
        if status == "1":
            record.succeeded = True
            return self._save(record, InstructionEvent.BOOKED, f"主机状态1 {host_seq_no}")
        if status == "4":
            record.succeeded, record.failure_reason = False, message or "银行处理失败"
            return self._save(record, InstructionEvent.FAILED, f"主机状态4 {message}")
        return self._save(record, InstructionEvent.UNKNOWN, f"主机状态{status} {message}")

    def _interrupted_send_is_unknown(self, record: Instruction) -> None:
        """A send that died between writing SENDING and learning the answer: never send again — ask."""
        if record.status is InstructionStatus.SENDING:
            self._save(record, InstructionEvent.UNKNOWN, "发送中断，结果待查询")

    def _save(self, record: Instruction, event: InstructionEvent, detail: str) -> Instruction:
        record.record(event, self._clock.now(), detail)
        self._store.update(record)
        return record

    def _get(self, instruction_id: str) -> Instruction:
        record = self._store.get(instruction_id)
        if record is None:
            raise NotFound("结算指令不存在", code="INSTRUCTION_NOT_FOUND")
        return record

    @staticmethod
    def _answer(record: Instruction) -> dict[str, Any]:
        outcome = {True: "succeeded", False: "failed", None: "unknown"}[record.succeeded]
        return {"instruction_id": record.instruction_id, "status": record.status.value, "outcome": outcome,
                "queries": record.queries}

