"""Remittance money on fakes: a list posts only once its money has arrived — by the unit's transfer or by bank
collection (托收) — with the arrival in the financial ledger; and the receipt (汇补缴回单) as data."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import BusinessRuleViolation, Conflict, ValidationFailed
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role
from hpf.ledger.accounting import TrialBalance
from hpf.ledger.funding import RemittanceFunding
from hpf.ledger.maintenance import LedgerMaintenance
from hpf.ledger.model import (
    REMITTANCE_LIFECYCLE,
    CollectionAgreement,
    RemittanceEvent,
    RemittanceStatus,
)
from hpf.ledger.policy import load_policy_book
from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
from hpf.local.demo import valid_credit_code, valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, LedgerStore
from tests.unit.test_ledger_services import CLERK

FINANCE = Principal("fin01", "staff", frozenset({Role.FINANCE}), "赵会计", org="360600", channel=Channel.COUNTER)
AGREEMENT = CollectionAgreement("36001234500052512345", "鹰潭托收测试有限公司", "中国建设银行鹰潭分行", "TS-2026-0001",
                                date(2026, 11, 1))


class World:
    def __init__(self, collection: bool = False):
        self.store = LedgerStore()
        self.clock = FixedClock(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI))
        uow = lambda: FakeLedgerUnitOfWork(self.store)  # noqa: E731
        self.ledger = LedgerService(uow, self.clock, load_policy_book)
        self.funding = RemittanceFunding(uow, self.clock)
        self.maintenance = LedgerMaintenance(uow, self.clock, load_policy_book)
        self.unit = self.ledger.register_unit(RegisterUnit("鹰潭托收测试有限公司", valid_credit_code("91360600MA35TC001"),
                                                           Decimal("0.12"), Decimal("0.12")), CLERK)
        self.account = self.ledger.open_account(self.unit.unit_account, OpenAccount(
            "周敏", valid_resident_id("36060219800101123"), Decimal("5000.00")), CLERK)
        if collection:
            self.maintenance.set_collection_agreement(self.unit.unit_account, AGREEMENT, CLERK, reason="签约")

    def record(self):
        return self.ledger.record_remittance(self.unit.unit_account, "2026-11", CLERK)

    def status(self, remittance_id: str) -> RemittanceStatus:
        return self.store.remittances[remittance_id].status

    def events(self, event_type: str):
        return [e for e in self.store.events if e.event_type == event_type]


def test_the_remittance_lifecycle_is_money_first():
    expected = {
        (RemittanceStatus.RECORDED, RemittanceEvent.COLLECT): RemittanceStatus.COLLECTING,
        (RemittanceStatus.RECORDED, RemittanceEvent.FUND): RemittanceStatus.FUNDED,
        (RemittanceStatus.COLLECTING, RemittanceEvent.FUND): RemittanceStatus.FUNDED,
        (RemittanceStatus.COLLECTING, RemittanceEvent.COLLECTION_FAILED): RemittanceStatus.RECORDED,
        (RemittanceStatus.FUNDED, RemittanceEvent.POST): RemittanceStatus.POSTED,
    }
    for state, event in itertools.product(RemittanceStatus, RemittanceEvent):
        assert REMITTANCE_LIFECYCLE.transitions.get((state, event)) == expected.get((state, event))


def test_a_list_posts_only_after_its_money_arrives_with_the_exact_total():
    world = World()
    remittance = world.record()
    assert remittance.status is RemittanceStatus.RECORDED and remittance.total == Decimal("1200.00")
    with pytest.raises(BusinessRuleViolation) as error:
        world.ledger.post_remittance(remittance.remittance_id)
    assert error.value.code == "REMITTANCE_NOT_FUNDED" and world.store.accounts[world.account.account_no].balance == 0
    with pytest.raises(BusinessRuleViolation) as error:
        world.funding.confirm_funds(remittance.remittance_id, Decimal("1199.99"), "CCB0001", actor=FINANCE)
    assert error.value.code == "FUNDS_AMOUNT_MISMATCH" and world.status(remittance.remittance_id) is RemittanceStatus.RECORDED
    with pytest.raises(ValidationFailed):
        world.funding.confirm_funds(remittance.remittance_id, Decimal("1200.00"), " ", actor=FINANCE)

    funded = world.funding.confirm_funds(remittance.remittance_id, Decimal("1200.00"), "CCB0001", actor=FINANCE)
    assert funded.status is RemittanceStatus.FUNDED and funded.funding == "transfer"
    assert [e.payload["bank_serial"] for e in world.events("ledger.RemittanceFunded")] == ["CCB0001"]
    arrival = world.store.journal[f"FUND-{remittance.remittance_id}"]
    assert {(ln.subject, ln.side.value, ln.amount) for ln in arrival.lines} == {("101", "D", Decimal("1200.00")),
                                                                         ("231", "C", Decimal("1200.00"))}
    # the same notice again changes nothing; a second, different arrival is the unit's money to refund
    world.funding.confirm_funds(remittance.remittance_id, Decimal("1200.00"), "CCB0001")
    with pytest.raises(Conflict) as error:
        world.funding.confirm_funds(remittance.remittance_id, Decimal("1200.00"), "CCB0002")
    assert error.value.code == "REMITTANCE_ALREADY_FUNDED"

    world.ledger.post_remittance(remittance.remittance_id)
    assert world.store.accounts[world.account.account_no].balance == Decimal("1200.00")
    rows = {r.subject.code: r for r in TrialBalance.of(list(world.store.journal.values())).rows}
    assert rows["231"].balance == 0 and rows["101"].balance == rows["201"].balance == Decimal("1200.00")


def test_collection_failure_retry_and_success():
    world = World(collection=True)
    assert world.store.units[world.unit.unit_account].collection == AGREEMENT
    remittance = world.record()
    assert remittance.status is RemittanceStatus.COLLECTING
    instruction = world.events("ledger.CollectionRequested")[0].payload["instruction"]
    assert (instruction["business"], instruction["amount"], instruction["counterparty"]["account_no"]) == (
        "01", "1200.00", AGREEMENT.bank_account)

    failed = world.funding.record_collection(remittance.remittance_id, False, reason="账户余额不足")
    assert failed.status is RemittanceStatus.RECORDED and failed.collection_failure == "账户余额不足"
    world.funding.record_collection(remittance.remittance_id, False, reason="账户余额不足")  # reported twice
    assert len(world.events("ledger.CollectionFailed")) == 1

    again = world.funding.collect_again(remittance.remittance_id, CLERK)
    assert again.status is RemittanceStatus.COLLECTING and len(world.events("ledger.CollectionRequested")) == 2
    world.funding.record_collection(remittance.remittance_id, True, bank_serial="CCB-TS-01")
    assert world.status(remittance.remittance_id) is RemittanceStatus.FUNDED
    assert world.store.remittances[remittance.remittance_id].funding == "collection"


def test_collection_needs_an_agreement_and_an_active_unit():
    world = World()
    remittance = world.record()
    with pytest.raises(BusinessRuleViolation) as error:
        world.funding.collect_again(remittance.remittance_id, CLERK)
    assert error.value.code == "NO_COLLECTION_AGREEMENT"
    with pytest.raises(ValidationFailed) as error:
        world.maintenance.set_collection_agreement(
            world.unit.unit_account, CollectionAgreement("12AB", "x", "工行", "TS-1", date(2026, 11, 1)), CLERK)
    assert error.value.code == "INVALID_BANK_ACCOUNT"
    history = world.store.history.get(f"UNIT#{world.unit.unit_account}", [])
    assert not any(r.action == "collection" for r in history)


def test_the_receipt_of_a_posted_list():
    world = World()
    remittance = world.record()
    with pytest.raises(BusinessRuleViolation) as error:
        world.funding.receipt(remittance.remittance_id, CLERK)
    assert error.value.code == "REMITTANCE_NOT_POSTED"
    world.funding.confirm_funds(remittance.remittance_id, Decimal("1200.00"), "CCB0009", actor=FINANCE)
    world.ledger.post_remittance(remittance.remittance_id)
    receipt = world.funding.receipt(remittance.remittance_id, CLERK)
    assert (receipt.unit_amount, receipt.personal_amount) == (Decimal("600.00"), Decimal("600.00"))
    assert receipt.total_uppercase == "壹仟贰佰元整" and receipt.receipt_no == f"HJHD-{remittance.remittance_id}"
