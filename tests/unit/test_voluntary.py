"""Voluntary depositors (自愿缴存者): register themselves or at the counter, pay both sides monthly."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import BusinessRuleViolation, Conflict, Forbidden
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role
from hpf.ledger.model import RemittanceKind, UnitKind
from hpf.ledger.policy import load_policy_book
from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
from hpf.local.demo import valid_credit_code, valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, LedgerStore, fund_and_post
from tests.unit.test_ledger_services import CLERK

ME = valid_resident_id("36060219880808123")
SELF = Principal("p1", "depositor", frozenset({Role.DEPOSITOR}), "赵敏", id_number=ME, channel=Channel.APP)


@pytest.fixture
def world():
    store = LedgerStore()
    clock = FixedClock(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI))
    return store, LedgerService(lambda: FakeLedgerUnitOfWork(store), clock, load_policy_book)


def test_a_person_registers_themselves_into_the_office_s_voluntary_unit(world):
    store, ledger = world
    mine = ledger.register_voluntary(OpenAccount("赵敏", ME, Decimal("4000.00")), SELF, org="360602")
    other = ledger.register_voluntary(OpenAccount("钱进", valid_resident_id("36060219880808456"),
                                                  Decimal("3000.00")), CLERK, org="360602")
    voluntary = [u for u in store.units.values() if u.kind is UnitKind.VOLUNTARY]
    assert len(voluntary) == 1 and voluntary[0].name == "月湖管理部自愿缴存户"
    assert mine.unit_account == other.unit_account == voluntary[0].unit_account
    with pytest.raises(Forbidden):
        ledger.register_voluntary(OpenAccount("冒名", valid_resident_id("36060219880808789"), Decimal("3000.00")),
                                  SELF)


def test_monthly_deposits_pay_both_sides_once_a_month(world):
    store, ledger = world
    mine = ledger.register_voluntary(OpenAccount("赵敏", ME, Decimal("4000.00")), SELF)
    deposit = ledger.record_voluntary_deposit(mine.account_no, "2026-11", SELF)
    assert deposit.kind is RemittanceKind.VOLUNTARY and deposit.total == Decimal("960.00")
    fund_and_post(ledger, deposit.remittance_id)
    assert store.accounts[mine.account_no].balance == Decimal("960.00")
    with pytest.raises(Conflict) as twice:
        ledger.record_voluntary_deposit(mine.account_no, "2026-11", SELF)
    assert twice.value.code == "MONTH_ALREADY_DEPOSITED"
    with pytest.raises(BusinessRuleViolation) as future:
        ledger.record_voluntary_deposit(mine.account_no, "2026-12", SELF)
    assert future.value.code == "MONTH_IN_FUTURE"


def test_voluntary_and_employer_accounts_stay_apart(world):
    store, ledger = world
    mine = ledger.register_voluntary(OpenAccount("赵敏", ME, Decimal("4000.00")), SELF)
    with pytest.raises(BusinessRuleViolation) as listing:
        ledger.record_remittance(mine.unit_account, "2026-11", CLERK)
    assert listing.value.code == "VOLUNTARY_UNIT"
    with pytest.raises(BusinessRuleViolation) as opening:
        ledger.open_account(mine.unit_account, OpenAccount("孙", valid_resident_id("36060219880808999"),
                                                           Decimal("3000.00")), CLERK)
    assert opening.value.code == "VOLUNTARY_UNIT"
    employer = ledger.register_unit(RegisterUnit("x", valid_credit_code("91360600MA35WL001"), Decimal("0.12"),
                                                 Decimal("0.12")), CLERK)
    worker = ledger.open_account(employer.unit_account, OpenAccount("孙", valid_resident_id("36060219880808999"),
                                                                    Decimal("3000.00")), CLERK)
    with pytest.raises(BusinessRuleViolation) as own:
        ledger.record_voluntary_deposit(worker.account_no, "2026-11", CLERK)
    assert own.value.code == "NOT_VOLUNTARY"
