"""Withdrawals (提取) on hand-written fakes: every configured reason, the rules that refuse, reservation and
payout through both ledgers, closing with interest, idempotency, and the concurrent race."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound, ValidationFailed
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role
from hpf.ledger.accounting import BANK_DEPOSITS, FUND, Side, TrialBalance
from hpf.ledger.interest import load_rate_book
from hpf.ledger.interest_service import InterestService
from hpf.ledger.model import AccountStatus, EntryKind
from hpf.ledger.policy import load_policy_book
from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
from hpf.ledger.withdrawal import Material, PayeeAccount, WithdrawalStatus
from hpf.ledger.withdrawal_rules import Evidence, Mode, load_withdrawal_rules
from hpf.ledger.withdrawal_service import RequestWithdrawal, WithdrawalService
from hpf.local.demo import valid_credit_code, valid_resident_id
from tests.fakes.ledger import FakeLedgerUnitOfWork, LedgerStore, books_of, fund_and_post
from tests.unit.test_ledger_services import CLERK

RULES = load_withdrawal_rules()
HOLDER_ID = valid_resident_id("36060219850101123")
CARD = "6222021234567890128"
FINANCE = Principal("fin01", "staff", frozenset({Role.FINANCE}), "赵会计", org="360600", channel=Channel.COUNTER)


class World:
    """A depositor with ten months of deposits (Jan–Oct 2026, 1,000.00 a month), on 20 Nov 2026."""

    def __init__(self, start: datetime = datetime(2026, 1, 10, 9, tzinfo=SHANGHAI), months: int = 10):
        self.store = LedgerStore()
        self.clock = FixedClock(start)
        uow = lambda: FakeLedgerUnitOfWork(self.store)  # noqa: E731
        self.ledger = LedgerService(uow, self.clock, load_policy_book)
        self.interest = InterestService(uow, self.clock, load_rate_book)
        self.withdrawals = WithdrawalService(uow, self.clock, load_withdrawal_rules, self.interest)
        self.unit = self.ledger.register_unit(RegisterUnit("鹰潭提取测试公司", valid_credit_code("91360600MA35WD001"),
                                                           Decimal("0.10"), Decimal("0.10")), CLERK)
        self.account = self.ledger.open_account(self.unit.unit_account,
                                                OpenAccount("陈静", HOLDER_ID, Decimal("5000.00")), CLERK)
        for m in range(1, months + 1):
            self.move_to(date(2026, m, 10))
            remittance = self.ledger.record_remittance(self.unit.unit_account, f"2026-{m:02d}", CLERK)
            fund_and_post(self.ledger, remittance.remittance_id)
        self.move_to(date(2026, 11, 20))

    def move_to(self, day: date) -> None:
        target = datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
        self.clock.advance(seconds=(target - self.clock.now()).total_seconds())

    @property
    def acct(self):
        return self.store.accounts[self.account.account_no]

    def request(self, rule: str, amount: str | None = "1000.00", *, closing: bool = False, request_id: str = "REQ-0001",
                evidence: Evidence | None = None, materials: list[str] | None = None, actor: Principal = CLERK,
                payee: PayeeAccount | None = None):
        spec = RULES.rule(rule, date(2026, 11, 20))
        return self.withdrawals.request(self.account.account_no, RequestWithdrawal(
            request_id=request_id, rule=rule, closing=closing, amount=Decimal(amount) if amount else None,
            payee=payee or PayeeAccount(CARD, "陈静", "ICBC"),
            materials=[Material(m, f"ARC-{m}") for m in (spec.materials if materials is None else materials)],
            evidence=evidence), actor)


def purchase(amount: str = "300000.00", days_ago: int = 30, reference: str = "赣(2026)鹰潭市不动产权第0001号"):
    return Evidence(reference, Decimal(amount), date(2026, 11, 20) - timedelta(days=days_ago))


@pytest.fixture
def world() -> World:
    return World()


def test_the_rule_book_covers_every_reason_the_requirement_names():
    rules = RULES.on(date(2026, 11, 20)).rules
    names = "".join(r.name for r in rules.values())
    for reason in ["购买商品房", "二手房", "建造", "大修", "离、退休", "丧失劳动能力", "出境定居", "公积金住房贷款",
                   "商业住房贷款", "结清", "普通自住住房", "公共租赁", "大病", "死亡", "加装电梯", "房租超出",
                   "终止劳动关系"]:
        assert reason in names, reason
    assert {rules[k].mode for k in ("retirement", "death", "emigration", "termination")} == {Mode.CLOSING}
    assert {r.code for r in rules.values()} >= {"01", "02", "03", "04", "05", "06", "07", "08", "09"}


def test_materials_an_e_licence_stands_for_name_licence_types_the_archive_fetches():
    from hpf.archive.licences import LICENCE_TYPES

    assert RULES.licences and set(RULES.licences.values()) <= set(LICENCE_TYPES)
    assert RULES.licences["id_card"] == "ID_CARD" and "purchase_invoice" not in RULES.licences


def test_a_partial_withdrawal_reserves_then_posts_both_ledgers_on_payment(world):
    w = world.request("purchase_commercial", "3000.00", evidence=purchase())
    assert w.status is WithdrawalStatus.PENDING and w.amount == Decimal("3000.00")
    assert (world.acct.balance, world.acct.reserved, world.acct.available) == (
        Decimal("10000.00"), Decimal("3000.00"), Decimal("7000.00"))
    instruction = [e for e in world.store.events if e.event_type == "ledger.WithdrawalRequested"][-1].payload
    assert instruction["instruction"]["business"] == "02" and instruction["instruction"]["amount"] == "3000.00"

    paid = world.withdrawals.record_payment(w.withdrawal_id, True, bank_serial="ICBC0001")
    assert paid.status is WithdrawalStatus.PAID
    assert (world.acct.balance, world.acct.reserved) == (Decimal("7000.00"), Decimal("0.00"))
    entry = world.store.entries[world.account.account_no][-1]
    assert (entry.kind, entry.amount, entry.balance_after) == (EntryKind.WITHDRAWAL, Decimal("-3000.00"),
                                                               Decimal("7000.00"))
    journal = world.store.journal[f"{w.withdrawal_id}#{world.account.account_no}"]
    assert {(ln.subject, ln.side) for ln in journal.lines} == {(FUND, Side.DEBIT), (BANK_DEPOSITS, Side.CREDIT)}
    check = books_of(world.store).ledger_check(date(2026, 11, 20), FINANCE)
    assert check.agrees and check.business_total == Decimal("-3000.00")


def test_the_same_answer_twice_is_a_no_op_and_a_contradicting_one_is_refused(world):
    w = world.request("purchase_commercial", "3000.00", evidence=purchase())
    world.withdrawals.record_payment(w.withdrawal_id, True, bank_serial="S1")
    world.withdrawals.record_payment(w.withdrawal_id, True, bank_serial="S1")
    assert world.acct.balance == Decimal("7000.00")
    with pytest.raises(BusinessRuleViolation) as error:
        world.withdrawals.record_payment(w.withdrawal_id, False, reason="户名不符")
    assert error.value.code == "WITHDRAWAL_STATUS_TRANSITION_NOT_ALLOWED"
    assert world.acct.balance == Decimal("7000.00")


def test_a_failed_payment_releases_the_reservation_and_moves_no_money(world):
    w = world.request("purchase_commercial", "3000.00", evidence=purchase())
    failed = world.withdrawals.record_payment(w.withdrawal_id, False, reason="账户已销户")
    assert failed.status is WithdrawalStatus.FAILED and failed.failure_reason == "账户已销户"
    assert (world.acct.balance, world.acct.reserved) == (Decimal("10000.00"), Decimal("0.00"))
    assert all(e.kind is not EntryKind.WITHDRAWAL for e in world.store.entries[world.account.account_no])
    # a failed withdrawal does not use up its reference: the depositor tries again with a corrected card
    again = world.request("purchase_commercial", "3000.00", evidence=purchase(), request_id="REQ-0002")
    assert again.status is WithdrawalStatus.PENDING


def test_a_retried_request_returns_the_first_and_reserves_once(world):
    first = world.request("purchase_commercial", "3000.00", evidence=purchase())
    again = world.request("purchase_commercial", "3000.00", evidence=purchase())
    assert again.withdrawal_id == first.withdrawal_id and world.acct.reserved == Decimal("3000.00")
    with pytest.raises(Conflict) as error:
        world.request("purchase_commercial", "2000.00", evidence=purchase())
    assert error.value.code == "WITHDRAWAL_REQUEST_REUSED"


@pytest.mark.parametrize("rule, amount, closing, kwargs, code", [
    ("purchase_commercial", "1000.00", False, {"materials": ["id_card"]}, "MATERIALS_MISSING"),
    ("purchase_commercial", "1000.00", False, {}, "EVIDENCE_REQUIRED"),
    ("purchase_commercial", "1000.00", False, {"evidence": purchase(days_ago=800)}, "EVIDENCE_TOO_OLD"),
    ("purchase_commercial", "10000.01", False, {"evidence": purchase()}, "WITHDRAWAL_OVER_AVAILABLE"),
    ("purchase_commercial", "5000.00", False, {"evidence": purchase(amount="4000.00")}, "WITHDRAWAL_OVER_EVIDENCE"),
    ("purchase_commercial", "1000.00", True, {"evidence": purchase()}, "WITHDRAWAL_MODE_NOT_ALLOWED"),
    ("retirement", "1000.00", False, {}, "WITHDRAWAL_MODE_NOT_ALLOWED"),
    ("termination", None, True, {}, "NOT_SEALED_LONG_ENOUGH"),
    ("rent_private", "15000.00", False, {"evidence": purchase("20000.00")}, "WITHDRAWAL_OVER_CAP"),
    ("death", None, True, {}, "HEIR_REQUIRED"),
    ("purchase_commercial", "1000.00", False,
     {"evidence": purchase(), "payee": PayeeAccount(CARD, "别人", "ICBC")}, "PAYEE_NOT_HOLDER"),
])
def test_a_request_against_the_rules_is_refused_and_changes_nothing(world, rule, amount, closing, kwargs, code):
    before = (world.acct.balance, world.acct.reserved, world.acct.version, len(world.store.events))
    with pytest.raises(BusinessRuleViolation) as error:
        world.request(rule, amount, closing=closing, **kwargs)
    assert error.value.code == code and error.value.message
    assert (world.acct.balance, world.acct.reserved, world.acct.version, len(world.store.events)) == before
    assert not world.store.withdrawals


def test_bad_input_is_refused_before_any_rule(world):
    with pytest.raises(ValidationFailed) as error:
        world.request("no_such_reason")
    assert error.value.code == "UNKNOWN_WITHDRAWAL_REASON"
    with pytest.raises(ValidationFailed) as error:
        world.request("purchase_commercial", request_id="短")
    assert error.value.code == "INVALID_REQUEST_ID"
    with pytest.raises(ValidationFailed) as error:
        world.request("purchase_commercial", payee=PayeeAccount("12ab", "陈静", "ICBC"), evidence=purchase())
    assert error.value.code == "INVALID_BANK_CARD"
    with pytest.raises(NotFound):
        world.withdrawals.record_payment("WDR-none", True)


def test_once_per_reference_and_once_a_year(world):
    w = world.request("purchase_commercial", "1000.00", evidence=purchase())
    world.withdrawals.record_payment(w.withdrawal_id, True)
    with pytest.raises(BusinessRuleViolation) as error:
        world.request("purchase_commercial", "1000.00", evidence=purchase(), request_id="REQ-0002")
    assert error.value.code == "WITHDRAWAL_REFERENCE_USED"
    loan = Evidence("JK-2024-0001", Decimal("200000.00"), date(2026, 10, 1))
    world.request("repay_hpf_loan", "500.00", evidence=loan, request_id="REQ-0003")
    with pytest.raises(BusinessRuleViolation) as error:
        world.request("repay_hpf_loan", "500.00", evidence=loan, request_id="REQ-0004")
    assert error.value.code == "WITHDRAWAL_FREQUENCY_EXCEEDED"


def test_rent_needs_three_months_of_deposits_and_respects_the_yearly_cap():
    short = World(start=datetime(2026, 9, 10, 9, tzinfo=SHANGHAI), months=0)  # opened in September
    for m in (9, 10):
        short.move_to(date(2026, m, 10))
        fund_and_post(short.ledger, short.ledger.record_remittance(short.unit.unit_account, f"2026-{m:02d}",
                                                                    CLERK).remittance_id)
    short.move_to(date(2026, 11, 20))
    lease = Evidence("ZL-0001", Decimal("12000.00"), date(2026, 9, 1))
    with pytest.raises(BusinessRuleViolation) as error:
        short.request("rent_private", "500.00", evidence=lease)
    assert error.value.code == "DEPOSIT_MONTHS_INSUFFICIENT"

    world = World()
    world.request("rent_private", "5000.00", evidence=lease)
    with pytest.raises(BusinessRuleViolation) as error:
        world.request("rent_private", "9400.01", evidence=lease, request_id="REQ-0002")  # 14,400.01 in 2026
    assert error.value.code == "WITHDRAWAL_OVER_CAP" and "14400.00" in error.value.message
    assert world.request("rent_private", "4000.00", evidence=lease, request_id="REQ-0003").amount == Decimal("4000.00")


def test_online_requests_only_for_reasons_open_online(world):
    depositor = Principal("u-chen", "depositor", frozenset({Role.DEPOSITOR}), "陈静", id_number=HOLDER_ID,
                          channel=Channel.APP)
    w = world.request("purchase_commercial", "1000.00", evidence=purchase(), actor=depositor)
    assert w.channel == "app" and w.status is WithdrawalStatus.PENDING
    with pytest.raises(BusinessRuleViolation) as error:
        world.request("serious_illness", "1000.00", evidence=purchase(reference="YL-1"), actor=depositor,
                      request_id="REQ-0002")
    assert error.value.code == "COUNTER_ONLY"
    stranger = replace(depositor, id_number=valid_resident_id("36060219900101999"))
    with pytest.raises(Forbidden):
        world.request("purchase_commercial", "1000.00", evidence=purchase(), actor=stranger, request_id="REQ-0003")


def test_frozen_and_closed_accounts_pay_nothing(world):
    account = world.store.accounts[world.account.account_no]
    account.status = AccountStatus.FROZEN
    with pytest.raises(BusinessRuleViolation) as error:
        world.request("purchase_commercial", "1000.00", evidence=purchase())
    assert error.value.code == "ACCOUNT_STATUS_TRANSITION_NOT_ALLOWED"


def test_closing_withdrawal_pays_balance_and_interest_and_closes_the_account(world):
    w = world.request("retirement", None, closing=True)
    # the yearly settlement of 30 June 2026 ran first (the account had not had it): its interest is carried
    yearly = next(e.amount for e in world.store.entries[world.account.account_no] if e.entry_id == "INT-2026")
    # then interest from 30 June on the carried balance and on the deposits of Jul–Oct, to 20 Nov 2026
    accrued = (Decimal("6000.00") + yearly) * 143 + Decimal("1000.00") * (133 + 102 + 71 + 41)
    interest = (accrued * Decimal("0.015") / 360).quantize(Decimal("0.01"))
    assert w.closing_interest == interest and w.amount == Decimal("10000.00") + yearly + interest
    assert world.acct.reserved == world.acct.balance == w.amount
    assert world.acct.interest_settled_on == date(2026, 6, 30)

    world.withdrawals.record_payment(w.withdrawal_id, True, bank_serial="ICBC9")
    account = world.acct
    assert account.status is AccountStatus.CLOSED_WITHDRAWN and account.balance == Decimal("0.00")
    assert HOLDER_ID not in world.store.persons  # the person may open an account again later
    kinds = [e.kind for e in world.store.entries[world.account.account_no][-2:]]
    assert kinds == [EntryKind.INTEREST, EntryKind.CLOSING_WITHDRAWAL]
    assert world.store.history[f"ACCOUNT#{world.account.account_no}"][-1].business_type == "12"
    with pytest.raises(BusinessRuleViolation):
        world.request("retirement", None, closing=True, request_id="REQ-0002")


def test_a_failed_closing_keeps_the_account_and_never_pays_interest_twice(world):
    w = world.request("retirement", None, closing=True)
    world.withdrawals.record_payment(w.withdrawal_id, False, reason="卡号错误")
    assert world.acct.status is AccountStatus.NORMAL and world.acct.balance == w.amount
    # the interest to 20 Nov is in the balance; the next 30 June accrues only the days after it
    world.move_to(date(2027, 7, 2))
    settled = world.interest.settle_account(world.account.account_no, date(2027, 6, 30))
    expected = (w.amount * 222 * Decimal("0.015") / 360).quantize(Decimal("0.01"))  # 20 Nov 2026 → 30 Jun 2027
    assert settled == expected


def test_a_death_withdrawal_pays_the_named_heir(world):
    heir = PayeeAccount("6217001234567890", "陈小明", "CCB", valid_resident_id("36060220100101123"))
    w = world.request("death", None, closing=True, payee=heir)
    assert w.payee.name == "陈小明" and w.reason_code == "08"


def test_termination_after_six_months_sealed(world):
    from hpf.ledger.maintenance import LedgerMaintenance
    from hpf.ledger.model import AccountEvent

    maintenance = LedgerMaintenance(lambda: FakeLedgerUnitOfWork(world.store), world.clock, load_policy_book)
    maintenance.account_status_event(world.account.account_no, AccountEvent.SEAL, CLERK, reason="离职")
    world.move_to(date(2027, 5, 21))
    w = world.request("termination", None, closing=True)
    assert w.reason_code == "13" and w.closing


def test_a_request_that_loses_the_version_race_is_decided_again_on_fresh_data():
    """Deterministic interleaving: a second request commits between the first one's read and its commit."""
    world = World()
    calls = {"n": 0}

    class Interleaving(FakeLedgerUnitOfWork):
        def commit(self) -> None:
            calls["n"] += 1
            if calls["n"] == 1:  # the first request has read 10,000.00 available; the rival commits now
                rival.request("purchase_commercial", "6000.00", request_id="RIVAL-0001",
                              evidence=purchase(reference="HOUSE-R"))
            super().commit()

    rival = world
    racing = WithdrawalService(lambda: Interleaving(world.store), world.clock, load_withdrawal_rules, world.interest)
    with pytest.raises(BusinessRuleViolation) as error:
        racing.request(world.account.account_no, RequestWithdrawal(
            "FIRST-0001", "purchase_commercial", False, Decimal("6000.00"), PayeeAccount(CARD, "陈静", "ICBC"),
            [Material(m) for m in RULES.rule("purchase_commercial", date(2026, 11, 20)).materials],
            purchase(reference="HOUSE-F")), CLERK)
    assert error.value.code == "WITHDRAWAL_OVER_AVAILABLE" and calls["n"] == 1
    assert world.acct.reserved == Decimal("6000.00") and list(world.store.withdrawals) == [
        f"WDR-{world.account.account_no}-RIVAL-0001"]


