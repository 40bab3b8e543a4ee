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
from typing import Any, Protocol

from hpf.common.clock import SHANGHAI, Clock
from hpf.common.money import ZERO
from hpf.settlement.model import Instruction, InstructionStatus


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
        account = self._banks.special_account(org)
        lines = self._statement(account.bank, account.account_no, day)
        report = ReconciliationReport(org, day, account.account_no, len(lines),
                                      sum((l["amount"] for l in lines if l["dc"] == "D"), ZERO),
                                      sum((l["amount"] for l in lines if l["dc"] == "C"), ZERO))
        closed = day < self._clock.now().astimezone(SHANGHAI).date()
        by_ref = {l["ref"]: l for l in lines if l["ref"]}
        instructions = {i.instruction_id: i for i in self._instructions.on_day(org, day)}
        for instruction_id, record in instructions.items():
            line = by_ref.get(instruction_id)
            self._match(report, record, line, closed)
        for ref, line in by_ref.items():
            if ref not in instructions:
                report.differences.append(Difference(Cause.LINE_WITHOUT_BUSINESS, ref, line["amount"], None,
                                                     f"{line['dc']} {line['opp_name']} {line['summary']}"))
        for line in lines:
            if not line["ref"]:
                report.differences.append(Difference(Cause.LINE_WITHOUT_BUSINESS, line["host_seq"], line["amount"],
                                                     None, f"{line['dc']} {line['opp_name']} {line['summary']}"))
        self._financial(report, lines, instructions)
        return report

    # -- steps -------------------------------------------------------------------------------------------------
    def _statement(self, bank: str, account_no: str, day: date) -> list[dict[str, Any]]:
        stamp, lines, begin = day.strftime("%Y%m%d"), [], 1
        while True:
            page = self._banks.call(bank, "BDC113", {"AcctNo": account_no, "BeginDate": stamp, "EndDate": stamp},
                                    paging=(begin, 100))
            if not page.ok:
                raise RuntimeError(f"statement of {account_no} refused: {page.head.get('RtnCode')}")
            records = page.lists.get("DETAIL_LIST", [])
            lines += [{"ref": r.get("RefSeqNo", ""), "dc": r["DcFlag"], "amount": Decimal(r["Amt"]),
                       "host_seq": r["HostSeqNo"], "opp_name": r.get("OppAcctName", ""),
                       "summary": r.get("Summary", "")} for r in records]
            begin += len(records)
            if not records or begin > int(page.head.get("TotalRec", "0")):
                return lines

    def _match(self, report: ReconciliationReport, record: Instruction, line: dict[str, Any] | None,
               closed: bool) -> None:
        ours, expected_dc = record.amount, "D" if record.instruction.direction == "pay" else "C"
        unknown = record.status in (InstructionStatus.UNKNOWN, InstructionStatus.MANUAL_REVIEW,
                                    InstructionStatus.SENDING)
        if unknown:
            if line is not None:
                self._settlement.settle_from_statement(record.instruction_id, True, f"对账单{line['host_seq']}")
                report.settled_from_statement.append(record.instruction_id)
            elif closed:
                self._settlement.settle_from_statement(record.instruction_id, False, "当日对账单无此笔")
                report.settled_from_statement.append(record.instruction_id)
            else:
                report.differences.append(Difference(Cause.STILL_UNKNOWN, record.instruction_id, None, ours,
                                                     "结果不明，尚未出现在对账单"))
            return
        booked = record.succeeded is True
        if booked and line is None:
            report.differences.append(Difference(Cause.BUSINESS_WITHOUT_LINE, record.instruction_id, None, ours,
                                                 "结算记为成功，银行对账单无此笔"))
        elif not booked and line is not None:
            report.differences.append(Difference(Cause.LINE_WITHOUT_BUSINESS, record.instruction_id,
                                                 line["amount"], None, "结算记为失败，银行却已记账"))
        elif line is not None:
            if line["amount"] != ours:
                report.differences.append(Difference(Cause.AMOUNT_DIFFERS, record.instruction_id, line["amount"],
                                                     ours, "金额不符"))
            elif line["dc"] != expected_dc:
                report.differences.append(Difference(Cause.DIRECTION_DIFFERS, record.instruction_id,
                                                     line["amount"], ours, f"借贷方向应为{expected_dc}"))
            else:
                report.matched += 1

    def _financial(self, report: ReconciliationReport, lines: list[dict[str, Any]],
                   instructions: dict[str, Instruction]) -> None:
        """Subject 101 of the day against the bank lines, reference by reference; then 业务帐 against 财务帐."""
        from hpf.ledger.accounting import BANK_DEPOSITS, Side

        journal, check = self._ledger_day(report.day)
        financial: dict[str, Decimal] = {}
        for entry in journal:
            for l in entry.lines:
                if l.subject == BANK_DEPOSITS:
                    signed = l.amount if l.side is Side.DEBIT else -l.amount
                    financial[entry.reference] = financial.get(entry.reference, ZERO) + signed
        # the ledger references a withdrawal by its id, a collected list by the remittance id
        reference_of = {i.instruction_id: i.instruction.reference if i.instruction.direction == "collect"
                        else i.instruction_id for i in instructions.values()}
        seen: set[str] = set()
        for line in lines:
            if not line["ref"] or line["ref"] not in reference_of or line["ref"] in report.settled_from_statement:
                continue  # settled just now from this very statement: the workflow posts it next
            reference = reference_of[line["ref"]]
            seen.add(reference)
            signed = line["amount"] if line["dc"] == "C" else -line["amount"]
            if financial.get(reference, ZERO) != signed:
                report.differences.append(Difference(Cause.NOT_IN_FINANCIAL_LEDGER, reference, line["amount"],
                                                     financial.get(reference), "101科目当日发生额与银行不符"))
        for reference, amount in financial.items():
            from_settlement = reference in reference_of.values()
            if from_settlement and reference not in seen:
                report.differences.append(Difference(Cause.FINANCIAL_WITHOUT_BANK, reference, None, abs(amount),
                                                     "101科目有发生额，银行对账单无对应"))
        if not check.agrees:
            for account_no, (business, fin) in check.differences.items():
                report.differences.append(Difference(Cause.LEDGERS_DISAGREE, account_no, None, business,
                                                     f"业务帐{business} 财务帐{fin}"))
