"""Daily reconciliation (对账, S.9.10): the bank's statement of each special account (资金帐 as the bank keeps it)
against settlement's instructions, the financial ledger's subject 101 (财务帐) and the business ledger (业务帐).

For one office and one day:
1. the statement lines come from the bank (BDC113, every page);
2. each line is matched to the instruction it carries (RefSeqNo = the instruction id);
3. an instruction whose outcome was unknown is settled from the statement: a line → booked; no line in the
   statement of a closed day → not booked. The waiting workflow then applies it (a person under review gets the
   statement as evidence);
4. what cannot be matched is listed with its cause — a line without business, business without a line, a
   different amount, a posting on another day — and the day agrees only when nothing is listed;
5. the ledger's own check (业务帐 against 财务帐) for the day is part of the same report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from hpf.common.clock import SHANGHAI, Clock
from hpf.common.errors import NotFound
from hpf.common.money import ZERO
from hpf.settlement.model import Instruction, InstructionStatus

REMITTANCE = "01"  # BusType 汇补缴


class Cause:
    LINE_WITHOUT_BUSINESS = "LINE_WITHOUT_BUSINESS"  # 银行有、业务无: a transfer nobody instructed or matched yet
    BUSINESS_WITHOUT_LINE = "BUSINESS_WITHOUT_LINE"  # 业务有、银行无: we think the bank booked it; it did not
    AMOUNT_DIFFERS = "AMOUNT_DIFFERS"
    DIRECTION_DIFFERS = "DIRECTION_DIFFERS"
    NOT_IN_FINANCIAL_LEDGER = "NOT_IN_FINANCIAL_LEDGER"  # booked at the bank, no 101 entry for it that day
    FINANCIAL_WITHOUT_BANK = "FINANCIAL_WITHOUT_BANK"  # a 101 entry of the day that no bank line carries
    LEDGERS_DISAGREE = "LEDGERS_DISAGREE"  # 业务帐 ≠ 财务帐 for an account
    STILL_UNKNOWN = "STILL_UNKNOWN"  # an instruction of today, not yet in the statement: settles later


@dataclass(frozen=True)
class Difference:
    cause: str
    reference: str
    bank_amount: Decimal | None
    our_amount: Decimal | None
    detail: str


@dataclass
class ReconciliationReport:
    org: str
    day: date
    account_no: str
    bank_lines: int
    bank_debit: Decimal
    bank_credit: Decimal
    matched: int = 0
    settled_from_statement: list[str] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not [d for d in self.differences if d.cause != Cause.STILL_UNKNOWN]


class DayInstructions(Protocol):
    def on_day(self, org: str, day: date) -> list[Instruction]: ...
    def get(self, instruction_id: str) -> Instruction | None: ...


class Line(NamedTuple):  # NamedTuples: a day of a big center is a million of these, built fast
    """One line of the bank's statement of the special account."""

    ref: str  # RefSeqNo: the instruction id the center sent, "" for a transfer nobody instructed
    dc: str  # D out of the account, C into it
    amount: Decimal
    host_seq: str
    detail: str = ""


class Expected(NamedTuple):
    """What settlement knows of one instruction of the day."""

    instruction_id: str
    direction: str  # pay | collect
    amount: Decimal
    state: str  # booked | failed | unknown
    reference: str  # the ledger's business id of it: the withdrawal id, the remittance id


@dataclass
class Comparison:
    matched: int = 0
    to_settle: list[tuple[str, bool, str]] = field(default_factory=list)  # (instruction id, booked, evidence)
    differences: list[Difference] = field(default_factory=list)


