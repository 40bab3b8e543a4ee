"""Corrections on fakes: reversal (冲正) of a deposit line, merging two accounts of one person (合并销户), and
closing by transfer-out to another city's center (外部转出销户) — each through both ledgers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hpf.common.errors import BusinessRuleViolation, Conflict, NotFound
from hpf.ledger.accounting import TrialBalance
from hpf.ledger.corrections import LedgerCorrections
from hpf.ledger.model import AccountStatus, EntryKind, deposited_months
from hpf.ledger.services import OpenAccount
from hpf.ledger.withdrawal import PayeeAccount
from hpf.local.demo import valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, books_of
from tests.unit.test_ledger_services import CLERK
from tests.unit.test_withdrawals import FINANCE, World


def corrections(world: World) -> LedgerCorrections:
    return LedgerCorrections(lambda: FakeLedgerUnitOfWork(world.store), world.clock, world.interest)


def agrees(world: World) -> bool:
    days = {e.business_date for es in world.store.entries.values() for e in es}
    return all(books_of(world.store).ledger_check(day, FINANCE).agrees for day in days) and TrialBalance.of(
        list(world.store.journal.values())).balanced


def test_a_deposit_line_is_reversed_once_through_both_ledgers():
    world = World(months=3)
    no = world.account.account_no
    original = next(e for e in world.store.entries[no] if e.month == "2026-03")
    reversal = corrections(world).reverse_deposit(no, original.entry_id, "错缴：应为另一职工", FINANCE)
    assert (reversal.amount, reversal.reference, reversal.kind) == (-original.amount, original.entry_id,
                                                                     EntryKind.REMITTANCE)
    assert world.acct.balance == Decimal("2000.00") + sum(
        (e.amount for e in world.store.entries[no] if e.kind is EntryKind.INTEREST), Decimal(0))
    journal = world.store.journal[f"REV-{original.entry_id}#{no}"]
    assert journal.reverses == f"{original.entry_id}#{no}"
    assert "2026-03" not in deposited_months(world.store.entries[no])  # the month is open for the right deposit
    assert agrees(world)
    with pytest.raises(Conflict) as error:
        corrections(world).reverse_deposit(no, original.entry_id, "再次冲正", FINANCE)
    assert error.value.code == "ENTRY_ALREADY_REVERSED"


def test_what_cannot_be_reversed():
    world = World(months=2)
    no = world.account.account_no
    with pytest.raises(NotFound):
        corrections(world).reverse_deposit(no, "RMT-360600000001-209901", "不存在", FINANCE)
    world.interest.settle_account(no, date(2026, 6, 30))
    interest = [e for e in world.store.entries[no] if e.kind is EntryKind.INTEREST]
    assert interest
    with pytest.raises(BusinessRuleViolation) as error:
        corrections(world).reverse_deposit(no, interest[0].entry_id, "利息", FINANCE)
    assert error.value.code == "ENTRY_NOT_REVERSIBLE"
    # money already reserved for a withdrawal is not there to give back
    world.request("retirement", None, closing=True)
    first = next(e for e in world.store.entries[no] if e.kind is EntryKind.REMITTANCE)
    before = len(world.store.entries[no])
    with pytest.raises(BusinessRuleViolation) as error:
        corrections(world).reverse_deposit(no, first.entry_id, "错缴", FINANCE)
    assert error.value.code == "REVERSAL_OVER_AVAILABLE" and len(world.store.entries[no]) == before


def test_merging_moves_balance_and_interest_and_closes_the_source():
    world = World(months=6)  # Jan–Jun deposits; the yearly settlement of 30 June is not yet run in November
    world.interest.settle_account(world.account.account_no, date(2026, 6, 30))
    keeper = world.ledger.open_account(world.unit.unit_account, OpenAccount(
        "陈静", valid_resident_id("36060219850101999"), Decimal("5000.00")), CLERK)  # same person, ID entered right
    source_balance = world.acct.balance
    source, target = corrections(world).merge_accounts(world.account.account_no, keeper.account_no,
                                                       "原账户证件号码登记错误", CLERK)
    interest = next(e.amount for e in world.store.entries[source.account_no] if e.entry_id.startswith("INT-MRG"))
    assert interest > 0
    assert source.status is AccountStatus.CLOSED_MERGED and source.balance == 0
    assert target.balance == source_balance + interest
    assert world.store.history[f"ACCOUNT#{source.account_no}"][-1].business_type == "06"
    assert agrees(world)
    with pytest.raises(BusinessRuleViolation):
        corrections(world).merge_accounts(source.account_no, keeper.account_no, "再次合并", CLERK)


def test_merging_needs_the_same_name_and_no_pending_payout():
    world = World(months=2)
    other = world.ledger.open_account(world.unit.unit_account, OpenAccount(
        "王强", valid_resident_id("36060219900101555"), Decimal("5000.00")), CLERK)
    with pytest.raises(BusinessRuleViolation) as error:
        corrections(world).merge_accounts(world.account.account_no, other.account_no, "误操作", CLERK)
    assert error.value.code == "NOT_SAME_PERSON"
    same = world.ledger.open_account(world.unit.unit_account, OpenAccount(
        "陈静", valid_resident_id("36060219850101999"), Decimal("5000.00")), CLERK)
    world.request("purchase_commercial", "100.00", evidence=_purchase())
    with pytest.raises(BusinessRuleViolation) as error:
        corrections(world).merge_accounts(world.account.account_no, same.account_no, "证件号码错误", CLERK)
    assert error.value.code == "WITHDRAWAL_PENDING"


def test_transfer_out_closes_the_account_as_04_paid_to_the_receiving_center():
    world = World(months=4)
    center = PayeeAccount("3600123456789012345", "南昌住房公积金管理中心", "中国建设银行南昌分行")
    w = world.request("transfer_out", None, closing=True, payee=center)
    event = [e for e in world.store.events if e.event_type == "ledger.WithdrawalRequested"][-1]
    assert w.transfer_out and event.payload["instruction"]["business"] == "07"
    world.withdrawals.record_payment(w.withdrawal_id, True, bank_serial="CCB-TRF-1")
    assert world.acct.status is AccountStatus.CLOSED_TRANSFERRED and world.acct.balance == 0
    assert world.store.entries[world.account.account_no][-1].kind is EntryKind.TRANSFER_OUT
    assert world.store.history[f"ACCOUNT#{world.account.account_no}"][-1].business_type == "07"
    assert agrees(world)


def _purchase():
    from hpf.ledger.withdrawal_rules import Evidence

    return Evidence("HOUSE-MERGE", Decimal("100000.00"), date(2026, 11, 1))
