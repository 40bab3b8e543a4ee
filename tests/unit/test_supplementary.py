"""Supplementary deposits (补缴): past months, named depositors, never a month twice."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import BusinessRuleViolation, Conflict, ValidationFailed
from hpf.ledger.model import EntryKind, RemittanceKind
from hpf.ledger.policy import load_policy_book
from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
from hpf.local.demo import valid_credit_code, valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, LedgerStore, books_of, fund_and_post
from tests.unit.test_ledger_services import CLERK


def _world(at: datetime, credit_body: str):
    """A unit with two depositors on base 5,000.00, as of ``at``; returns (store, clock, ledger, unit, accounts)."""
    store = LedgerStore()
    clock = FixedClock(at)
    ledger = LedgerService(lambda: FakeLedgerUnitOfWork(store), clock, load_policy_book)
    unit = ledger.register_unit(RegisterUnit("x", valid_credit_code(credit_body), Decimal("0.12"),
                                             Decimal("0.08")), CLERK)
    accounts = [ledger.open_account(unit.unit_account, OpenAccount("某", valid_resident_id(f"36060219900101{i:03d}"),
                                                                   Decimal("5000.00")), CLERK) for i in range(2)]
    return store, clock, ledger, unit, accounts


@pytest.fixture
def world():
    store, _, ledger, unit, accounts = _world(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), "91360600MA35BJ001")
    return store, ledger, unit, accounts


def test_a_supplementary_deposit_posts_as_its_own_kind(world):
    store, ledger, unit, accounts = world
    sup = ledger.record_supplementary(unit.unit_account, "2026-09", [accounts[0].account_no], CLERK, "漏缴补缴")
    assert sup.kind is RemittanceKind.SUPPLEMENTARY and sup.remittance_id.startswith(f"SUP-{unit.unit_account}-202609-")
    fund_and_post(ledger, sup.remittance_id)
    entry = store.entries[accounts[0].account_no][0]
    assert (entry.kind, entry.month, entry.amount, entry.description) == (
        EntryKind.SUPPLEMENTARY, "2026-09", Decimal("1000.00"), "2026-09补缴")
    assert books_of(store).ledger_check(entry.business_date, CLERK).agrees


def test_the_same_request_twice_is_refused_as_a_duplicate(world):
    _, ledger, unit, accounts = world
    ledger.record_supplementary(unit.unit_account, "2026-09", [accounts[0].account_no], CLERK, "漏缴补缴")
    with pytest.raises(Conflict) as twin:
        ledger.record_supplementary(unit.unit_account, "2026-09", [accounts[0].account_no], CLERK, "漏缴补缴")
    assert twin.value.code == "MONTH_ALREADY_DEPOSITED"


def test_a_month_is_never_deposited_twice_for_a_depositor(world):
    _, ledger, unit, accounts = world
    ledger.record_supplementary(unit.unit_account, "2026-09", [accounts[0].account_no], CLERK, "漏缴补缴")
    with pytest.raises(Conflict) as again:
        ledger.record_supplementary(unit.unit_account, "2026-09", [a.account_no for a in accounts], CLERK, "再补")
    assert again.value.code == "MONTH_ALREADY_DEPOSITED" and accounts[0].account_no in again.value.message


def test_the_regular_remittance_leaves_out_who_was_supplemented():
    _, clock, ledger, unit, (first, second) = _world(datetime(2026, 8, 10, 10, tzinfo=SHANGHAI), "91360600MA35BJ002")
    clock.advance(days=70)  # 19 October: September is a past month
    with pytest.raises(BusinessRuleViolation) as current:
        ledger.record_supplementary(unit.unit_account, "2026-10", [first.account_no], CLERK, "当月")
    assert current.value.code == "MONTH_NOT_PAST"
    ledger.record_supplementary(unit.unit_account, "2026-09", [first.account_no], CLERK, "入职漏缴")
    regular = ledger.record_remittance(unit.unit_account, "2026-09", CLERK)
    assert [line.account_no for line in regular.lines] == [second.account_no]


def test_bad_lists_are_refused(world):
    from hpf.common.errors import NotFound

    store, ledger, unit, accounts = world
    for bad in ([], [accounts[0].account_no] * 2):
        with pytest.raises(ValidationFailed) as error:
            ledger.record_supplementary(unit.unit_account, "2026-09", bad, CLERK, "x")
        assert error.value.code == "INVALID_ACCOUNT_LIST"
    with pytest.raises(NotFound):
        ledger.record_supplementary(unit.unit_account, "2026-09", ["360600999999999"], CLERK, "x")
    other = ledger.register_unit(RegisterUnit("y", valid_credit_code("91360600MA35BJ003"), Decimal("0.12"),
                                              Decimal("0.08")), CLERK)
    with pytest.raises(BusinessRuleViolation) as foreign:
        ledger.record_supplementary(other.unit_account, "2026-09", [accounts[0].account_no], CLERK, "x")
    assert foreign.value.code == "ACCOUNT_NOT_IN_UNIT"
    assert not store.remittances