def compare(lines: list[Line], expected: list[Expected], financial: dict[str, Decimal], closed: bool) -> Comparison:
    """The matching itself, pure: statement lines against the instructions of the day and against subject 101's
    movement per ledger reference (``financial``: signed, debit positive). ``closed``: the day's statement is
    final, so an unknown instruction without a line was not booked.

    This is the rules' reference statement; ``reconcile_columnar`` runs the same rules as DuckDB joins (what the
    daily run uses), and a property test holds the two to the same result, difference by difference."""
    result = Comparison()
    by_ref = {ln.ref: ln for ln in lines if ln.ref}
    known = {e.instruction_id: e for e in expected}
    settled_now: set[str] = set()
    for e in expected:
        line = by_ref.get(e.instruction_id)
        if e.state == "unknown":
            if line is not None:
                result.to_settle.append((e.instruction_id, True, f"对账单{line.host_seq}"))
                settled_now.add(e.instruction_id)
            elif closed:
                result.to_settle.append((e.instruction_id, False, "当日对账单无此笔"))
                settled_now.add(e.instruction_id)
            else:
                result.differences.append(Difference(Cause.STILL_UNKNOWN, e.instruction_id, None, e.amount,
                                                     "结果不明，尚未出现在对账单"))
        elif e.state == "booked" and line is None:
            result.differences.append(Difference(Cause.BUSINESS_WITHOUT_LINE, e.instruction_id, None, e.amount,
                                                 "结算记为成功，银行对账单无此笔"))
        elif e.state != "booked" and line is not None:
            result.differences.append(Difference(Cause.LINE_WITHOUT_BUSINESS, e.instruction_id, line.amount, None,
                                                 "结算记为失败，银行却已记账"))
        elif line is not None:
            if line.amount != e.amount:
                result.differences.append(Difference(Cause.AMOUNT_DIFFERS, e.instruction_id, line.amount, e.amount,
                                                     "金额不符"))
            elif line.dc != ("D" if e.direction == "pay" else "C"):
                result.differences.append(Difference(Cause.DIRECTION_DIFFERS, e.instruction_id, line.amount,
                                                     e.amount, "借贷方向不符"))
            else:
                result.matched += 1
    for line in lines:
        if line.ref and line.ref not in known and financial.get(line.ref) == (
                line.amount if line.dc == "C" else -line.amount):
            result.matched += 1  # money in that the ledger took as a list's arrival (an arrival notice, finance)
        elif not line.ref or line.ref not in known:
            result.differences.append(Difference(Cause.LINE_WITHOUT_BUSINESS, line.ref or line.host_seq,
                                                 line.amount, None, line.detail))
    # subject 101 of the day, reference by reference (a list just settled from this statement posts next)
    reference_of = {e.instruction_id: e.reference for e in expected}
    seen: set[str] = set()
    for line in lines:
        if line.ref in reference_of and line.ref not in settled_now:
            reference = reference_of[line.ref]
            seen.add(reference)
            signed = line.amount if line.dc == "C" else -line.amount
            if financial.get(reference, ZERO) != signed:
                result.differences.append(Difference(Cause.NOT_IN_FINANCIAL_LEDGER, reference, line.amount,
                                                     financial.get(reference), "101科目当日发生额与银行不符"))
    references = set(reference_of.values())
    for reference, amount in financial.items():
        if reference in references and reference not in seen:
            result.differences.append(Difference(Cause.FINANCIAL_WITHOUT_BANK, reference, None, abs(amount),
                                                 "101科目有发生额，银行对账单无对应"))
    return result


