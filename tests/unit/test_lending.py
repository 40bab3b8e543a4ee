"""Loan servicing on hand-written fakes: the repayment plans exact to the fen, the loan lifecycle, disbursement,
deduction batches, early repayment and settlement, and what each booked movement journals."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import BusinessRuleViolation, Conflict, Forbidden
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role
from hpf.ledger.accounting import Side
from hpf.lending.amortization import (
    RepaymentMethod,
    accrued_interest,
    add_months,
    equal_payment,
    schedule,
)
from hpf.lending.deduction import DeductionRun, batch_id_of
from hpf.lending.model import LOAN_LIFECYCLE, LoanEvent, LoanStatus, Party
from hpf.lending.service import LoanService, LoanTerms
from tests.fakes.lending import FakeFinancialLedger, FakeLoanStore

BORROWER_ID = "360602199003150018"
APPROVER = Principal("appr01", "staff", frozenset({Role.APPROVER}), "刘科长", org="360600", channel=Channel.COUNTER)
FINANCE = Principal("fin01", "staff", frozenset({Role.FINANCE}), "赵会计", org="360600", channel=Channel.COUNTER)
BORROWER = Principal("u-zhao", "depositor", frozenset({Role.DEPOSITOR}), "赵磊", id_number=BORROWER_ID,
                     channel=Channel.APP)
STRANGER = Principal("u-x", "depositor", frozenset({Role.DEPOSITOR}), "某人", id_number="360602199001010011",
                     channel=Channel.APP)
SPECIAL = "36050188000000000105"


# -- plans ----------------------------------------------------------------------------------------------------------
def _exact_payment(principal: int, rate: Fraction, months: int) -> Decimal:
    r = rate / 12
    growth = (1 + r) ** months
    exact = Fraction(principal) * r * growth / (growth - 1)
    return Decimal(exact.numerator) / Decimal(exact.denominator)


@pytest.mark.parametrize("principal,rate,months", [(300000, "0.026", 360), (500000, "0.031", 240),
                                                   (120000, "0.021", 60), (1000, "0.026", 1)])
def test_equal_installment_payment_is_the_annuity_rounded_to_the_fen(principal, rate, months):
    expected = _exact_payment(principal, Fraction(rate), months).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert equal_payment(Decimal(principal), Decimal(rate), months) == expected


@pytest.mark.parametrize("method", list(RepaymentMethod))
def test_every_plan_repays_the_principal_exactly_and_ends_at_zero(method):
    plan = schedule(Decimal("300000.00"), Decimal("0.026"), 360, method, date(2026, 1, 31))
    assert sum(i.principal for i in plan) == Decimal("300000.00")
    assert plan[-1].balance_after == 0 and len(plan) == 360
    assert all(i.principal > 0 and i.interest >= 0 for i in plan)
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        assert len({i.payment for i in plan[:-1]}) == 1  # the same payment every month but the last
        assert abs(plan[-1].payment - plan[0].payment) < Decimal("1.00")
    else:
        assert len({i.principal for i in plan[:-1]}) == 1
        assert plan[0].payment > plan[-1].payment  # interest falls as the balance does
    # interest each month is the balance before it × r, to the fen
    balance = Decimal("300000.00")
    for i in plan[:3]:
        assert i.interest == (balance * Decimal("0.026") / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)
        balance = i.balance_after


def _half_up(exact: Fraction) -> Decimal:
    """An exact fraction rounded half-up to the fen, in integers: no Decimal context in the way."""
    fen = (exact * 100 * 2 + 1) // 2 if exact >= 0 else -((-exact * 100 * 2 + 1) // 2)
    return Decimal(int(fen)) / 100


def test_a_half_fen_of_monthly_interest_rounds_up_as_the_exact_fraction_does():
    """287,100.00 at 3.1 % owes exactly 741.675 a month: 741.68 half-up (a monthly rate cut to 28 digits first
    gave 741.67)."""
    plan = schedule(Decimal("287100.00"), Decimal("0.031"), 12, RepaymentMethod.EQUAL_PRINCIPAL, date(2026, 1, 15))
    assert plan[0].interest == Decimal("741.68")
    # every month of plans whose balances hit half fens, against the exact fraction
    for principal, rate in [("287100.00", "0.031"), ("123456.78", "0.0275"), ("600000.00", "0.03075")]:
        for method in RepaymentMethod:
            balance = Fraction(principal)
            for i in schedule(Decimal(principal), Decimal(rate), 36, method, date(2026, 1, 15)):
                assert i.interest == _half_up(balance * Fraction(rate) / 12)
                balance -= Fraction(i.principal)


def test_accrued_interest_half_fens_round_up_as_the_exact_fraction_does():
    for principal, rate, days in [("100000.00", "0.026", 9), ("287100.00", "0.031", 1), ("54321.00", "0.0285", 17)]:
        exact = Fraction(principal) * Fraction(rate) * days / 360
        assert accrued_interest(Decimal(principal), Decimal(rate), date(2026, 3, 1),
                                date(2026, 3, 1 + days)) == _half_up(exact)


def test_due_dates_keep_the_disbursement_day_or_the_month_end():
    plan = schedule(Decimal("12000.00"), Decimal("0.026"), 3, RepaymentMethod.EQUAL_PRINCIPAL, date(2026, 1, 31))
    assert [i.due for i in plan] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def test_accrued_interest_is_by_the_day_on_360():
    assert accrued_interest(Decimal("100000.00"), Decimal("0.026"), date(2026, 3, 15), date(2026, 4, 14)) == \
        Decimal("216.67")
    assert accrued_interest(Decimal("100000.00"), Decimal("0.026"), date(2026, 3, 15), date(2026, 3, 15)) == 0


def test_loan_lifecycle_table_over_every_pair():
    allowed = {(LoanStatus.AWAITING_DISBURSEMENT, LoanEvent.DISBURSE), (LoanStatus.DISBURSING, LoanEvent.DISBURSED),
               (LoanStatus.DISBURSING, LoanEvent.DISBURSEMENT_FAILED), (LoanStatus.REPAYING, LoanEvent.PAID_OFF)}
    for state, event in itertools.product(LoanStatus, LoanEvent):
        if (state, event) in allowed:
            LOAN_LIFECYCLE.next(state, event)
        else:
            with pytest.raises(BusinessRuleViolation) as refused:
                LOAN_LIFECYCLE.next(state, event)
            assert refused.value.code == "LOAN_STATUS_TRANSITION_NOT_ALLOWED"


# -- servicing ------------------------------------------------------------------------------------------------------
def _terms(contract_no="JK2026000001", principal="240000.00", months=120, method=RepaymentMethod.EQUAL_INSTALLMENT):
    return LoanTerms(contract_no, "360600", Party("360600100001", "赵磊", "105", BORROWER_ID),
                     Party("6217000000000001", "赵磊", "105", BORROWER_ID),
                     Party("36050100000000000777", "鹰潭某房地产开发有限公司", "105"), Decimal(principal),
                     Decimal("0.026"), months, method, "鹰潭市月湖区某小区1栋101")


class World:
    def __init__(self, day=datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI)):
        self.clock = FixedClock(day)
        self.store = FakeLoanStore()
        self.ledger = FakeFinancialLedger()
        self.loans = LoanService(self.store, self.ledger, lambda org: SPECIAL, self.clock)
        self.run = DeductionRun(self.store, self.clock)

    def instruction(self, name):  # the instruction the last event of that kind carried
        from hpf.ledger.settlement_port import SettlementInstruction

        event = [e for e in self.store.events if e.event_type == f"lending.{name}"][-1]
        return SettlementInstruction.from_payload(event.payload["instruction"])

    def disbursed(self, **terms):
        loan = self.loans.register(_terms(**terms), APPROVER)
        self.loans.disburse(loan.loan_no, FINANCE)
        self.loans.record(self.instruction("DisbursementRequested"), True, "105000000001", "")
        return self.store.get(loan.loan_no)

    def to_day(self, day: date):
        self.clock._at = datetime(day.year, day.month, day.day, 6, 0, tzinfo=SHANGHAI)


def test_disbursement_pays_the_seller_then_starts_the_plan_and_journals_it():
    w = World()
    loan = w.loans.register(_terms(), APPROVER)
    assert loan.status is LoanStatus.AWAITING_DISBURSEMENT and loan.loan_no == "DKJK2026000001"
    loan = w.loans.disburse(loan.loan_no, FINANCE)
    sent = w.instruction("DisbursementRequested")
    assert (sent.business, sent.direction, sent.amount) == ("04", "pay", Decimal("240000.00"))
    assert sent.counterparty.account_no == "36050100000000000777" and w.loans.holds(sent)
    assert loan.status is LoanStatus.DISBURSING and not w.ledger.entries  # nothing booked before the bank
    w.loans.record(sent, True, "105000000001", "")
    loan = w.store.get(loan.loan_no)
    assert loan.status is LoanStatus.REPAYING and loan.balance == Decimal("240000.00")
    assert len(loan.plan) == 120 and loan.plan[0].due == date(2026, 4, 16)
    entry = w.ledger.entries[sent.instruction_id]
    assert {(ln.subject, ln.side, ln.amount) for ln in entry.lines} == {
        ("121", Side.DEBIT, Decimal("240000.00")), ("101", Side.CREDIT, Decimal("240000.00"))}
    w.loans.record(sent, True, "105000000001", "")  # told twice: nothing more
    assert len(w.store.details(loan.loan_no)) == 1 and not w.loans.holds(sent)


def test_a_refused_disbursement_goes_back_to_waiting_and_may_be_sent_again_under_a_new_id():
    w = World()
    loan = w.loans.register(_terms(), APPROVER)
    w.loans.disburse(loan.loan_no, FINANCE)
    first = w.instruction("DisbursementRequested")
    w.loans.record(first, False, "", "收款账户户名不符")
    loan = w.store.get(loan.loan_no)
    assert loan.status is LoanStatus.AWAITING_DISBURSEMENT and loan.last_failure == "收款账户户名不符"
    w.loans.disburse(loan.loan_no, FINANCE)
    assert w.instruction("DisbursementRequested").instruction_id != first.instruction_id
    with pytest.raises(Conflict):
        w.loans.register(_terms(), APPROVER)  # a contract is registered once


def test_deduction_batch_takes_what_is_due_once_and_books_each_outcome():
    w = World()
    a = w.disbursed()
    b = w.disbursed(contract_no="JK2026000002", principal="100000.00", months=60,
                    method=RepaymentMethod.EQUAL_PRINCIPAL)
    w.to_day(date(2026, 4, 15))
    assert w.run.run("360600", date(2026, 4, 15)) is None  # nothing due yet
    w.to_day(date(2026, 4, 16))
    batch = w.run.run("360600", date(2026, 4, 16))
    assert batch.batch_id == batch_id_of("360600", date(2026, 4, 16)) and len(batch.lines) == 2
    assert w.run.run("360600", date(2026, 4, 16)) == batch  # the schedule firing twice: the same batch
    line_a = next(ln for ln in batch.lines if ln.reference == a.loan_no)
    line_b = next(ln for ln in batch.lines if ln.reference == b.loan_no)
    assert line_a.amount == a.plan[0].payment and line_a.counterparty.account_no == "6217000000000001"
    with pytest.raises(BusinessRuleViolation) as busy:
        w.loans.request_early_repayment(a.loan_no, "REQ-000000001", None, BORROWER)
    assert busy.value.code in ("LOAN_BUSY", "INSTALLMENT_DUE_FIRST")
    w.loans.record(line_a, True, "105000000009", "")
    w.loans.record(line_b, False, "", "扣款账户余额不足")
    a2, b2 = w.store.get(a.loan_no), w.store.get(b.loan_no)
    assert a2.balance == a.balance - a.plan[0].principal and a2.paid_periods == 1 and a2.plan[0].period == 2
    entry = w.ledger.entries[line_a.instruction_id]
    assert entry.total(Side.DEBIT) == line_a.amount
    assert {ln.subject for ln in entry.lines} == {"101", "121", "401"}
    assert b2.balance == b.balance and b2.plan[0].period == 1 and not b2.in_flight
    # the next day the failed installment is overdue and goes again, under a new line id
    w.to_day(date(2026, 4, 17))
    assert [i.period for i in b2.overdue_on(date(2026, 4, 17))] == [1]
    retry = w.run.run("360600", date(2026, 4, 17))
    assert [ln.reference for ln in retry.lines] == [b.loan_no] and retry.lines[0].instruction_id != line_b.instruction_id
    w.loans.record(retry.lines[0], True, "105000000010", "")
    detail = next(d for d in w.store.details(b.loan_no) if d.detail_id == retry.lines[0].instruction_id)
    assert detail.type.value == "04"  # 逾期还款: paid after its due date


def test_marks_of_a_batch_never_written_are_dropped_by_a_later_run():
    w = World()
    a = w.disbursed()
    w.to_day(date(2026, 4, 16))
    w.run._mark(w.store.get(a.loan_no), batch_id_of("360600", date(2026, 4, 16)), date(2026, 4, 16))  # then died
    w.to_day(date(2026, 4, 17))
    batch = w.run.run("360600", date(2026, 4, 17))
    assert [ln.instruction_id for ln in batch.lines] == [f"DED-{a.loan_no}-001-20260417"]
    assert list(w.store.get(a.loan_no).in_flight) == [f"DED-{a.loan_no}-001-20260417"]


def test_partial_early_repayment_lowers_the_payment_over_the_same_months():
    w = World()
    a = w.disbursed()
    w.to_day(date(2026, 4, 10))
    quote = w.loans.quote(a.loan_no, Decimal("50000.00"), BORROWER)
    assert quote.interest == accrued_interest(Decimal("50000.00"), Decimal("0.026"), date(2026, 3, 16),
                                              date(2026, 4, 10)) == Decimal("90.28")
    loan, asked = w.loans.request_early_repayment(a.loan_no, "REQ-000000001", Decimal("50000.00"), BORROWER)
    again, _ = w.loans.request_early_repayment(a.loan_no, "REQ-000000001", Decimal("50000.00"), BORROWER)
    assert asked == quote and len(again.in_flight) == 1  # the same request twice is one repayment
    sent = w.instruction("EarlyRepaymentRequested")
    assert (sent.direction, sent.amount, sent.agreement_no) == ("collect", quote.amount, "JK2026000001")
    w.loans.record(sent, True, "105000000020", "")
    after = w.store.get(a.loan_no)
    assert after.balance == Decimal("190000.00") and len(after.plan) == 120
    assert after.plan[0].payment == quote.next_payment < a.plan[0].payment
    assert sum(i.principal for i in after.plan) == Decimal("190000.00")


def test_full_early_repayment_settles_the_loan():
    w = World()
    a = w.disbursed()
    w.to_day(date(2026, 4, 16))
    batch = w.run.run("360600", date(2026, 4, 16))
    w.loans.record(batch.lines[0], True, "105000000009", "")
    w.to_day(date(2026, 4, 20))
    with pytest.raises(BusinessRuleViolation) as small:
        w.loans.request_early_repayment(a.loan_no, "REQ-000000002", Decimal("999.99"), BORROWER)
    assert small.value.code == "EARLY_REPAYMENT_TOO_LITTLE"
    with pytest.raises(Forbidden):
        w.loans.quote(a.loan_no, None, STRANGER)
    _, quote = w.loans.request_early_repayment(a.loan_no, "REQ-000000003", None, BORROWER)
    loan = w.store.get(a.loan_no)
    assert quote.full and quote.principal == loan.balance
    assert quote.interest == accrued_interest(loan.balance, Decimal("0.026"), date(2026, 4, 16), date(2026, 4, 20))
    w.loans.record(w.instruction("EarlyRepaymentRequested"), True, "105000000030", "")
    settled = w.store.get(a.loan_no)
    assert settled.status is LoanStatus.SETTLED and settled.balance == 0 and not settled.plan
    assert settled.settled_on == date(2026, 4, 20)
    assert [e.event_type for e in w.store.events][-1] == "lending.LoanSettled"
    with pytest.raises(BusinessRuleViolation) as done:
        w.loans.quote(a.loan_no, None, BORROWER)
    assert done.value.code == "LOAN_NOT_REPAYING"
    # principal in = principal out, in the financial ledger: subject 121 nets to zero
    net = sum((ln.amount if ln.side is Side.DEBIT else -ln.amount) for e in w.ledger.entries.values() for ln in e.lines
              if ln.subject == "121")
    assert net == 0


def test_early_repayment_waits_for_an_overdue_installment():
    w = World()
    a = w.disbursed()
    w.to_day(date(2026, 4, 20))
    with pytest.raises(BusinessRuleViolation) as due:
        w.loans.request_early_repayment(a.loan_no, "REQ-000000004", None, BORROWER)
    assert due.value.code == "INSTALLMENT_DUE_FIRST"


def test_the_same_outcome_told_twice_at_once_books_once():
    w = World()
    loan = w.loans.register(_terms(), APPROVER)
    w.loans.disburse(loan.loan_no, FINANCE)
    sent = w.instruction("DisbursementRequested")
    save, raced = w.store.save, []

    def save_after_another_task(loan, detail=None, events=()):  # type: ignore[no-untyped-def]
        if detail is not None and not raced:  # another task tells the same outcome between our read and write
            raced.append(True)
            w.loans.record(sent, True, "105000000001", "")
        save(loan, detail, events)

    w.store.save = save_after_another_task
    w.loans.record(sent, True, "105000000001", "")  # loses the race: reads again, finds it booked, journals once
    assert raced and len(w.store.details(loan.loan_no)) == 1 and len(w.ledger.entries) == 1
    assert w.store.get(loan.loan_no).status is LoanStatus.REPAYING


class FakeCards:
    """The bank's card check as lending sees it: the cards it knows, and whose they are."""

    def __init__(self, cards: dict[str, tuple[str, str, str]]):
        self.cards, self.asked = cards, []

    def problem(self, org: str, card_no: str, name: str, id_number: str) -> str:
        self.asked.append(card_no)
        holder = self.cards.get(card_no)
        if holder is None:
            return "卡号不存在"
        if holder[:2] != (name, id_number):
            return "户名不符"
        return "三类账户不能作为还款账户" if holder[2] == "3" else ""


