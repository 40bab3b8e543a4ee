"""Deduction batches end to end below the workflow: lending's run and loans on fakes, settlement's batch steps and
the bank sandbox over TCP (BDC105/107/108). Every path of the scenario table in hpf/settlement/batches.py ends
with each card debited at most once and each loan agreeing with the bank."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import BusinessRuleViolation, TransientFailure
from hpf.lending.amortization import RepaymentMethod
from hpf.lending.deduction import DeductionRun
from hpf.lending.model import Party
from hpf.lending.service import LoanService, LoanTerms
from hpf.sandbox.bank import BankSandbox
from hpf.settlement.batches import BATCH_LIFECYCLE, BatchEvent, BatchSettlement, BatchStatus
from hpf.settlement.core_ledger import CoreLedger
from hpf.settlement.model import InstructionStatus
from hpf.settlement.service import SettlementService
from tests.fakes.lending import FakeFinancialLedger, FakeLoanStore
from tests.fakes.settlement import FakeInstructionStore
from tests.unit.test_lending import APPROVER, FINANCE
from tests.unit.test_settlement import MASTER, SPECIAL, gateway_to

SELLER = "36050100000000000777"


class Setup:
    """One office at one bank; the bank and the platform share a clock that the test moves."""

    def __init__(self):
        self.clock = FixedClock(datetime(2026, 3, 16, 10, 0, tzinfo=SHANGHAI))
        self.bank = BankSandbox("105", "中国建设银行鹰潭分行", "B10500", bytes.fromhex(MASTER))
        self.bank.clock = self.clock
        self.bank.open_account(SPECIAL, "鹰潭市住房公积金管理中心", "5000000.00")
        self.bank.open_account(SELLER, "鹰潭某房地产开发有限公司", "0.00")
        self.gateway = gateway_to(self.bank)
        self.loan_store, self.journal = FakeLoanStore(), FakeFinancialLedger()
        self.loans = LoanService(self.loan_store, self.journal, lambda org: SPECIAL, self.clock)
        self.run = DeductionRun(self.loan_store, self.clock)
        self.store = FakeInstructionStore()
        ledger = CoreLedger(None, None, None, loans=self.loans, deduction_batches=self.loan_store.batch)
        self.settlement = SettlementService(self.store, self.gateway, ledger, self.clock, workflows=self)
        self.batches = BatchSettlement(self.store, self.store, self.gateway, ledger, self.settlement, self.clock)
        self.tokens: list[tuple[str, dict]] = []
        self._n = itertools.count(1)

    def succeed_task(self, token: str, output: dict) -> None:
        self.tokens.append((token, output))

    def loan(self, card_balance: str = "50000.00") -> tuple[str, str]:
        """A loan disbursed through the bank today; returns its number and the borrower's card."""
        n = next(self._n)
        card, id_number = f"621700000000000{n:04d}", f"36060219900315{n:03d}X"
        self.bank.issue_card(card, "赵磊", id_number)
        self.bank.deposit(card, card_balance)
        loan = self.loans.register(LoanTerms(
            f"JK2026{n:06d}", "360600", Party(f"3606001000{n:02d}", "赵磊", "", id_number),
            Party(card, "赵磊", "105", id_number), Party(SELLER, "鹰潭某房地产开发有限公司", "105"),
            Decimal("240000.00"), Decimal("0.026"), 120, RepaymentMethod.EQUAL_INSTALLMENT, "鹰潭市月湖区"), APPROVER)
        self.loans.disburse(loan.loan_no, FINANCE)
        instruction = self.last_instruction("DisbursementRequested")
        assert self.settlement.receive(instruction)["outcome"] == "unknown"
        assert self.settlement.send(instruction.instruction_id)["outcome"] == "succeeded"
        self.settlement.apply(instruction.instruction_id)
        return loan.loan_no, card

    def last_instruction(self, name):  # type: ignore[no-untyped-def]
        from hpf.ledger.settlement_port import SettlementInstruction

        event = [e for e in self.loan_store.events if e.event_type == f"lending.{name}"][-1]
        return SettlementInstruction.from_payload(event.payload["instruction"])

    def move_to(self, day: date) -> None:
        self.clock._at = datetime.combine(day, time(6, 0), SHANGHAI)

    def due(self, loan_no: str):  # type: ignore[no-untyped-def]
        return self.loan_store.get(loan_no).plan[0]

    def workflow(self, batch_id: str, max_queries: int = 3) -> dict:
        """What statemachines/settlement-batch.asl.json does, step by step."""
        self.batches.receive(batch_id, "360600")
        answer = self.batches.send(batch_id)
        while answer["outcome"] != "done" and answer["queries"] < max_queries:
            answer = self.batches.query(batch_id)
        if answer["outcome"] != "done":
            self.batches.await_review(batch_id, "TOKEN-B")
            return answer
        return self.batches.apply(batch_id)