class Reconciliation:
    def __init__(self, instructions: DayInstructions, banks: Any, settlement: Any, ledger_day: Any, clock: Clock):
        """``settlement``: the SettlementService (to settle unknown ones); ``ledger_day(day)`` → (journal entries
        of the day, LedgerCheck of the day) from the core ledger."""
        self._instructions = instructions
        self._banks = banks
        self._settlement = settlement
        self._ledger_day = ledger_day
        self._clock = clock

    def run(self, org: str, day: date) -> ReconciliationReport:
        from hpf.ledger.accounting import BANK_DEPOSITS, Side

        try:
            account = self._banks.special_account(org)
        except KeyError:
            raise NotFound("该管理部未配置住房公积金专户，无可对账的银行账户", code="NO_SPECIAL_ACCOUNT") from None
        lines = self._statement(account.bank, account.account_no, day)
        expected = [_expected(i) for i in self._instructions.on_day(org, day)]
        expected += self._incoming_allocations(lines, expected, account.account_no)
        journal, check = self._ledger_day(day)
        financial: dict[str, Decimal] = {}
        for entry in journal:
            for ln in entry.lines:
                # 101 lines name their special account where more than one is involved (an allocation)
                if ln.subject == BANK_DEPOSITS and ln.sub_account in ("", account.account_no):
                    signed = ln.amount if ln.side is Side.DEBIT else -ln.amount
                    financial[entry.reference] = financial.get(entry.reference, ZERO) + signed
        closed = day < self._clock.now().astimezone(SHANGHAI).date()
        from hpf.settlement.reconcile_columnar import compare_columnar  # DuckDB: the analytics layer

        comparison = compare_columnar(lines, expected, financial, closed)
        for instruction_id, booked, evidence in comparison.to_settle:
            self._settlement.settle_from_statement(instruction_id, booked, evidence)
        report = ReconciliationReport(org, day, account.account_no, len(lines),
                                      sum((ln.amount for ln in lines if ln.dc == "D"), ZERO),
                                      sum((ln.amount for ln in lines if ln.dc == "C"), ZERO), comparison.matched,
                                      [i for i, _, _ in comparison.to_settle], comparison.differences)
        for account_no, (business, fin) in check.differences.items():
            report.differences.append(Difference(Cause.LEDGERS_DISAGREE, account_no, None, business,
                                                 f"业务帐{business} 财务帐{fin}"))
        return report

    def _incoming_allocations(self, lines: list[Line], expected: list[Expected], account_no: str) -> list[Expected]:
        """An allocation is the paying office's instruction; on the receiving account it is an incoming line."""
        known = {e.instruction_id for e in expected}
        incoming = []
        for line in lines:
            if line.ref.startswith("ALC-") and line.ref not in known:
                record = self._instructions.get(line.ref)
                if record is not None and record.instruction.counterparty.account_no == account_no:
                    e = _expected(record)
                    incoming.append(Expected(e.instruction_id, "collect", e.amount, e.state, e.reference))
        return incoming

    def _statement(self, bank: str, account_no: str, day: date) -> list[Line]:
        stamp, lines, begin = day.strftime("%Y%m%d"), [], 1
        while True:
            page = self._banks.call(bank, "BDC113", {"AcctNo": account_no, "BeginDate": stamp, "EndDate": stamp},
                                    paging=(begin, 100))
            if not page.ok:
                raise RuntimeError(f"statement of {account_no} refused: {page.head.get('RtnCode')}")
            records = page.lists.get("DETAIL_LIST", [])
            lines += [Line(r.get("RefSeqNo", ""), r["DcFlag"], Decimal(r["Amt"]), r["HostSeqNo"],
                           f"{r['DcFlag']} {r.get('OppAcctName', '')} {r.get('Summary', '')}") for r in records]
            begin += len(records)
            if not records or begin > int(page.head.get("TotalRec", "0")):
                return lines


def _expected(record: Instruction) -> Expected:
    unknown = record.status in (InstructionStatus.UNKNOWN, InstructionStatus.MANUAL_REVIEW, InstructionStatus.SENDING)
    state = "unknown" if unknown or record.succeeded is None else "booked" if record.succeeded else "failed"
    i = record.instruction
    # the ledger references a collected list by the remittance id; everything else (a withdrawal, an allocation,
    # a loan's disbursement or repayment) by the instruction's own id
    return Expected(i.instruction_id, i.direction, i.amount, state,
                    i.reference if i.business == REMITTANCE else i.instruction_id)
