"""The financial ledger: balanced entries, reversals, trial balance, and agreement with the business ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import Forbidden
from hpf.ledger.accounting import (
    FUND,
    JournalEntry,
    JournalLine,
    Side,
    TrialBalance,
    UnbalancedEntry,
    check_day,
    deposit_entry,
)
from hpf.ledger.model import AccountEntry, EntryKind
from hpf.ledger.policy import load_policy_book
from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
from hpf.local.demo import valid_credit_code, valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, LedgerStore, books_of, fund_and_post
from tests.unit.test_ledger_services import BRANCH_CLERK, CLERK

DAY = date(2026, 11, 20)


def test_entries_must_balance_and_name_known_subjects():
    with pytest.raises(UnbalancedEntry, match="debits"):
        JournalEntry("e1", DAY, "t", "r", (JournalLine("101", Side.DEBIT, Decimal("10.00")),
                                           JournalLine("201", Side.CREDIT, Decimal("9.99"))))
    with pytest.raises(UnbalancedEntry, match="unknown subject"):
        JournalEntry("e2", DAY, "t", "r", (JournalLine("999", Side.DEBIT, Decimal("1.00")),
                                           JournalLine("201", Side.CREDIT, Decimal("1.00"))))
    with pytest.raises(UnbalancedEntry, match="positive"):
        JournalEntry("e3", DAY, "t", "r", (JournalLine("101", Side.DEBIT, Decimal("0.00")),
                                           JournalLine("201", Side.CREDIT, Decimal("0.00"))))
    with pytest.raises(UnbalancedEntry, match="two lines"):
        JournalEntry("e4", DAY, "t", "r", (JournalLine("101", Side.DEBIT, Decimal("1.00")),))


def test_a_reversal_cancels_its_entry_line_by_line():
    original = deposit_entry("RMT-1#A", DAY, "RMT-1", "A", Decimal("120.50"), "汇缴")
    reversal = original.reversal("RMT-1#A#R", date(2026, 11, 21))
    assert reversal.reverses == "RMT-1#A" and original.reverses is None
    assert [(ln.subject, ln.side) for ln in reversal.lines] == [("231", Side.CREDIT), ("201", Side.DEBIT)]
    both = TrialBalance.of([original, reversal])
    assert both.balanced and all(row.balance == 0 for row in both.rows)


def test_the_ledger_check_names_every_difference():
    journal = [deposit_entry("x#A", DAY, "x", "A", Decimal("100.00"), ""),
               deposit_entry("x#B", DAY, "x", "B", Decimal("50.00"), "")]
    assert check_day({"A": Decimal("100.00"), "B": Decimal("50.00")}, journal).agrees
    off = check_day({"A": Decimal("100.00"), "B": Decimal("49.99"), "C": Decimal("1.00")}, journal)
    assert not off.agrees
    assert off.differences == {"B": (Decimal("49.99"), Decimal("50.00")), "C": (Decimal("1.00"), Decimal("0.00"))}


def _service(store: LedgerStore) -> LedgerService:
    return LedgerService(lambda: FakeLedgerUnitOfWork(store),
                         FixedClock(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)), load_policy_book)


def test_a_posted_remittance_is_in_both_ledgers_and_they_agree():
    store = LedgerStore()
    service = _service(store)
    unit = service.register_unit(RegisterUnit("x", valid_credit_code("91360600MA35GL001"), Decimal("0.12"),
                                              Decimal("0.12")), CLERK)
    for i, base in enumerate(("5000.00", "6800.00")):
        service.open_account(unit.unit_account, OpenAccount("李华", valid_resident_id(f"3606021990010100{i}"),
                                                            Decimal(base)), CLERK)
    remittance = service.record_remittance(unit.unit_account, "2026-11", CLERK)
    fund_and_post(service, remittance.remittance_id)
    tb = books_of(store).trial_balance(DAY, CLERK)
    assert tb.balanced and tb.entries == 3  # the money's arrival, then one entry per depositor
    rows = {r.subject.code: r for r in tb.rows}
    assert rows[FUND].credit == rows[FUND].balance == remittance.total == Decimal("2832.00")
    assert rows["101"].balance == remittance.total  # in the bank
    assert rows["231"].balance == Decimal("0.00")  # in transit no more: every line posted
    assert books_of(store).ledger_check(DAY, CLERK).agrees
    with pytest.raises(Forbidden):
        books_of(store).trial_balance(DAY, BRANCH_CLERK)  # the ledgers are the center's


def test_the_check_catches_a_business_entry_without_its_journal_entry():
    store = LedgerStore()
    store.entries["360600000000009"] = [AccountEntry("360600000000009", "manual", DAY, EntryKind.REMITTANCE,
                                                     Decimal("10.00"), Decimal("10.00"), "manual")]
    check = books_of(store).ledger_check(DAY, CLERK)
    assert not check.agrees and "360600000000009" in check.differences


bases = st.decimals(min_value=Decimal("1850.00"), max_value=Decimal("25000.00"), places=2)


@settings(max_examples=40, deadline=None)
@given(st.lists(bases, min_size=1, max_size=6), st.integers(min_value=1, max_value=3))
def test_money_is_conserved_whatever_the_bases_and_however_often_posting_runs(base_list, runs):
    store = LedgerStore()
    service = _service(store)
    unit = service.register_unit(RegisterUnit("x", valid_credit_code("91360600MA35GL002"), Decimal("0.12"),
                                              Decimal("0.07")), CLERK)
    for i, base in enumerate(base_list):
        service.open_account(unit.unit_account, OpenAccount("某", valid_resident_id(f"36060219900101{i:03d}"), base),
                             CLERK)
    remittance = service.record_remittance(unit.unit_account, "2026-11", CLERK)
    for _ in range(runs):
        fund_and_post(service, remittance.remittance_id)
    balances = sum(a.balance for a in store.accounts.values())
    tb = books_of(store).trial_balance(DAY, CLERK)
    assert balances == remittance.total  # opening 0 + deposits = balance
    assert all(a.balance >= 0 for a in store.accounts.values())
    assert all(e.total(Side.DEBIT) == e.total(Side.CREDIT) for e in store.journal.values())
    assert tb.balanced and next(r for r in tb.rows if r.subject.code == FUND).balance == balances
    assert books_of(store).ledger_check(DAY, CLERK).agrees


@settings(max_examples=25, deadline=None)
@given(st.lists(bases, min_size=1, max_size=4), st.sets(st.integers(min_value=0, max_value=9), min_size=1),
       st.sets(st.integers(min_value=0, max_value=9), max_size=3))
def test_deposits_supplements_and_interest_are_conserved_in_both_ledgers(base_list, paid_months, missed):
    """Opening 0 + deposits + interest = balance, for every account and in subject 201; every day balances
    and agrees; whichever months are paid regularly and which supplemented later."""
    from hpf.ledger.interest import load_rate_book
    from hpf.ledger.interest_service import InterestService

    store = LedgerStore()
    clock = FixedClock(datetime(2025, 7, 1, 10, tzinfo=SHANGHAI))
    uow = lambda: FakeLedgerUnitOfWork(store)  # noqa: E731
    service = LedgerService(uow, clock, load_policy_book)
    interest = InterestService(uow, clock, load_rate_book)
    unit = service.register_unit(RegisterUnit("x", valid_credit_code("91360600MA35GL003"), Decimal("0.12"),
                                              Decimal("0.12")), CLERK)
    accounts = [service.open_account(unit.unit_account, OpenAccount("某", valid_resident_id(f"36060219900101{i:03d}"),
                                                                    base), CLERK) for i, base in enumerate(base_list)]
    months = [f"{2025 + (6 + m) // 12}-{(6 + m) % 12 + 1:02d}" for m in range(10)]  # 2025-07 … 2026-04
    days_used = set()
    for index, month in enumerate(months):
        if index in paid_months:
            fund_and_post(service, service.record_remittance(unit.unit_account, month, CLERK).remittance_id)
            days_used.add(clock.now().date())
        clock.advance(days=31)
    for index in sorted(missed - paid_months):
        fund_and_post(service, service.record_supplementary(
            unit.unit_account, months[index], [a.account_no for a in accounts], CLERK, "补缴").remittance_id)
        days_used.add(clock.now().date())
    clock.advance(days=120)  # past 30 June 2026
    for a in accounts:
        interest.settle_account(a.account_no, date(2026, 6, 30))
    days_used.add(date(2026, 6, 30))

    entries = [e for es in store.entries.values() for e in es]
    balances = sum(a.balance for a in store.accounts.values())
    assert balances == sum(e.amount for e in entries)
    assert all(a.balance == sum(e.amount for e in store.entries.get(a.account_no, [])) for a in store.accounts.values())
    assert all(a.balance >= 0 for a in store.accounts.values())
    fund = Decimal(0)
    for day in days_used:
        tb = books_of(store).trial_balance(day, CLERK)
        assert tb.balanced and books_of(store).ledger_check(day, CLERK).agrees
        fund += sum((r.balance for r in tb.rows if r.subject.code == FUND), Decimal(0))
    assert fund == balances
    # No depositor has a month deposited twice, regular or supplementary.
    assert len({(e.account_no, e.month) for e in entries if e.month}) == len([e for e in entries if e.month])
