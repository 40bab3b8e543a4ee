"""The ledger slice's rules, on hand-written fakes of its ports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound, ValidationFailed
from hpf.common.paging import PageRequest
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role
from hpf.ledger.model import AccountStatus, RemittanceStatus
from hpf.ledger.policy import load_policy_book
from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
from hpf.local.demo import valid_credit_code, valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, LedgerStore, fund_and_post

CLERK = Principal("clerk01", "staff", frozenset({Role.COUNTER_CLERK}), "王敏", org="360600", channel=Channel.COUNTER)
BRANCH_CLERK = Principal("clerk-gx", "staff", frozenset({Role.COUNTER_CLERK}), "刘洋", org="360681")
CODE = valid_credit_code("91360600MA35AB001")
PERSON = valid_resident_id("36060219900101123")


@pytest.fixture
def store() -> LedgerStore:
    return LedgerStore()


@pytest.fixture
def service(store: LedgerStore) -> LedgerService:
    clock = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI))
    return LedgerService(lambda: FakeLedgerUnitOfWork(store), clock, load_policy_book)


def register(service: LedgerService, code: str = CODE, org: str | None = None, actor: Principal = CLERK):
    return service.register_unit(RegisterUnit("鹰潭测试有限公司", code, Decimal("0.12"), Decimal("0.10"), org), actor)


def test_register_unit_numbers_it_and_publishes_an_event(service, store):
    unit = register(service)
    assert unit.unit_account == "360600000001"
    assert store.units[unit.unit_account].credit_code == CODE
    assert [e.event_type for e in store.events] == ["ledger.UnitRegistered"]


def test_a_credit_code_opens_one_unit_only_and_the_second_attempt_writes_nothing(service, store):
    register(service)
    with pytest.raises(Conflict) as error:
        register(service)
    assert error.value.code == "UNIT_ALREADY_REGISTERED"
    assert len(store.units) == 1 and len(store.events) == 1


@pytest.mark.parametrize("code", ["91360600MA35AB0010", "123", "91360600MA35AB001X"])
def test_invalid_credit_codes_are_rejected(service, store, code):
    with pytest.raises(ValidationFailed) as error:
        register(service, code)
    assert error.value.code == "INVALID_CREDIT_CODE"
    assert not store.units


def test_ratios_outside_policy_are_refused(service, store):
    with pytest.raises(BusinessRuleViolation) as error:
        service.register_unit(RegisterUnit("x", CODE, Decimal("0.13"), Decimal("0.10")), CLERK)
    assert error.value.code == "RATIO_OUT_OF_POLICY" and "5%至12%" in error.value.message
    assert not store.units


def test_branch_staff_cannot_register_a_unit_for_another_office(service, store):
    with pytest.raises(Forbidden):
        register(service, org="360602", actor=BRANCH_CLERK)
    assert not store.units


def open_account(service, unit_account, person=PERSON, base="5000.00"):
    return service.open_account(unit_account, OpenAccount("李华", person, Decimal(base)), CLERK)


def test_one_active_account_per_person(service, store):
    unit = register(service)
    open_account(service, unit.unit_account)
    other = register(service, valid_credit_code("91360600MA35AB002"))
    with pytest.raises(Conflict) as error:
        open_account(service, other.unit_account)
    assert error.value.code == "PERSON_ALREADY_HAS_ACCOUNT"
    assert len(store.accounts) == 1


def test_base_outside_policy_and_unknown_unit_are_refused(service, store):
    unit = register(service)
    with pytest.raises(BusinessRuleViolation) as error:
        open_account(service, unit.unit_account, base="1000.00")
    assert error.value.code == "BASE_OUT_OF_POLICY"
    with pytest.raises(NotFound) as missing:
        open_account(service, "360600999999")
    assert missing.value.code == "UNIT_NOT_FOUND"
    assert not store.accounts


def test_remittance_lines_are_base_times_ratio_rounded_half_up_to_the_fen(service, store):
    unit = register(service)
    account = open_account(service, unit.unit_account, base="5123.45")
    remittance = service.record_remittance(unit.unit_account, "2026-11", CLERK)
    line = remittance.lines[0]
    assert line.account_no == account.account_no
    assert line.unit_amount == Decimal("614.81")  # 5123.45 × 12% = 614.814
    assert line.personal_amount == Decimal("512.35")  # 5123.45 × 10% = 512.345 → half up
    assert remittance.total == Decimal("1127.16")


def test_posting_credits_each_account_once_however_often_it_runs(service, store):
    unit = register(service)
    a = open_account(service, unit.unit_account, base="5000.00")
    b = open_account(service, unit.unit_account, person=valid_resident_id("36060219851212345"), base="4000.00")
    recorded = service.record_remittance(unit.unit_account, "2026-11", CLERK)
    for _ in range(3):
        posted = fund_and_post(service, recorded.remittance_id)
    assert posted.status is RemittanceStatus.POSTED
    assert store.accounts[a.account_no].balance == Decimal("1100.00")
    assert store.accounts[b.account_no].balance == Decimal("880.00")
    assert [len(store.entries[n]) for n in (a.account_no, b.account_no)] == [1, 1]
    assert [e.event_type for e in store.events].count("ledger.RemittancePosted") == 1


def test_posting_a_half_posted_remittance_finishes_only_the_rest(service, store):
    unit = register(service)
    a = open_account(service, unit.unit_account)
    b = open_account(service, unit.unit_account, person=valid_resident_id("36060219851212345"))
    recorded = service.record_remittance(unit.unit_account, "2026-11", CLERK)
    service._post_line(recorded, recorded.lines[0])  # a crash after the first account
    fund_and_post(service, recorded.remittance_id)
    assert store.accounts[a.account_no].balance == store.accounts[b.account_no].balance == Decimal("1100.00")


def test_one_remittance_per_unit_and_month(service, store):
    unit = register(service)
    open_account(service, unit.unit_account)
    service.record_remittance(unit.unit_account, "2026-11", CLERK)
    with pytest.raises(Conflict) as error:
        service.record_remittance(unit.unit_account, "2026-11", CLERK)
    assert error.value.code == "REMITTANCE_ALREADY_RECORDED"


@pytest.mark.parametrize("month, code", [("2026-12", "MONTH_IN_FUTURE"), ("2026-13", "INVALID_MONTH"),
                                         ("2026-10", "MONTH_BEFORE_OPENING")])
def test_remittance_months_are_checked(service, store, month, code):
    unit = register(service)
    open_account(service, unit.unit_account)
    with pytest.raises((BusinessRuleViolation, ValidationFailed)) as error:
        service.record_remittance(unit.unit_account, month, CLERK)
    assert error.value.code == code
    assert not store.remittances


def test_a_unit_without_depositors_has_no_remittance_list(service, store):
    unit = register(service)
    with pytest.raises(BusinessRuleViolation) as error:
        service.record_remittance(unit.unit_account, "2026-11", CLERK)
    assert error.value.code == "NO_ACTIVE_DEPOSITORS"


def test_sealed_accounts_are_left_out_of_the_remittance_list(service, store):
    unit = register(service)
    kept = open_account(service, unit.unit_account)
    sealed = open_account(service, unit.unit_account, person=valid_resident_id("36060219851212345"))
    store.accounts[sealed.account_no].status = AccountStatus.SEALED
    remittance = service.record_remittance(unit.unit_account, "2026-11", CLERK)
    assert [line.account_no for line in remittance.lines] == [kept.account_no]


def test_depositors_see_only_their_own_account_and_statement(service, store):
    unit = register(service)
    mine = open_account(service, unit.unit_account)
    theirs = open_account(service, unit.unit_account, person=valid_resident_id("36060219851212345"))
    me = Principal("u1", "depositor", frozenset({Role.DEPOSITOR}), id_number=PERSON)
    assert service.get_account(mine.account_no, me).account_no == mine.account_no
    with pytest.raises(Forbidden):
        service.get_account(theirs.account_no, me)
    with pytest.raises(Forbidden):
        service.statement(theirs.account_no, None, None, PageRequest(), me)


def test_unit_agents_see_their_unit_but_not_statements(service, store):
    unit = register(service)
    account = open_account(service, unit.unit_account)
    agent = Principal("a1", "unit_agent", frozenset({Role.UNIT_AGENT}), unit_account=unit.unit_account)
    stranger = Principal("a2", "unit_agent", frozenset({Role.UNIT_AGENT}), unit_account="360600000099")
    assert service.get_unit(unit.unit_account, agent).unit_account == unit.unit_account
    assert service.get_account(account.account_no, agent).balance == Decimal("0.00")
    with pytest.raises(Forbidden):
        service.statement(account.account_no, None, None, PageRequest(), agent)
    with pytest.raises(Forbidden):
        service.get_unit(unit.unit_account, stranger)


def test_branch_staff_are_scoped_to_their_office(service, store):
    unit = register(service)  # managed by the center itself
    with pytest.raises(Forbidden) as error:
        service.get_unit(unit.unit_account, BRANCH_CLERK)
    assert error.value.code == "FORBIDDEN_SCOPE"


def test_statement_pages_and_date_ranges(service, store):
    unit = register(service)
    account = open_account(service, unit.unit_account)
    remittance = service.record_remittance(unit.unit_account, "2026-11", CLERK)
    fund_and_post(service, remittance.remittance_id)
    page = service.statement(account.account_no, date(2026, 11, 1), date(2026, 11, 30), PageRequest(size=1), CLERK)
    assert [e.amount for e in page.items] == [Decimal("1100.00")]
    assert page.items[0].balance_after == Decimal("1100.00")
    empty = service.statement(account.account_no, date(2026, 12, 1), None, PageRequest(), CLERK)
    assert empty.items == []
    with pytest.raises(ValidationFailed):
        service.statement(account.account_no, date(2026, 12, 1), date(2026, 11, 1), PageRequest(), CLERK)