@pytest.fixture
def s():
    setup = Setup()
    yield setup
    setup.bank.stop()


def test_every_batch_transition_is_in_the_table():
    for state, event in itertools.product(BatchStatus, BatchEvent):
        if BATCH_LIFECYCLE.allows(state, event):
            BATCH_LIFECYCLE.next(state, event)
        else:
            with pytest.raises(BusinessRuleViolation):
                BATCH_LIFECYCLE.next(state, event)


def _deduct(s: Setup, loans: list[str]) -> tuple[str, dict]:
    day = s.due(loans[0]).due
    s.move_to(day)
    batch = s.run.run("360600", day)
    assert sorted(ln.reference for ln in batch.lines) == sorted(loans)
    return batch.batch_id, {ln.reference: ln for ln in batch.lines}


def test_a_batch_debits_each_card_once_and_books_each_installment(s):
    (a, card_a), (b, card_b) = s.loan(), s.loan(card_balance="10.00")
    installment = s.due(a)
    batch_id, lines = _deduct(s, [a, b])
    s.bank.inject("late_batch", "BDC107", times=2)  # the results come late: two queries say "processing"
    answer = s.workflow(batch_id, max_queries=5)
    assert answer["applied"] == 2 and s.batches.get(batch_id).queries == 3
    assert s.bank.balance(card_a) == Decimal("50000.00") - installment.payment
    assert s.bank.balance(card_b) == Decimal("10.00")
    paid, unpaid = s.loan_store.get(a), s.loan_store.get(b)
    assert paid.paid_periods == 1 and paid.balance == Decimal("240000.00") - installment.principal
    assert unpaid.paid_periods == 0 and unpaid.last_failure == "扣款账户余额不足" and not unpaid.in_flight
    assert s.store.rows[lines[a].instruction_id].status is InstructionStatus.APPLIED
    # the special account's statement carries the line id: reconciliation matches it like a single collection
    credit = [ln for ln in s.bank.statement(SPECIAL) if ln.ref_seq_no == lines[a].instruction_id]
    assert [(ln.dc_flag, ln.amount) for ln in credit] == [("C", installment.payment)]
    assert len([m for m in s.bank.received if m.tx_code == "BDC105"]) == 1


@pytest.mark.parametrize("fault", ["drop_after_book", "delay"])
def test_a_batch_whose_answer_was_lost_is_queried_and_booked_once(s, fault):
    (a, card), = [s.loan()]
    installment = s.due(a)
    batch_id, _ = _deduct(s, [a])
    s.bank.inject(fault, "BDC105", seconds=1.0)
    assert s.batches.receive(batch_id, "360600")["outcome"] == "pending"
    assert s.batches.send(batch_id)["status"] == "UNKNOWN"
    assert s.batches.query(batch_id)["outcome"] == "done"
    s.batches.apply(batch_id)
    assert s.bank.balance(card) == Decimal("50000.00") - installment.payment
    assert s.loan_store.get(a).paid_periods == 1
    assert len(s.bank.batches) == 1


def test_a_batch_the_bank_never_got_goes_again_under_its_serial(s):
    (a, card), = [s.loan()]
    installment = s.due(a)
    batch_id, _ = _deduct(s, [a])
    s.bank.inject("drop_before_book", "BDC105")
    s.batches.receive(batch_id, "360600")
    assert s.batches.send(batch_id)["status"] == "UNKNOWN"
    assert s.batches.query(batch_id)["status"] == "ACCEPTED"  # BDC107: no such batch → the same file again
    assert s.batches.query(batch_id)["outcome"] == "done"
    s.batches.apply(batch_id)
    sent = [m.head["SendSeqNo"] for m in s.bank.received if m.tx_code == "BDC105"]
    assert len(sent) == 2 and len(set(sent)) == 1 and len(s.bank.batches) == 1  # twice sent, once taken
    assert s.bank.balance(card) == Decimal("50000.00") - installment.payment


