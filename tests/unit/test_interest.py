"""Interest by the balance-days product: worked examples, the carried-over/current split, rate changes,
and settlement through both ledgers, once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import BusinessRuleViolation, ValidationFailed
from hpf.ledger.accounting import FUND, INTEREST_EXPENSE
from hpf.ledger.interest import InterestError, Movement, RateBook, Rates, accrue, load_rate_book
from hpf.ledger.interest_service import InterestService
from hpf.ledger.model import EntryKind
from hpf.ledger.policy import load_policy_book
from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
from hpf.local.demo import valid_credit_code, valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, LedgerStore, books_of, fund_and_post
from tests.unit.test_ledger_services import CLERK

YEAR_START, YEAR_END = date(2025, 6, 30), date(2026, 6, 30)
RATES = load_rate_book()


def test_a_whole_year_on_a_carried_balance():
    # 10,000.00 × 365 days × 1.5 % / 360 = 152.0833… → 152.08
    result = accrue(Decimal("10000.00"), [], YEAR_START, YEAR_END, RATES)
    assert result.carried_product == Decimal("3650000.00") and result.interest == Decimal("152.08")


def test_a_deposit_accrues_from_its_value_date():
    # 1,200.00 deposited 31 Dec 2025 accrues 181 days: 1200 × 181 × 0.015 / 360 = 9.05
    result = accrue(Decimal("0"), [Movement(date(2025, 12, 31), Decimal("1200.00"))], YEAR_START, YEAR_END, RATES)
    assert (result.current_product, result.interest) == (Decimal("217200.00"), Decimal("9.05"))
    assert (result.closing_carried, result.closing_current) == (Decimal("0.00"), Decimal("1200.00"))


def test_a_withdrawal_takes_this_year_s_deposits_first():
    result = accrue(Decimal("5000.00"), [Movement(date(2025, 9, 1), Decimal("1000.00")),
                                         Movement(date(2026, 1, 1), Decimal("-1500.00"))], YEAR_START, YEAR_END,
                    RATES)
    assert (result.closing_carried, result.closing_current) == (Decimal("4500.00"), Decimal("0.00"))
    with pytest.raises(InterestError):
        accrue(Decimal("100.00"), [Movement(date(2026, 1, 1), Decimal("-100.01"))], YEAR_START, YEAR_END, RATES)


def test_two_rates_and_a_change_of_rate_mid_year():
    book = RateBook([Rates(date(2015, 1, 1), Decimal("0.0110"), Decimal("0.0035")),
                     Rates(date(2016, 2, 21), Decimal("0.0150"), Decimal("0.0150"))])
    result = accrue(Decimal("1000.00"), [Movement(date(2015, 12, 31), Decimal("360.00"))],
                    date(2015, 6, 30), date(2016, 6, 30), book)
    # carried 1000: 236 days at 1.10 % + 130 days at 1.5 %; current 360: 52 days at 0.35 % + 130 at 1.5 %
    expected = (Decimal(1000) * (236 * Decimal("0.0110") + 130 * Decimal("0.0150"))
                + Decimal(360) * (52 * Decimal("0.0035") + 130 * Decimal("0.0150"))) / 360
    assert result.interest == expected.quantize(Decimal("0.01"))
    with pytest.raises(InterestError, match="无适用的存款利率"):
        accrue(Decimal("1.00"), [], date(2014, 6, 30), date(2015, 6, 30), book)


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2)
days = st.dates(min_value=date(2025, 7, 1), max_value=date(2026, 6, 30))


@settings(max_examples=60)
@given(amounts, st.lists(st.tuples(days, amounts), max_size=8))
def test_deposits_only_products_are_amount_times_days_and_balances_add_up(opening, deposits):
    result = accrue(opening, [Movement(d, a) for d, a in deposits], YEAR_START, YEAR_END, RATES)
    assert result.carried_product == opening * 365
    assert result.current_product == sum((a * (YEAR_END - d).days for d, a in deposits), Decimal(0))
    assert result.closing_balance == opening + sum((a for _, a in deposits), Decimal(0))
    assert result.interest >= 0


def _world(today: date):
    store = LedgerStore()
    clock = FixedClock(datetime(today.year, today.month, today.day, 10, tzinfo=SHANGHAI))
    uow = lambda: FakeLedgerUnitOfWork(store)  # noqa: E731
    return store, clock, LedgerService(uow, clock, load_policy_book), InterestService(uow, clock, load_rate_book)


def test_settlement_credits_once_in_both_ledgers_and_rolls_the_year_over():
    store, clock, ledger, interest = _world(date(2025, 12, 31))
    unit = ledger.register_unit(RegisterUnit("x", valid_credit_code("91360600MA35JX001"), Decimal("0.12"),
                                             Decimal("0.12")), CLERK)
    account = ledger.open_account(unit.unit_account, OpenAccount("李华", valid_resident_id("36060219900101123"),
                                                                 Decimal("5000.00")), CLERK)
    remittance = ledger.record_remittance(unit.unit_account, "2025-12", CLERK)
    fund_and_post(ledger, remittance.remittance_id)  # 1,200.00 on 31 Dec 2025
    with pytest.raises(BusinessRuleViolation):
        interest.settle_account(account.account_no, date(2026, 6, 30))  # not due yet
    clock.advance(days=190)  # 9 July 2026
    with pytest.raises(ValidationFailed):
        interest.settle_account(account.account_no, date(2026, 6, 29))
    assert interest.settle_account(account.account_no, date(2026, 6, 30)) == Decimal("9.05")
    assert interest.settle_account(account.account_no, date(2026, 6, 30)) is None  # once
    stored = store.accounts[account.account_no]
    assert stored.balance == Decimal("1209.05") and stored.current_year == 0 and stored.carried_over == stored.balance
    entries = store.entries[account.account_no]
    assert [(e.kind, e.amount) for e in entries] == [(EntryKind.REMITTANCE, Decimal("1200.00")),
                                                    (EntryKind.INTEREST, Decimal("9.05"))]
    tb = books_of(store).trial_balance(date(2026, 6, 30), CLERK)
    rows = {r.subject.code: r for r in tb.rows}
    assert tb.balanced and rows[INTEREST_EXPENSE].debit == rows[FUND].credit == Decimal("9.05")
    assert books_of(store).ledger_check(date(2026, 6, 30), CLERK).agrees

    # The next year starts from the balance with its interest, all of it carried over.
    clock.advance(days=365)
    nxt = interest.accrued(account.account_no, date(2027, 6, 30), CLERK)
    assert nxt.start == date(2026, 6, 30) and nxt.result.carried_product == Decimal("1209.05") * 365


def test_an_account_opened_mid_year_accrues_from_its_first_deposit():
    store, clock, ledger, interest = _world(date(2026, 3, 10))
    unit = ledger.register_unit(RegisterUnit("x", valid_credit_code("91360600MA35JX002"), Decimal("0.12"),
                                             Decimal("0.12")), CLERK)
    account = ledger.open_account(unit.unit_account, OpenAccount("李华", valid_resident_id("36060219900101123"),
                                                                 Decimal("5000.00")), CLERK)
    fund_and_post(ledger, ledger.record_remittance(unit.unit_account, "2026-03", CLERK).remittance_id)
    accrual = interest.accrued(account.account_no, date(2026, 6, 30), CLERK)
    assert accrual.start == date(2026, 3, 10)
    assert accrual.result.interest == (Decimal(1200) * 112 * Decimal("0.015") / 360).quantize(Decimal("0.01"))


@settings(max_examples=200)
@given(amounts, st.lists(st.tuples(days, st.decimals(min_value=Decimal("-0.50"), max_value=Decimal("5000"),
                                                      places=2)), max_size=10))
def test_the_engine_matches_an_exact_fraction_oracle(opening, movements):
    """Σ balance × days × rate / 360, rounded half-up once — computed here with exact fractions."""
    from fractions import Fraction

    moves = sorted((Movement(d, a) for d, a in movements if a != 0), key=lambda m: m.value_date)
    running, floor_ok = opening, True
    for m in moves:
        running += m.amount
        floor_ok &= running >= 0
    if not floor_ok:
        return  # a withdrawal beyond the balance is refused; covered elsewhere
    rate = Fraction(15, 1000)
    exact = Fraction(opening) * (YEAR_END - YEAR_START).days * rate
    for m in moves:
        exact += Fraction(m.amount) * (YEAR_END - m.value_date).days * rate
    fen = exact / 360 * 100
    expected = Decimal(int(fen + Fraction(1, 2))) / 100  # half-up (the amounts here are never negative)
    assert accrue(opening, moves, YEAR_START, YEAR_END, RATES).interest == expected


def test_a_half_fen_is_not_lost_to_per_segment_division():
    """An account of the synthetic set on which dividing each segment by 360 separately gave 251.16: the
    exact value is 251.165 and rounds half-up to 251.17 (found by scripts/bench/interest)."""
    deposits = ["2025-07-09", "2025-08-08", "2025-09-20", "2025-10-19", "2025-11-12", "2025-12-07",
                "2026-01-24", "2026-02-18", "2026-03-22", "2026-04-06", "2026-05-08", "2026-06-06"]
    moves = [Movement(date.fromisoformat(d), Decimal("305.60")) for d in deposits]
    assert accrue(Decimal("14668.80"), moves, YEAR_START, YEAR_END, RATES).interest == Decimal("251.17")
