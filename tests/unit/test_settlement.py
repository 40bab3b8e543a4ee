"""The settlement steps against a bank sandbox over TCP and the real ledger services on fakes: every path of the
scenario table in hpf/settlement/service.py, each ending with the bank and the ledger agreeing."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from hpf.common.errors import BusinessRuleViolation, TransientFailure
from hpf.ledger.funding import RemittanceFunding
from hpf.ledger.maintenance import LedgerMaintenance
from hpf.ledger.model import CollectionAgreement, RemittanceStatus
from hpf.ledger.policy import load_policy_book
from hpf.ledger.settlement_port import SettlementInstruction
from hpf.ledger.withdrawal import PayeeAccount, WithdrawalStatus
from hpf.ledger.withdrawal_rules import Evidence
from hpf.sandbox.bank import BankSandbox
from hpf.settlement.banks import BdcBankGateway
from hpf.settlement.core_ledger import CoreLedger
from hpf.settlement.model import INSTRUCTION_LIFECYCLE, InstructionEvent, InstructionStatus
from hpf.settlement.service import SettlementService
from tests.fakes.ledger import FakeLedgerUnitOfWork
from tests.fakes.settlement import FakeInstructionStore
from tests.unit.test_ledger_services import CLERK
from tests.unit.test_withdrawals import CARD, FINANCE, HOLDER_ID, World

MASTER = "00112233445566778899aabbccddeeff"
SPECIAL = "36001860000052500001"
UNIT_BANK_ACCOUNT = "36050186360109000123"


def gateway_to(bank: BankSandbox) -> BdcBankGateway:
    """Start the sandbox and link the office 360600 to it (its special account SPECIAL), with a short timeout."""
    host, port = bank.start()
    return BdcBankGateway({
        "banks": {"105": {"host": host, "port": port, "center_node": "C36060", "bank_node": "B10500",
                          "master_key": MASTER, "tx_unit_no": "360600000000001", "timeout": 0.5}},
        "special_accounts": {"360600": {"bank": "105", "account_no": SPECIAL, "name": "鹰潭市住房公积金管理中心",
                                        "bank_name": "中国建设银行鹰潭分行"}}})


class Setup:
    def __init__(self, center_balance: str = "1000000.00", months: int = 10):
        self.world = World(months=months)
        self.bank = BankSandbox("105", "中国建设银行鹰潭分行", "B10500", bytes.fromhex(MASTER))
        self.bank.open_account(SPECIAL, "鹰潭市住房公积金管理中心", center_balance)
        self.bank.issue_card(CARD, "陈静", HOLDER_ID)
        self.bank.open_account(UNIT_BANK_ACCOUNT, "鹰潭提取测试公司", "50000.00")
        self.gateway = gateway_to(self.bank)
        uow = lambda: FakeLedgerUnitOfWork(self.world.store)  # noqa: E731
        self.funding = RemittanceFunding(uow, self.world.clock)
        self.store = FakeInstructionStore()
        self.service = SettlementService(self.store, self.gateway, CoreLedger(self.world.withdrawals, self.funding, uow),
                                         self.world.clock, workflows=self)
        self.tokens: list[tuple[str, dict]] = []
        self._n = itertools.count(1)

    def succeed_task(self, token: str, output: dict) -> None:  # the workflow's side of a review
        self.tokens.append((token, output))

    def withdraw(self, amount: str = "3000.00", bank: str = "中国建设银行鹰潭分行") -> SettlementInstruction:
        n = next(self._n)
        w = self.world.request("purchase_commercial", amount, request_id=f"SETTLE-{n:04d}",
                               evidence=Evidence(f"HOUSE-{n}", Decimal("500000.00"), date(2026, 11, 1)),
                               payee=PayeeAccount(CARD, "陈静", bank))
        return self.instruction(w.withdrawal_id)

    def instruction(self, business_id: str) -> SettlementInstruction:
        event = next(e for e in reversed(self.world.store.events)
                     if e.event_type in ("ledger.WithdrawalRequested", "ledger.CollectionRequested")
                     and e.payload["instruction"]["instruction_id"] == business_id)
        return SettlementInstruction.from_payload(event.payload["instruction"])

    def withdrawal(self, instruction: SettlementInstruction):
        return self.world.store.withdrawals[instruction.instruction_id]

    def status(self, instruction: SettlementInstruction) -> InstructionStatus:
        return self.store.rows[instruction.instruction_id].status


@pytest.fixture
def setup():
    s = Setup()
    yield s
    s.bank.stop()


def run_until_settled(s: Setup, instruction: SettlementInstruction, max_queries: int = 3) -> dict:
    """What the state machine does, step by step."""
    answer = s.service.receive(instruction)
    if answer["outcome"] == "unknown":
        answer = s.service.send(instruction.instruction_id)
    while answer["outcome"] == "unknown" and answer["queries"] < max_queries:
        answer = s.service.query(instruction.instruction_id)
    if answer["outcome"] == "unknown":
        s.service.await_review(instruction.instruction_id, "TOKEN-1")
        return answer
    return s.service.apply(instruction.instruction_id)


def test_every_instruction_transition_is_in_the_table():
    for state, event in itertools.product(InstructionStatus, InstructionEvent):
        if INSTRUCTION_LIFECYCLE.allows(state, event):
            assert INSTRUCTION_LIFECYCLE.next(state, event) in InstructionStatus
        else:
            with pytest.raises(BusinessRuleViolation):
                INSTRUCTION_LIFECYCLE.next(state, event)
    assert not any(INSTRUCTION_LIFECYCLE.allows(InstructionStatus.APPLIED, e) for e in InstructionEvent)


def test_a_paid_withdrawal_from_instruction_to_ledger(setup):
    s = setup
    instruction = s.withdraw()
    answer = run_until_settled(s, instruction)
    assert answer == {"instruction_id": instruction.instruction_id, "status": "APPLIED", "outcome": "succeeded",
                      "queries": 0}
    assert s.bank.balance(CARD) == Decimal("3000.00") and s.bank.balance(SPECIAL) == Decimal("997000.00")
    w = s.withdrawal(instruction)
    assert w.status is WithdrawalStatus.PAID and w.bank_serial.startswith("105")
    assert s.world.acct.balance == Decimal("7000.00")
    # every step again: nothing moves twice
    for step in (s.service.send, s.service.query, s.service.apply):
        step(instruction.instruction_id)
    assert s.service.receive(instruction)["status"] == "APPLIED"
    assert s.bank.balance(CARD) == Decimal("3000.00") and s.world.acct.balance == Decimal("7000.00")
    assert [m.tx_code for m in s.bank.received].count("BDC101") == 1


@pytest.mark.feature("4.1.5")
def test_the_bank_fails_the_payment_and_the_ledger_releases_the_money():
    s = Setup(center_balance="100.00")  # the special account cannot cover it: host status 4
    try:
        instruction = s.withdraw()
        s.service.receive(instruction)
        sent = s.service.send(instruction.instruction_id)
        # host status 4 is a failure the platform takes at once: no result query, the money released
        assert (sent["status"], sent["outcome"], sent["queries"]) == ("FAILED", "failed", 0)
        answer = s.service.apply(instruction.instruction_id)
        assert answer["outcome"] == "failed" and "余额不足" in s.store.rows[instruction.instruction_id].failure_reason
        assert [m.tx_code for m in s.bank.received].count("BDC110") == 0
        assert s.withdrawal(instruction).status is WithdrawalStatus.FAILED
        assert (s.world.acct.balance, s.world.acct.reserved) == (Decimal("10000.00"), Decimal("0.00"))
    finally:
        s.bank.stop()


@pytest.mark.parametrize("fault", ["delay", "drop_after_book"])
def test_an_unanswered_payment_is_queried_never_resent(setup, fault):
    s = setup
    s.bank.inject(fault, seconds=1.0)
    instruction = s.withdraw()
    assert s.service.receive(instruction)["outcome"] == "unknown"
    assert s.service.send(instruction.instruction_id)["status"] == "UNKNOWN"
    answer = s.service.query(instruction.instruction_id)
    assert answer == {"instruction_id": instruction.instruction_id, "status": "SUCCEEDED", "outcome": "succeeded",
                      "queries": 1}
    s.service.apply(instruction.instruction_id)
    assert s.bank.balance(CARD) == Decimal("3000.00") and s.withdrawal(instruction).status is WithdrawalStatus.PAID
    assert [m.tx_code for m in s.bank.received].count("BDC101") == 1


@pytest.mark.feature("4.1.5")
@pytest.mark.parametrize("booked", [True, False])
def test_status_5_is_unknown_until_the_query_tells(setup, booked):
    """Host status 5 (结果不确定) is neither success nor failure to the platform: the money stays reserved and the
    result query under the same serial decides — whichever way the bank really went."""
    s = setup
    s.bank.inject("uncertain", booked=booked)
    instruction = s.withdraw()
    s.service.receive(instruction)
    sent = s.service.send(instruction.instruction_id)
    assert (sent["status"], sent["outcome"]) == ("UNKNOWN", "unknown")
    assert s.withdrawal(instruction).status is WithdrawalStatus.PENDING and s.world.acct.reserved == Decimal("3000.00")
    assert s.service.query(instruction.instruction_id)["outcome"] == ("succeeded" if booked else "failed")
    s.service.apply(instruction.instruction_id)
    expected = WithdrawalStatus.PAID if booked else WithdrawalStatus.FAILED
    assert s.withdrawal(instruction).status is expected
    assert s.bank.balance(CARD) == (Decimal("3000.00") if booked else Decimal("0.00"))
    assert s.world.acct.balance == (Decimal("7000.00") if booked else Decimal("10000.00"))
    assert [m.tx_code for m in s.bank.received].count("BDC101") == 1  # never sent again


def test_a_lost_request_goes_to_a_person_with_its_history(setup):
    s = setup
    s.bank.inject("drop_before_book")
    instruction = s.withdraw()
    answer = run_until_settled(s, instruction, max_queries=3)
    record = s.store.rows[instruction.instruction_id]
    assert answer["queries"] == 3 and record.status is InstructionStatus.MANUAL_REVIEW
    assert [h.event for h in record.history] == ["send", "unknown", "unknown", "unknown", "unknown", "review"]
    assert s.withdrawal(instruction).status is WithdrawalStatus.PENDING  # the money stays reserved meanwhile
    s.service.resolve(instruction.instruction_id, False, "对账单无此笔，银行回复未收到", FINANCE)
    assert s.tokens and s.tokens[0][0] == "TOKEN-1" and s.tokens[0][1]["outcome"] == "failed"
    s.service.apply(instruction.instruction_id)
    assert s.withdrawal(instruction).status is WithdrawalStatus.FAILED and s.world.acct.reserved == Decimal("0.00")


def test_a_send_that_died_mid_call_is_queried_not_resent(setup):
    s = setup
    instruction = s.withdraw()
    s.service.receive(instruction)
    s.bank.inject("drop_after_book")
    s.service.send(instruction.instruction_id)
    record = s.store.rows[instruction.instruction_id]
    record.status = InstructionStatus.SENDING  # as if the task died after the call, before writing the answer
    assert s.service.send(instruction.instruction_id)["status"] == "UNKNOWN"
    assert s.service.query(instruction.instruction_id)["outcome"] == "succeeded"
    assert [m.tx_code for m in s.bank.received].count("BDC101") == 1


def test_an_unreachable_bank_is_retried_with_the_same_serial(setup):
    s = setup
    instruction = s.withdraw()
    s.service.receive(instruction)
    s.bank.inject("refuse")
    with pytest.raises(TransientFailure):
        s.service.send(instruction.instruction_id)
    record = s.store.rows[instruction.instruction_id]
    assert record.status is InstructionStatus.RECEIVED
    first_serial = record.serial
    assert s.service.send(instruction.instruction_id)["outcome"] == "succeeded"
    assert s.store.rows[instruction.instruction_id].serial == first_serial


def test_an_instruction_the_ledger_does_not_know_is_refused_and_releases_nothing(setup):
    s = setup
    instruction = s.withdraw()
    forged = SettlementInstruction("WDR-360600000000001-FORGED-0001", "02", "pay", "360600", Decimal("10.00"),
                                   instruction.counterparty, instruction.reference, "伪造")
    answer = s.service.receive(forged)
    assert answer["outcome"] == "failed" and "核心账务" in s.store.rows[forged.instruction_id].failure_reason
    s.service.apply(forged.instruction_id)
    assert s.bank.received == []  # nothing went to the bank


def test_a_collection_funds_the_remittance(setup):
    s = setup
    maintenance = LedgerMaintenance(lambda: FakeLedgerUnitOfWork(s.world.store), s.world.clock, load_policy_book)
    maintenance.set_collection_agreement(s.world.unit.unit_account, CollectionAgreement(
        UNIT_BANK_ACCOUNT, "鹰潭提取测试公司", "中国建设银行鹰潭分行", "TS-0001", date(2026, 11, 1)), CLERK)
    remittance = s.world.ledger.record_remittance(s.world.unit.unit_account, "2026-11", CLERK)
    answer = run_until_settled(s, s.instruction(remittance.remittance_id))
    assert answer["outcome"] == "succeeded"
    funded = s.world.store.remittances[remittance.remittance_id]
    assert funded.status is RemittanceStatus.FUNDED and funded.funding == "collection"
    assert s.bank.balance(UNIT_BANK_ACCOUNT) == Decimal("49000.00")


# -- reconciliation (S.9.10) ----------------------------------------------------------------------------------
def reconcile(s: Setup, day, clock=None):
    from hpf.settlement.reconciliation import Reconciliation

    ledger = CoreLedger(s.world.withdrawals, s.funding, lambda: FakeLedgerUnitOfWork(s.world.store))
    return Reconciliation(s.store, s.gateway, s.service, ledger.day, clock or s.world.clock).run("360600", day)


def test_a_day_of_settlement_reconciles_and_settles_the_unknown_from_the_statement(setup):
    from datetime import datetime, timedelta

    from hpf.common.clock import SHANGHAI, FixedClock
    from hpf.sandbox.bank import StatementLine
    from hpf.settlement.reconciliation import Cause

    s = setup
    today = datetime.now(SHANGHAI).date()
    s.world.move_to(today)  # the bank sandbox books on the real date: the ledger's day must be the same one
    paid = s.withdraw("1000.00")
    run_until_settled(s, paid)
    s.bank.inject("drop_after_book")  # booked, the answer lost: the statement will show it
    booked_unknown = s.withdraw("800.00")
    s.service.receive(booked_unknown)
    s.service.send(booked_unknown.instruction_id)
    s.bank.inject("drop_before_book")  # never reached the bank's books
    lost = s.withdraw("500.00")
    s.service.receive(lost)
    s.service.send(lost.instruction_id)
    special = s.bank.accounts[SPECIAL]  # a transfer in that nobody has matched yet (a unit paid without notice)
    special.balance += Decimal("2400.00")
    special.lines.append(StatementLine(today.strftime("%Y%m%d"), "093000", "105999", "C", Decimal("2400.00"),
                                       special.balance, "36050100000000000001", "某单位", "缴存款", ""))

    report = reconcile(s, today)
    assert report.bank_lines == 3 and report.matched == 1
    assert report.settled_from_statement == [booked_unknown.instruction_id]
    causes = sorted((d.cause, d.reference) for d in report.differences)
    assert causes == [(Cause.LINE_WITHOUT_BUSINESS, "105999"), (Cause.STILL_UNKNOWN, lost.instruction_id)]
    assert not report.agrees
    s.service.apply(booked_unknown.instruction_id)  # what the waiting workflow does next
    assert s.withdrawal(booked_unknown).status is WithdrawalStatus.PAID

    # the next morning the day is closed: what is not in its statement was not booked
    tomorrow = FixedClock(datetime.combine(today + timedelta(days=1), datetime.min.time(), SHANGHAI))
    closed = reconcile(s, today, tomorrow)
    assert closed.settled_from_statement == [lost.instruction_id]
    assert [d.cause for d in closed.differences] == [Cause.LINE_WITHOUT_BUSINESS]
    s.service.apply(lost.instruction_id)
    assert s.withdrawal(lost).status is WithdrawalStatus.FAILED and s.world.acct.reserved == 0
    final = reconcile(s, today, tomorrow)
    assert final.matched == 2 and [d.cause for d in final.differences] == [Cause.LINE_WITHOUT_BUSINESS]


def test_the_matching_names_every_cause():
    from hpf.settlement.reconciliation import Cause, Expected, Line, compare

    D = Decimal
    lines = [Line("OK", "D", D("10.00"), "H1"), Line("AMT", "D", D("11.00"), "H2"), Line("DIR", "C", D("5.00"), "H3"),
             Line("UNK", "D", D("7.00"), "H4"), Line("FAILED-BOOKED", "D", D("3.00"), "H5"),
             Line("", "C", D("99.00"), "H6"), Line("STRANGER", "D", D("1.00"), "H7")]
    expected = [Expected("OK", "pay", D("10.00"), "booked", "OK"), Expected("AMT", "pay", D("10.00"), "booked", "AMT"),
                Expected("DIR", "pay", D("5.00"), "booked", "DIR"), Expected("UNK", "pay", D("7.00"), "unknown", "UNK"),
                Expected("GONE", "pay", D("2.00"), "booked", "GONE"),
                Expected("FAILED-BOOKED", "pay", D("3.00"), "failed", "FAILED-BOOKED"),
                Expected("LATE", "pay", D("4.00"), "unknown", "LATE")]
    financial = {"OK": D("-10.00"), "AMT": D("-10.00"), "DIR": D("-5.00"), "GONE": D("-2.00")}
    open_day = compare(lines, expected, financial, closed=False)
    assert open_day.matched == 1 and open_day.to_settle == [("UNK", True, "对账单H4")]
    assert sorted((d.cause, d.reference) for d in open_day.differences) == sorted([
        (Cause.AMOUNT_DIFFERS, "AMT"), (Cause.DIRECTION_DIFFERS, "DIR"), (Cause.BUSINESS_WITHOUT_LINE, "GONE"),
        (Cause.LINE_WITHOUT_BUSINESS, "FAILED-BOOKED"), (Cause.STILL_UNKNOWN, "LATE"),
        (Cause.LINE_WITHOUT_BUSINESS, "H6"), (Cause.LINE_WITHOUT_BUSINESS, "STRANGER"),
        (Cause.NOT_IN_FINANCIAL_LEDGER, "AMT"), (Cause.NOT_IN_FINANCIAL_LEDGER, "DIR"),
        (Cause.NOT_IN_FINANCIAL_LEDGER, "FAILED-BOOKED"), (Cause.FINANCIAL_WITHOUT_BANK, "GONE")])
    closed_day = compare(lines, expected, financial, closed=True)
    assert ("LATE", False, "当日对账单无此笔") in closed_day.to_settle


@pytest.mark.parametrize("card, reason", [
    (dict(name="陈晶"), "户名不符"),
    (dict(usable=False), "卡片状态异常"),
    (dict(acct_class="3"), "三类账户不能用于提取"),
])
def test_a_payout_to_a_card_that_fails_the_check_is_never_sent_and_released(setup, card, reason):
    s = setup
    s.bank.issue_card(CARD, card.get("name", "陈静"), HOLDER_ID, card.get("acct_class", "1"), card.get("usable", True))
    instruction = s.withdraw("500.00")
    answer = run_until_settled(s, instruction)
    assert answer["outcome"] == "failed" and reason in s.store.rows[instruction.instruction_id].failure_reason
    assert [m.tx_code for m in s.bank.received if m.tx_code == "BDC101"] == []
    assert s.withdrawal(instruction).status is WithdrawalStatus.FAILED and s.world.acct.reserved == Decimal("0.00")


def test_a_class_ii_card_takes_at_most_its_daily_limit():
    s = Setup(months=11)  # 11,000.00 in the account
    try:
        s.bank.issue_card(CARD, "陈静", HOLDER_ID, acct_class="2")
        first = s.withdraw("6000.00")
        assert run_until_settled(s, first)["outcome"] == "succeeded"
        second = s.withdraw("4000.01")  # 10,000.01 into a class II account in one day
        assert run_until_settled(s, second)["outcome"] == "failed"
        assert "二类账户单日转入限额10000.00元" in s.store.rows[second.instruction_id].failure_reason
    finally:
        s.bank.stop()


def test_an_instruction_the_card_check_could_not_receive_waits_for_a_person_and_is_never_paid_by_decree(setup):
    """The bank stayed unreachable for the card check: the workflow parks the instruction, unsent; a person may
    only let it fail (release the money) — confirming a payment that never went out is refused."""
    from hpf.common.errors import BusinessRuleViolation as Refused

    s = setup
    instruction = s.withdraw("300.00")
    s.bank.stop()
    with pytest.raises(TransientFailure):
        s.service.receive(instruction)
    s.service.await_review(instruction.instruction_id, "TOKEN-R", instruction)
    assert s.store.rows[instruction.instruction_id].status is InstructionStatus.MANUAL_REVIEW
    with pytest.raises(Refused) as error:
        s.service.resolve(instruction.instruction_id, True, "银行说收到了", FINANCE)
    assert error.value.code == "NEVER_SENT"
    s.service.resolve(instruction.instruction_id, False, "银行中断，退回重办", FINANCE)
    s.service.apply(instruction.instruction_id)
    assert s.withdrawal(instruction).status is WithdrawalStatus.FAILED and s.world.acct.reserved == Decimal("0.00")


def test_the_reconciliation_workbook_keeps_amounts_exact():
    import io
    import zipfile

    from hpf.settlement.reconciliation import Cause, Difference, ReconciliationReport
    from hpf.settlement.report import workbook

    report = ReconciliationReport("360600", date(2026, 11, 27), SPECIAL, 2, Decimal("0.10"), Decimal("0.20"), 1,
                                  differences=[Difference(Cause.AMOUNT_DIFFERS, "WDR-1", Decimal("1234567.89"),
                                                          Decimal("1234567.88"), "金额不符")])
    strings = zipfile.ZipFile(io.BytesIO(workbook(report))).read("xl/sharedStrings.xml").decode("utf-8")
    for text in ("0.10", "0.20", "1234567.89", "1234567.88", "金额不符", "存在差异"):
        assert text in strings, text
    # the same findings make the same bytes (the archive files a re-run that found nothing new once)
    import time

    first = workbook(report)
    time.sleep(1.1)
    assert workbook(report) == first