def test_two_concurrent_withdrawals_cannot_overdraw_the_account():
    """Two requests for 6,000.00 each on 10,000.00, released together from two threads."""
    world = World()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def request(n: int) -> None:
        barrier.wait()
        try:
            world.request("purchase_commercial", "6000.00", request_id=f"RACE-000{n}",
                          evidence=purchase(reference=f"HOUSE-{n}"))
            outcomes.append("OK")
        except BusinessRuleViolation as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=request, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["OK", "WITHDRAWAL_OVER_AVAILABLE"]
    assert world.acct.reserved == Decimal("6000.00") and world.acct.available == Decimal("4000.00")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["deposit", "withdraw", "close", "pay", "fail", "settle"]),
                          st.integers(min_value=1, max_value=900_000)), min_size=1, max_size=25))
def test_money_is_conserved_and_never_negative(steps):
    """opening + deposits + interest − paid withdrawals = balance; nothing goes negative; every journal entry
    balances and the two ledgers agree, whatever the order of deposits, requests, answers and settlements."""
    from hpf.common.errors import HpfError
    from hpf.ledger.interest import latest_settlement

    world = World(months=1)
    pending: list[str] = []
    for n, (step, cents) in enumerate(steps):
        world.move_to(date(2027, 1, 1) + timedelta(days=20 * n))
        today = world.clock.now().date()
        amount = Decimal(cents) / 100
        try:
            if step == "deposit":
                month = today.strftime("%Y-%m")
                if world.acct.status is AccountStatus.NORMAL and not any(
                        r.month == month for r in world.store.remittances.values()):
                    fund_and_post(world.ledger, world.ledger.record_remittance(world.unit.unit_account, month,
                                                                                CLERK).remittance_id)
            elif step in ("withdraw", "close"):
                closing = step == "close"
                rule = "retirement" if closing else "purchase_commercial"
                evidence = None if closing else Evidence(f"H{n}", amount, today)
                pending.append(world.request(rule, None if closing else str(amount), closing=closing,
                                             request_id=f"P-{n:06d}", evidence=evidence).withdrawal_id)
            elif step == "settle":
                world.interest.settle_account(world.account.account_no, latest_settlement(today))
            elif pending:
                world.withdrawals.record_payment(pending.pop(0), step == "pay")
        except HpfError as error:  # refused by the rules or the lifecycle: and then nothing changed
            assert error.code in {"WITHDRAWAL_OVER_AVAILABLE", "WITHDRAWAL_PENDING", "UNIT_STATUS_TRANSITION_NOT_ALLOWED",
                                  "ACCOUNT_STATUS_TRANSITION_NOT_ALLOWED", "NO_ACTIVE_DEPOSITORS"}, error.code
        account = world.acct
        assert account.available >= 0 and account.balance >= 0 and account.reserved >= 0
    entries = world.store.entries[world.account.account_no]
    deposits = sum((e.amount for e in entries if e.kind is EntryKind.REMITTANCE), Decimal(0))
    interest = sum((e.amount for e in entries if e.kind is EntryKind.INTEREST), Decimal(0))
    paid = -sum((e.amount for e in entries if e.kind in (EntryKind.WITHDRAWAL, EntryKind.CLOSING_WITHDRAWAL)),
                Decimal(0))
    assert world.acct.balance == deposits + interest - paid
    assert world.acct.reserved == sum((world.store.withdrawals[w].amount for w in pending), Decimal(0))
    assert TrialBalance.of(list(world.store.journal.values())).balanced
    for day in {e.business_date for e in entries}:
        assert books_of(world.store).ledger_check(day, FINANCE).agrees