def test_a_rejected_file_fails_every_line_and_the_installments_stay_due(s):
    (a, card), = [s.loan()]
    batch_id, _ = _deduct(s, [a])
    s.bank.inject("fail", "BDC105")
    assert s.workflow(batch_id)["applied"] == 1
    loan = s.loan_store.get(a)
    assert loan.paid_periods == 0 and not loan.in_flight and "BATCH_REJECTED" in loan.last_failure
    assert s.bank.balance(card) == Decimal("50000.00")


def test_a_busy_bank_leaves_nothing_sent_and_the_retry_sends_the_same_serial(s):
    (a, _), = [s.loan()]
    batch_id, lines = _deduct(s, [a])
    s.bank.inject("refuse", "BDC105")
    s.batches.receive(batch_id, "360600")
    with pytest.raises(TransientFailure):
        s.batches.send(batch_id)
    assert s.batches.get(batch_id).status is BatchStatus.RECEIVED
    assert s.store.rows[lines[a].instruction_id].status is InstructionStatus.RECEIVED
    assert s.batches.send(batch_id)["status"] == "ACCEPTED"
    assert s.batches.query(batch_id)["outcome"] == "done"


def test_results_that_never_come_go_to_review_and_the_statement_settles_them(s):
    from hpf.settlement.reconciliation import Reconciliation

    (a, _), = [s.loan()]
    installment = s.due(a)
    batch_id, lines = _deduct(s, [a])
    s.bank.inject("late_batch", "BDC107", times=10)
    assert s.workflow(batch_id, max_queries=3)["outcome"] == "pending"
    assert s.batches.get(batch_id).status is BatchStatus.MANUAL_REVIEW
    assert s.store.rows[lines[a].instruction_id].status is InstructionStatus.MANUAL_REVIEW
    assert s.tokens == []  # the workflow waits
    day = installment.due
    s.move_to(date.fromordinal(day.toordinal() + 1))  # the next morning the day's statement is final
    journal = lambda d: ([e for e in s.journal.entries.values() if e.business_date == d], _agreeing())  # noqa: E731
    report = Reconciliation(s.store, s.gateway, s.settlement, journal, s.clock).run("360600", day)
    assert report.settled_from_statement == [lines[a].instruction_id]
    assert [t for t, _ in s.tokens] == ["TOKEN-B"]  # the last open line settled: the workflow goes on to apply
    assert s.batches.apply(batch_id)["applied"] == 1
    assert s.loan_store.get(a).paid_periods == 1


def _agreeing():  # type: ignore[no-untyped-def]
    from hpf.ledger.accounting import LedgerCheck

    return LedgerCheck(Decimal("0.00"), Decimal("0.00"))


class FakeBusinesses:
    """The ledger port for batches of payouts and collections: which lines it waits for, and what it was told."""

    def __init__(self, lines):  # type: ignore[no-untyped-def]
        self.lines = {ln.instruction_id: ln for ln in lines}
        self.outcomes: dict[str, bool] = {}

    def batch_lines(self, batch_id: str):  # type: ignore[no-untyped-def]
        return list(self.lines.values())

    def reservation_holds(self, instruction) -> bool:  # type: ignore[no-untyped-def]
        return instruction.instruction_id in self.lines and instruction.instruction_id not in self.outcomes

    def apply(self, instruction, succeeded: bool, bank_serial: str, reason: str) -> None:  # type: ignore[no-untyped-def]
        self.outcomes.setdefault(instruction.instruction_id, succeeded)


def _batch_of(s: Setup, lines):  # type: ignore[no-untyped-def]
    businesses = FakeBusinesses(lines)
    settlement = SettlementService(s.store, s.gateway, businesses, s.clock, workflows=s)
    return businesses, BatchSettlement(s.store, s.store, s.gateway, businesses, settlement, s.clock)


