"""The financial ledger (财务帐): balanced double entries on a chart of accounts, append-only.

Every business posting writes, in the same transaction, its business-ledger line (业务帐: the depositor's
account entry) and its journal entry here, derived from the same event — so the two ledgers agree at every
commit, and ``LedgerCheck`` can prove it. A correction is a new entry that reverses the original line by line
and names it (``reverses``); no entry is ever edited or deleted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path

from hpf.common.money import ZERO, to_money


class Side(str, Enum):
    DEBIT = "D"  # 借
    CREDIT = "C"  # 贷

    @property
    def opposite(self) -> Side:
        return Side.CREDIT if self is Side.DEBIT else Side.DEBIT


@dataclass(frozen=True)
class Subject:
    code: str
    name: str
    kind: str
    normal: Side


class Chart:
    def __init__(self, subjects: list[Subject]):
        self._subjects = {s.code: s for s in subjects}

    def __getitem__(self, code: str) -> Subject:
        return self._subjects[code]

    def __contains__(self, code: object) -> bool:
        return code in self._subjects

    def __iter__(self):
        return iter(self._subjects.values())


@lru_cache(maxsize=2)
def load_chart(path: str | None = None) -> Chart:
    import yaml  # here, not at module level: a cold query never needs the chart

    spec = yaml.safe_load(Path(path or Path(__file__).with_name("chart.yaml")).read_text(encoding="utf-8"))
    return Chart([Subject(s["code"], s["name"], s["kind"], Side.DEBIT if s["normal"] == "debit" else Side.CREDIT)
                  for s in spec["subjects"]])


# Subjects the posting rules below use. Named here once so a rule reads as its accounting sentence.
BANK_DEPOSITS = "101"  # 住房公积金存款
FUND = "201"  # 住房公积金 — what the center owes its depositors; its detail ledger is the personal accounts
# Money of a unit's remittance that has arrived but is not yet posted to the depositors (明细: the unit account).
# It nets to zero per remittance once every line is posted: a balance left here is a list stuck between the two.
DEPOSITS_IN_TRANSIT = "231"
INTEREST_EXPENSE = "501"  # 住房公积金利息支出
ENTRUSTED_LOANS = "121"  # 委托贷款 — the loans outstanding; its detail ledger is the loan accounts
LOAN_INTEREST_INCOME = "401"  # 委托贷款利息收入


class UnbalancedEntry(ValueError):
    pass


@dataclass(frozen=True)
class JournalLine:
    subject: str
    side: Side
    amount: Decimal
    sub_account: str = ""  # 明细: the personal or unit account the line concerns, if any


@dataclass(frozen=True)
class JournalEntry:
    entry_id: str  # derived from the business id, so an event can only ever be journalled once
    business_date: date
    business_type: str  # e.g. "remittance"
    reference: str  # the business id (remittance id…)
    lines: tuple[JournalLine, ...]
    description: str = ""
    reverses: str | None = None

    def __post_init__(self) -> None:
        if len(self.lines) < 2:
            raise UnbalancedEntry(f"{self.entry_id}: an entry has at least two lines")
        chart = load_chart()
        for line in self.lines:
            if line.subject not in chart:
                raise UnbalancedEntry(f"{self.entry_id}: unknown subject {line.subject}")
            if to_money(line.amount) <= ZERO:
                raise UnbalancedEntry(f"{self.entry_id}: line amounts are positive")
        if self.total(Side.DEBIT) != self.total(Side.CREDIT):
            raise UnbalancedEntry(f"{self.entry_id}: debits {self.total(Side.DEBIT)} ≠ credits "
                                  f"{self.total(Side.CREDIT)}")

    def total(self, side: Side) -> Decimal:
        return sum((line.amount for line in self.lines if line.side is side), ZERO)

    def reversal(self, entry_id: str, business_date: date, description: str = "") -> JournalEntry:
        """冲正: the same lines on the opposite sides, linked to this entry."""
        return JournalEntry(
            entry_id=entry_id, business_date=business_date, business_type=self.business_type,
            reference=self.reference, reverses=self.entry_id, description=description or f"冲正 {self.entry_id}",
            lines=tuple(JournalLine(ln.subject, ln.side.opposite, ln.amount, ln.sub_account) for ln in self.lines),
        )


def simple_entry(entry_id: str, business_date: date, business_type: str, reference: str, amount: Decimal,
                 description: str, *, debit: tuple[str, str], credit: tuple[str, str]) -> JournalEntry:
    """One amount from one subject to another: ``debit`` and ``credit`` are (subject, 明细 detail)."""
    return JournalEntry(
        entry_id=entry_id, business_date=business_date, business_type=business_type, reference=reference,
        description=description,
        lines=(JournalLine(debit[0], Side.DEBIT, amount, debit[1]), JournalLine(credit[0], Side.CREDIT, amount, credit[1])),
    )


def fund_credit_entry(entry_id: str, business_date: date, business_type: str, reference: str, account_no: str,
                      amount: Decimal, description: str, *, debit: str, debit_detail: str = "") -> JournalEntry:
    """Money credited to a depositor: Dr ``debit`` / Cr 住房公积金 (明细: the personal account)."""
    return simple_entry(entry_id, business_date, business_type, reference, amount, description,
                        debit=(debit, debit_detail), credit=(FUND, account_no))


def remittance_funds_entry(entry_id: str, business_date: date, reference: str, unit_account: str, amount: Decimal,
                           description: str) -> JournalEntry:
    """A remittance's money arrived: Dr 住房公积金存款 / Cr 其他应付款（待入账缴存款）(明细: the unit)."""
    return simple_entry(entry_id, business_date, "remittance_funds", reference, amount, description,
                        debit=(BANK_DEPOSITS, ""), credit=(DEPOSITS_IN_TRANSIT, unit_account))


