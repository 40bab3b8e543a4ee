"""Unit and account maintenance on fakes: every change versioned, recorded and published; the rules hold."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import BusinessRuleViolation, Forbidden, ValidationFailed
from hpf.identity.principal import Principal
from hpf.identity.roles import Role
from hpf.ledger.maintenance import LedgerMaintenance
from hpf.ledger.model import AccountEvent, AccountStatus, UnitEvent, UnitStatus
from hpf.ledger.policy import load_policy_book
from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
from hpf.local.demo import valid_credit_code, valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, LedgerStore
from tests.unit.test_ledger_services import BRANCH_CLERK, CLERK


@pytest.fixture
def world():
    store = LedgerStore()
    clock = FixedClock(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI))
    uow = lambda: FakeLedgerUnitOfWork(store)  # noqa: E731
    ledger = LedgerService(uow, clock, load_policy_book)
    upkeep = LedgerMaintenance(uow, clock, load_policy_book)
    units = [ledger.register_unit(RegisterUnit(f"单位{i}", valid_credit_code(f"91360600MA35MT00{i}"),
                                               Decimal("0.12"), Decimal("0.12")), CLERK) for i in range(2)]
    account = ledger.open_account(units[0].unit_account,
                                  OpenAccount("李华", valid_resident_id("36060219900101123"), Decimal("5000.00")), CLERK)
    return store, ledger, upkeep, units, account


def test_changes_are_versioned_recorded_and_published(world):
    store, _, upkeep, units, account = world
    upkeep.change_unit(units[0].unit_account, CLERK, name="新名称有限公司", reason="更名")
    upkeep.adjust_base(account.account_no, Decimal("5200.00"), CLERK, reason="年度基数调整")
    history = upkeep.account_history(account.account_no, CLERK)
    assert [(r.action, r.business_type, r.detail) for r in history] == [
        ("base", "10", {"deposit_base": "5000.00→5200.00"})]
    assert store.accounts[account.account_no].deposit_base == Decimal("5200.00")
    assert store.units[units[0].unit_account].name == "新名称有限公司"
    assert [e.event_type for e in store.events][-2:] == ["ledger.UnitChanged", "ledger.AccountChanged"]


def test_an_unchanged_value_makes_no_record(world):
    store, _, upkeep, units, _ = world
    events = len(store.events)
    upkeep.change_unit(units[0].unit_account, CLERK, name="单位0")
    assert len(store.events) == events and upkeep.unit_history(units[0].unit_account, CLERK) == []
    with pytest.raises(ValidationFailed):
        upkeep.change_unit(units[0].unit_account, CLERK)


def test_ratios_and_bases_stay_within_policy_and_shape_the_next_remittance(world):
    store, ledger, upkeep, units, account = world
    with pytest.raises(BusinessRuleViolation):
        upkeep.set_unit_ratios(units[0].unit_account, Decimal("0.04"), Decimal("0.12"), CLERK)
    with pytest.raises(BusinessRuleViolation):
        upkeep.adjust_base(account.account_no, Decimal("30000.00"), CLERK)
    upkeep.set_unit_ratios(units[0].unit_account, Decimal("0.10"), Decimal("0.08"), CLERK)
    upkeep.adjust_base(account.account_no, Decimal("6000.00"), CLERK)
    line = ledger.record_remittance(units[0].unit_account, "2026-11", CLERK).lines[0]
    assert (line.unit_amount, line.personal_amount) == (Decimal("600.00"), Decimal("480.00"))


def test_account_seal_freeze_and_their_reversals(world):
    store, _, upkeep, _, account = world
    for event, status in [(AccountEvent.SEAL, AccountStatus.SEALED), (AccountEvent.UNSEAL, AccountStatus.NORMAL),
                          (AccountEvent.FREEZE, AccountStatus.FROZEN), (AccountEvent.UNFREEZE, AccountStatus.NORMAL)]:
        assert upkeep.account_status_event(account.account_no, event, CLERK, reason="测试").status is status
    codes = [r.business_type for r in upkeep.account_history(account.account_no, CLERK)]
    assert codes == ["05", "04", "14", "15"]
    with pytest.raises(BusinessRuleViolation) as error:
        upkeep.account_status_event(account.account_no, AccountEvent.CLOSE_WITHDRAW, CLERK, reason="x")
    assert error.value.code == "ACCOUNT_EVENT_NOT_REQUESTABLE"
    with pytest.raises(BusinessRuleViolation) as twice:
        upkeep.account_status_event(account.account_no, AccountEvent.UNFREEZE, CLERK, reason="x")
    assert twice.value.code == "ACCOUNT_STATUS_TRANSITION_NOT_ALLOWED"


def test_a_unit_seals_and_closes_only_when_its_accounts_allow(world):
    store, _, upkeep, units, account = world
    unit = units[0].unit_account
    with pytest.raises(BusinessRuleViolation) as active:
        upkeep.unit_status_event(unit, UnitEvent.SEAL, CLERK, reason="停业")
    assert active.value.code == "UNIT_HAS_ACTIVE_ACCOUNTS"
    upkeep.account_status_event(account.account_no, AccountEvent.SEAL, CLERK, reason="离职")
    assert upkeep.unit_status_event(unit, UnitEvent.SEAL, CLERK, reason="停业").status is UnitStatus.SEALED
    with pytest.raises(BusinessRuleViolation) as unseal:
        upkeep.account_status_event(account.account_no, AccountEvent.UNSEAL, CLERK, reason="复工")
    assert unseal.value.code == "UNIT_NOT_ACTIVE"
    with pytest.raises(BusinessRuleViolation) as open_accounts:
        upkeep.unit_status_event(unit, UnitEvent.CLOSE, CLERK, reason="注销")
    assert open_accounts.value.code == "UNIT_HAS_OPEN_ACCOUNTS"


def test_deferral_and_its_end(world):
    _, _, upkeep, units, _ = world
    unit = units[0].unit_account
    assert upkeep.unit_status_event(unit, UnitEvent.DEFER, CLERK, reason="经营困难").status is UnitStatus.DEFERRED
    assert upkeep.unit_status_event(unit, UnitEvent.END_DEFERRAL, CLERK, reason="到期").status is UnitStatus.NORMAL
    assert [r.business_type for r in upkeep.unit_history(unit, CLERK)] == ["13", "99"]


def test_moving_an_account_to_another_unit(world):
    store, ledger, upkeep, units, account = world
    upkeep.account_status_event(account.account_no, AccountEvent.SEAL, CLERK, reason="离职")
    moved = upkeep.move_account(account.account_no, units[1].unit_account, CLERK, reason="入职新单位")
    assert (moved.unit_account, moved.status) == (units[1].unit_account, AccountStatus.NORMAL)
    assert ledger.record_remittance(units[1].unit_account, "2026-11", CLERK).lines[0].account_no == account.account_no
    with pytest.raises(BusinessRuleViolation) as same:
        upkeep.move_account(account.account_no, units[1].unit_account, CLERK)
    assert same.value.code == "SAME_UNIT"
    upkeep.account_status_event(account.account_no, AccountEvent.FREEZE, CLERK, reason="法院冻结")
    with pytest.raises(BusinessRuleViolation) as frozen:
        upkeep.move_account(account.account_no, units[0].unit_account, CLERK)
    assert frozen.value.code == "ACCOUNT_NOT_MOVABLE"


def test_scope_and_who_may_see_history(world):
    _, _, upkeep, units, account = world
    with pytest.raises(Forbidden):
        upkeep.account_status_event(account.account_no, AccountEvent.SEAL, BRANCH_CLERK, reason="x")
    agent = Principal("a", "unit_agent", frozenset({Role.UNIT_AGENT}), unit_account=units[0].unit_account)
    assert upkeep.adjust_base(account.account_no, Decimal("5100.00"), agent).deposit_base == Decimal("5100.00")
    with pytest.raises(Forbidden):
        upkeep.account_history(account.account_no, agent)  # a depositor's history is theirs and the staff's
    me = Principal("p", "depositor", frozenset({Role.DEPOSITOR}), id_number=valid_resident_id("36060219900101123"))
    assert len(upkeep.account_history(account.account_no, me)) == 1