def test_the_repayment_card_is_the_borrowers_own_and_checked_with_the_bank():
    w = World()
    cards = FakeCards({"6217000000000001": ("赵磊", BORROWER_ID, "1"), "6217000000000002": ("赵磊", BORROWER_ID, "3")})
    loans = LoanService(w.store, w.ledger, lambda org: SPECIAL, w.clock, cards=cards)
    wrong_holder = _terms()
    wrong_holder = LoanTerms(**{**wrong_holder.__dict__, "repayment_card": Party("6217000000000001", "李四", "105",
                                                                                   "360602199001011237")})
    with pytest.raises(BusinessRuleViolation) as not_theirs:
        loans.register(wrong_holder, APPROVER)
    assert not_theirs.value.code == "REPAYMENT_CARD_NOT_BORROWERS" and cards.asked == []
    for card, reason in (("6217000000000009", "卡号不存在"), ("6217000000000002", "三类账户")):
        terms = LoanTerms(**{**_terms().__dict__, "repayment_card": Party(card, "赵磊", "105", BORROWER_ID)})
        with pytest.raises(BusinessRuleViolation) as rejected:
            loans.register(terms, APPROVER)
        assert rejected.value.code == "REPAYMENT_CARD_REJECTED" and reason in rejected.value.message
    assert loans.register(_terms(), APPROVER).status is LoanStatus.AWAITING_DISBURSEMENT
    assert cards.asked[-1] == "6217000000000001"


def test_a_loan_moved_while_the_run_saved_its_marks_is_decided_again_alone():
    """The run saves its marks many loans at a time; one a concurrent change moved meanwhile is read again and
    decided on its own — its line is still in the batch and the concurrent change is kept."""
    w = World()
    a = w.disbursed(contract_no="JK-MOVED-A")
    b = w.disbursed(contract_no="JK-MOVED-B")
    store, saving = w.store, w.store.save_many

    def save_many_while_b_moves(loans):  # type: ignore[no-untyped-def]
        concurrent = store.get(b.loan_no)
        concurrent.last_failure = "changed meanwhile"
        store.save(concurrent)
        return saving(loans)

    store.save_many = save_many_while_b_moves  # type: ignore[method-assign]
    w.to_day(date(2026, 4, 16))
    batch = w.run.run("360600", date(2026, 4, 16))
    assert sorted(line.reference for line in batch.lines) == sorted([a.loan_no, b.loan_no])
    moved = store.get(b.loan_no)
    assert moved.last_failure == "changed meanwhile" and len(moved.in_flight) == 1