def withdrawal_entry(entry_id: str, business_date: date, reference: str, account_no: str, amount: Decimal,
                     description: str) -> JournalEntry:
    """A paid withdrawal: Dr 住房公积金 (明细: the personal account) / Cr 住房公积金存款."""
    return simple_entry(entry_id, business_date, "withdrawal", reference, amount, description,
                        debit=(FUND, account_no), credit=(BANK_DEPOSITS, ""))


def deposit_entry(entry_id: str, business_date: date, reference: str, account_no: str, amount: Decimal,
                  description: str, unit_account: str = "") -> JournalEntry:
    """A line posted to a depositor: Dr 其他应付款（待入账缴存款）(明细: the unit) / Cr 住房公积金."""
    return fund_credit_entry(entry_id, business_date, "remittance", reference, account_no, amount, description,
                             debit=DEPOSITS_IN_TRANSIT, debit_detail=unit_account)


def interest_entry(entry_id: str, business_date: date, reference: str, account_no: str, amount: Decimal,
                   description: str) -> JournalEntry:
    """Interest: Dr 住房公积金利息支出 / Cr 住房公积金."""
    return fund_credit_entry(entry_id, business_date, "interest", reference, account_no, amount, description,
                             debit=INTEREST_EXPENSE)


@dataclass(frozen=True)
class TrialBalanceRow:
    subject: Subject
    debit: Decimal
    credit: Decimal

    @property
    def balance(self) -> Decimal:
        """Signed on the subject's normal side: positive is the usual position."""
        net = self.debit - self.credit
        return net if self.subject.normal is Side.DEBIT else -net


@dataclass(frozen=True)
class TrialBalance:
    """试算平衡 of the entries given (a day's, or a period's)."""

    rows: list[TrialBalanceRow]
    entries: int

    @property
    def total_debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), ZERO)

    @property
    def balanced(self) -> bool:
        return self.total_debit == self.total_credit

    @classmethod
    def of(cls, entries: list[JournalEntry]) -> TrialBalance:
        chart = load_chart()
        debit: dict[str, Decimal] = defaultdict(lambda: ZERO)
        credit: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for entry in entries:
            for line in entry.lines:
                (debit if line.side is Side.DEBIT else credit)[line.subject] += line.amount
        codes = sorted(set(debit) | set(credit))
        return cls([TrialBalanceRow(chart[c], debit[c], credit[c]) for c in codes], len(entries))


@dataclass(frozen=True)
class LedgerCheck:
    """账账相符 for one day: the business ledger's movement on the personal accounts equals the financial
    ledger's movement on subject 201, in total and account by account."""

    business_total: Decimal
    financial_total: Decimal
    differences: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # account → (business, financial)

    @property
    def agrees(self) -> bool:
        return self.business_total == self.financial_total and not self.differences


def check_day(account_movements: dict[str, Decimal], journal: list[JournalEntry]) -> LedgerCheck:
    financial: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in journal:
        for line in entry.lines:
            if line.subject == FUND:
                financial[line.sub_account] += line.amount if line.side is Side.CREDIT else -line.amount
    accounts = set(account_movements) | set(financial)
    differences = {a: (account_movements.get(a, ZERO), financial.get(a, ZERO)) for a in sorted(accounts)
                   if account_movements.get(a, ZERO) != financial.get(a, ZERO)}
    return LedgerCheck(sum(account_movements.values(), ZERO), sum(financial.values(), ZERO), differences)