def test_a_batch_of_payouts_goes_as_bdc103_and_pays_each_card_once(s):
    from hpf.ledger.settlement_port import Counterparty, SettlementInstruction

    people = [(f"62170099000000{n:05d}", f"36060219880808{n:03d}X", Decimal(f"{n}00.00")) for n in range(1, 4)]
    for card, id_number, _ in people:
        s.bank.issue_card(card, "周敏", id_number)
    lines = [SettlementInstruction(f"WDR-BATCH-{n}", "02", "pay", "360600", amount,
                                   Counterparty(card, "周敏", "中国建设银行鹰潭分行", id_number), f"WDR-BATCH-{n}",
                                   "部分提取") for n, (card, id_number, amount) in enumerate(people, 1)]
    businesses, batches = _batch_of(s, lines)
    before = s.bank.balance(SPECIAL)
    s.bank.inject("drop_after_book", "BDC103")  # the file booked, its answer lost: asked, never sent again
    batches.receive("PAYOUT-BATCH-01", "360600")
    assert batches.send("PAYOUT-BATCH-01")["status"] == "UNKNOWN"
    assert batches.query("PAYOUT-BATCH-01")["outcome"] == "done"
    assert batches.apply("PAYOUT-BATCH-01")["applied"] == 3
    assert batches.get("PAYOUT-BATCH-01").tx_code == "BDC103"
    assert before - s.bank.balance(SPECIAL) == Decimal("600.00")
    assert [s.bank.balance(card) for card, _, _ in people] == [Decimal("100.00"), Decimal("200.00"), Decimal("300.00")]
    assert businesses.outcomes == {"WDR-BATCH-1": True, "WDR-BATCH-2": True, "WDR-BATCH-3": True}
    assert len(s.bank.batches) == 1


def test_a_batch_of_collections_goes_as_bdc104_and_a_short_account_fails_alone(s):
    from hpf.ledger.settlement_port import Counterparty, SettlementInstruction

    payers = [("36050100000000001001", "50000.00"), ("36050100000000001002", "1.00")]
    for account, balance in payers:
        s.bank.open_account(account, "鹰潭托收单位", balance)
    lines = [SettlementInstruction(f"COL-BATCH-{n}", "01", "collect", "360600", Decimal("1632.00"),
                                   Counterparty(account, "鹰潭托收单位", "中国建设银行鹰潭分行"), f"RMT-BATCH-{n}",
                                   "汇缴托收", agreement_no=f"TS-{n}") for n, (account, _) in enumerate(payers, 1)]
    businesses, batches = _batch_of(s, lines)
    batches.receive("COLLECT-BATCH-01", "360600")
    batches.send("COLLECT-BATCH-01")
    assert batches.query("COLLECT-BATCH-01")["outcome"] == "done"
    batches.apply("COLLECT-BATCH-01")
    assert batches.get("COLLECT-BATCH-01").tx_code == "BDC104"
    assert businesses.outcomes == {"COL-BATCH-1": True, "COL-BATCH-2": False}
    assert s.store.rows["COL-BATCH-2"].failure_reason == "扣款账户余额不足"
    assert s.bank.balance("36050100000000001002") == Decimal("1.00")
    sent = next(m for m in s.bank.received if m.tx_code == "BDC104")
    assert [ln["ConAgrNo"] for ln in sent.lists["DETAIL_LIST"]] == ["TS-1", "TS-2"]


def test_a_batch_moves_money_one_way():
    from hpf.ledger.settlement_port import Counterparty, SettlementInstruction
    from hpf.settlement.batches import batch_code

    pay = SettlementInstruction("A-00000001", "02", "pay", "360600", Decimal("1.00"), Counterparty("1", "甲", "105"),
                                "A", "付")
    collect = SettlementInstruction("B-00000001", "01", "collect", "360600", Decimal("1.00"),
                                    Counterparty("2", "乙", "105"), "B", "收")
    loan = SettlementInstruction("C-00000001", "05", "collect", "360600", Decimal("1.00"),
                                 Counterparty("3", "丙", "105"), "C", "扣")
    assert (batch_code([pay]), batch_code([collect]), batch_code([loan])) == ("BDC103", "BDC104", "BDC105")
    with pytest.raises(ValueError):
        batch_code([pay, collect])