def test_the_synthetic_data_draws_withdrawals_of_every_configured_reason():
    from hpf.analytics.synthetic import WITHDRAWAL_REASONS
    from hpf.ledger.withdrawal_rules import Kind

    assert set(WITHDRAWAL_REASONS) == {r.code for r in RULES.on(date(2026, 11, 20)).rules.values()
                                       if r.kind is Kind.WITHDRAWAL}


class FakeSettlement:
    """The settlement port as settlement will see it: instructions in, answers back through the ledger."""

    def __init__(self) -> None:
        self.instructions: list = []

    def submit(self, instruction) -> None:
        self.instructions.append(instruction)


class FakeWorkflows:
    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, machine: str, name: str, payload: dict) -> str:
        self.started.append(name)
        return f"arn:{name}"


def test_the_payment_goes_out_through_the_settlement_port_and_its_answer_comes_back(world):
    from hpf.ledger.consumers import LedgerEventHandler

    w = world.request("purchase_commercial", "2500.00", evidence=purchase())
    settlement, workflows = FakeSettlement(), FakeWorkflows()
    handler = LedgerEventHandler(workflows, settlement)
    for event in world.store.events:  # what the outbox relay delivers to the ledger-events queue
        handler.handle({"event_type": event.event_type, "event_id": event.event_id, "payload": event.payload}, "c1")
    assert len(workflows.started) == 10  # one posting per funded month of the world's history
    [instruction] = settlement.instructions
    assert (instruction.instruction_id, instruction.direction, instruction.business, instruction.amount) == (
        w.withdrawal_id, "pay", "02", Decimal("2500.00"))
    assert (instruction.counterparty.account_no, instruction.counterparty.name) == (CARD, "陈静")
    world.withdrawals.record_payment(instruction.instruction_id, True, bank_serial="BDC-0001")
    assert world.acct.balance == Decimal("7500.00")
