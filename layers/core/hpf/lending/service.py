"""Loan servicing: register a signed contract, disburse it, take early repayments, and book what the bank did.

Money only moves through settlement. A step that needs the bank writes the loan (money in flight) and the event
carrying its settlement instruction in one transaction; the lending-events consumer hands the instruction to the
settlement port. Settlement calls back (``holds``, ``record``) through its ledger port once the bank's outcome is
known — never before: an unknown outcome keeps the money in flight.

Scenario → what the loan does:
| settlement says                      | loan                                                             |
| disbursement booked                  | REPAYING, balance = principal, plan from today; Dr 121 / Cr 101  |
| disbursement failed                  | back to AWAITING_DISBURSEMENT with the bank's reason             |
| installment booked                   | installment paid (02, or 04 when after its due date); Cr 121/401 |
| installment failed                   | stays in the plan: overdue from its due date, next batch retries |
| early repayment booked (part / full) | balance down, plan recomputed over the same months / SETTLED     |
| early repayment failed               | nothing changes; the borrower may ask again                      |
| the same outcome told twice          | the detail exists already: only the journal is (idempotently) redone |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound
from hpf.common.events import DomainEvent
from hpf.common.money import ZERO, to_money
from hpf.common.paging import Page, PageRequest
from hpf.identity.principal import Principal
from hpf.identity.roles import Role
from hpf.ledger.settlement_port import Counterparty, SettlementInstruction
from hpf.lending.accounting import disbursement_entry, repayment_entry
from hpf.lending.amortization import Installment, RepaymentMethod, accrued_interest, schedule
from hpf.lending.model import (
    DetailType,
    FlightKind,
    InFlight,
    Loan,
    LoanDetail,
    LoanEvent,
    LoanStatus,
    Party,
)
from hpf.lending.ports import CardVerifier, FinancialLedger, LoanStore

DISBURSEMENT, LOAN_REPAYMENT = "04", "05"  # settlement BusType: 委托贷款资金划转, 贷款扣款
MAX_MONTHS = 360
MIN_EARLY_REPAYMENT = Decimal("1000.00")  # a partial early repayment below this is refused (docs/lending.md)


@dataclass(frozen=True)
class LoanTerms:
    contract_no: str
    org: str
    borrower: Party
    repayment_card: Party
    payee: Party
    principal: Decimal
    annual_rate: Decimal
    months: int
    method: RepaymentMethod
    house_address: str


@dataclass(frozen=True)
class EarlyRepaymentQuote:
    """What an early repayment on ``on`` would cost, and the plan after it."""

    loan_no: str
    on: date
    principal: Decimal
    interest: Decimal
    full: bool
    balance_after: Decimal
    next_payment: Decimal  # the first installment of the recomputed plan (0 when settled)

    @property
    def amount(self) -> Decimal:
        return self.principal + self.interest


class LoanService:
    def __init__(self, store: LoanStore, ledger: FinancialLedger, special_account: Callable[[str], str],
                 clock: Clock, bank_link_on: bool = True, cards: CardVerifier | None = None):
        """``cards``: the bank's check of the repayment card at registration; None where no bank link answers it
        (manual mode) — the first deduction then finds a wrong card."""
        self._cards = cards
        self._store = store
        self._ledger = ledger
        self._special_account = special_account  # org → its special account number (the 101 明细)
        self._clock = clock
        self._bank_link_on = bank_link_on

    # -- origination's hand-over -------------------------------------------------------------------------------
    def register(self, terms: LoanTerms, actor: Principal) -> Loan:
        """登记已签订的借款合同: the loan exists, awaiting disbursement. A contract is registered once."""
        actor.require_org(terms.org)
        if terms.principal <= 0 or to_money(terms.principal) != terms.principal:
            raise BusinessRuleViolation("贷款金额须为正数且精确到分", code="LOAN_AMOUNT_INVALID")
        if not 0 < terms.months <= MAX_MONTHS:
            raise BusinessRuleViolation(f"贷款期数须在1至{MAX_MONTHS}个月之间", code="LOAN_TERM_INVALID")
        if not Decimal("0") <= terms.annual_rate < Decimal("0.2"):
            raise BusinessRuleViolation("贷款年利率超出合理范围", code="LOAN_RATE_INVALID")
        card = terms.repayment_card
        if card.id_number != terms.borrower.id_number or card.name != terms.borrower.name:
            raise BusinessRuleViolation("还款账户须为借款人本人的银行卡", code="REPAYMENT_CARD_NOT_BORROWERS")
        problem = self._cards.problem(terms.org, card.account_no, card.name, card.id_number) if self._cards else ""
        if problem:
            raise BusinessRuleViolation(f"还款账户校验未通过：{problem}", code="REPAYMENT_CARD_REJECTED")
        loan = Loan(f"DK{terms.contract_no}", terms.contract_no, terms.org, terms.borrower, terms.repayment_card,
                    terms.payee, terms.principal, terms.annual_rate, terms.months, terms.method,
                    terms.house_address, LoanStatus.AWAITING_DISBURSEMENT, business_date(self._clock))
        self._store.add(loan)
        return loan

    # -- disbursement (4.2.3) -----------------------------------------------------------------------------------
    def disburse(self, loan_no: str, actor: Principal) -> Loan:
        """发放: pay the principal to the seller's account. The loan waits, DISBURSING, for the bank."""
        self._require_bank_link()
        loan = self.get(loan_no, actor)
        loan.record(LoanEvent.DISBURSE)
        loan.disbursements += 1
        loan.last_failure = ""
        instruction_id = loan.disbursement_id()
        loan.in_flight[instruction_id] = InFlight(FlightKind.DISBURSEMENT, loan.principal, loan.principal, ZERO,
                                                  requested_on=business_date(self._clock))
        instruction = instruction_of(loan, instruction_id)
        self._store.save(loan, events=(self._requested("DisbursementRequested", instruction),))
        return loan

    # -- early repayment (4.2.5) --------------------------------------------------------------------------------
    def quote(self, loan_no: str, principal: Decimal | None, actor: Principal) -> EarlyRepaymentQuote:
        """试算: the principal asked (all of it when None) plus the interest it accrued since the last due date."""
        loan = self.get(loan_no, actor)
        return self._quote(loan, principal)

    def request_early_repayment(self, loan_no: str, request_id: str, principal: Decimal | None,
                                actor: Principal) -> tuple[Loan, EarlyRepaymentQuote]:
        """提前还款: collect the quoted amount from the repayment card. Idempotent by the caller's request id."""
        self._require_bank_link()
        loan = self.get(loan_no, actor)
        instruction_id = f"PRE-{request_id}"
        if instruction_id in loan.in_flight:
            return loan, self._quote_of_flight(loan, instruction_id)
        if self._store.detail(loan_no, instruction_id) is not None:
            raise Conflict("该提前还款申请已办理完毕", code="EARLY_REPAYMENT_DONE")
        if loan.in_flight:
            raise BusinessRuleViolation("该贷款有正在银行处理的扣款，请待其完成后再申请提前还款", code="LOAN_BUSY")
        quote = self._quote(loan, principal)
        loan.in_flight[instruction_id] = InFlight(FlightKind.EARLY_REPAYMENT, quote.amount, quote.principal,
                                                  quote.interest, full=quote.full, requested_on=quote.on)
        instruction = instruction_of(loan, instruction_id)
        self._store.save(loan, events=(self._requested("EarlyRepaymentRequested", instruction),))
        return loan, quote

    def _quote(self, loan: Loan, principal: Decimal | None) -> EarlyRepaymentQuote:
        today = business_date(self._clock)
        if loan.status is not LoanStatus.REPAYING:
            raise BusinessRuleViolation(f"贷款状态为“{loan.status.label}”，不能提前还款", code="LOAN_NOT_REPAYING")
        if loan.due_by(today) or loan.overdue_on(today):
            raise BusinessRuleViolation("有到期未还的本息，请先归还当期及逾期款项", code="INSTALLMENT_DUE_FIRST")
        full = principal is None or principal == loan.balance
        if principal is not None and not full:
            if principal <= 0 or to_money(principal) != principal:
                raise BusinessRuleViolation("提前还款本金须为正数且精确到分", code="EARLY_REPAYMENT_INVALID")
            if principal > loan.balance:
                raise BusinessRuleViolation(f"提前还款本金超过贷款余额{loan.balance}元", code="EARLY_REPAYMENT_TOO_MUCH")
            if principal < MIN_EARLY_REPAYMENT:
                raise BusinessRuleViolation(f"部分提前还款本金不得低于{MIN_EARLY_REPAYMENT}元",
                                            code="EARLY_REPAYMENT_TOO_LITTLE")
        amount = loan.balance if principal is None or full else principal
        interest = accrued_interest(amount, loan.annual_rate, _repaying_since(loan), today)
        after = loan.balance - amount
        plan = self._replan(loan, after)
        return EarlyRepaymentQuote(loan.loan_no, today, amount, interest, full, after,
                                   plan[0].payment if plan else ZERO)

    def _quote_of_flight(self, loan: Loan, instruction_id: str) -> EarlyRepaymentQuote:
        f = loan.in_flight[instruction_id]
        plan = self._replan(loan, loan.balance - f.principal)
        requested_on = f.requested_on or business_date(self._clock)  # always set on an early repayment's flight
        return EarlyRepaymentQuote(loan.loan_no, requested_on, f.principal, f.interest, f.full,
                                   loan.balance - f.principal, plan[0].payment if plan else ZERO)

    @staticmethod
    def _replan(loan: Loan, balance: Decimal) -> list[Installment]:
        """The same remaining months and due dates, over the new balance (缩短月供, not 缩短期限: docs/lending.md)."""
        if balance == 0 or not loan.plan:
            return []
        if loan.disbursed_on is None:
            raise Conflict(f"贷款{loan.loan_no}尚未发放，没有还款计划", code="LOAN_NOT_DISBURSED")
        return schedule(balance, loan.annual_rate, len(loan.plan), loan.method, loan.disbursed_on,
                        first_period=loan.plan[0].period)

    # -- settlement's answers ------------------------------------------------------------------------------------
    def holds(self, instruction: SettlementInstruction) -> bool:
        """The loan still waits for exactly this movement (settlement's check before it sends or releases)."""
        loan = self._store.get(instruction.reference)
        flight = loan.in_flight.get(instruction.instruction_id) if loan else None
        return flight is not None and flight.amount == instruction.amount

    def movement_status(self, instruction: SettlementInstruction) -> str:
        """in_flight | the booked detail's type code | released (failed, or never taken)."""
        loan = self._get(instruction.reference)
        if instruction.instruction_id in loan.in_flight:
            return "in_flight"
        done = self._store.detail(loan.loan_no, instruction.instruction_id)
        return done.type.value if done else "released"

    def record(self, instruction: SettlementInstruction, succeeded: bool, bank_serial: str, reason: str) -> None:
        """The bank's outcome of a movement of this loan. Idempotent by the instruction id; a concurrent change of
        the loan (another movement, the same outcome told twice at once) is read again and decided again."""
        for attempt in range(3):
            try:
                return self._record(instruction, succeeded, bank_serial, reason)
            except Conflict as conflict:
                if conflict.code not in ("CONCURRENT_UPDATE", "LOAN_DETAIL_EXISTS") or attempt == 2:
                    raise

    def _record(self, instruction: SettlementInstruction, succeeded: bool, bank_serial: str, reason: str) -> None:
        loan = self._get(instruction.reference)
        flight = loan.in_flight.get(instruction.instruction_id)
        if flight is None:
            done = self._store.detail(loan.loan_no, instruction.instruction_id)
            if done is not None:
                self._journal(loan, done)  # the detail was booked; its journal entry may not have been
            return  # a failure told before, or booked before: nothing left to do
        del loan.in_flight[instruction.instruction_id]
        if not succeeded:
            self._failed(loan, flight, reason)
            self._store.save(loan)
            return
        today = business_date(self._clock)
        detail = {FlightKind.DISBURSEMENT: self._disbursed, FlightKind.INSTALLMENT: self._installment_paid,
                  FlightKind.EARLY_REPAYMENT: self._prepaid}[flight.kind](loan, flight, today,
                                                                           instruction.instruction_id, bank_serial)
        events = []
        if loan.balance == 0 and loan.status is LoanStatus.REPAYING:
            loan.record(LoanEvent.PAID_OFF)
            loan.settled_on = today
            events.append(DomainEvent("lending.LoanSettled", loan.loan_no, {
                "loan_no": loan.loan_no, "org": loan.org, "id_number": loan.borrower.id_number,
                "settled_on": today.isoformat()}, self._clock.now()))
        self._store.save(loan, detail, tuple(events))
        self._journal(loan, detail)

    def _failed(self, loan: Loan, flight: InFlight, reason: str) -> None:
        loan.last_failure = reason or "银行处理失败"
        if flight.kind is FlightKind.DISBURSEMENT:
            loan.record(LoanEvent.DISBURSEMENT_FAILED)

    def _disbursed(self, loan: Loan, flight: InFlight, today: date, detail_id: str, serial: str) -> LoanDetail:
        loan.record(LoanEvent.DISBURSED)
        loan.disbursed_on = loan.interest_from = today
        loan.balance = loan.principal
        loan.plan = schedule(loan.principal, loan.annual_rate, loan.months, loan.method, today)
        return LoanDetail(detail_id, loan.loan_no, DetailType.DISBURSEMENT, today, flight.amount, flight.amount,
                          ZERO, loan.balance, bank_serial=serial)

    def _installment_paid(self, loan: Loan, flight: InFlight, today: date, detail_id: str,
                          serial: str) -> LoanDetail:
        installment = next(i for i in loan.plan if i.period == flight.period)
        loan.plan.remove(installment)
        loan.paid_periods += 1
        loan.balance -= flight.principal
        loan.interest_from = max(loan.interest_from or installment.due, installment.due)
        kind = DetailType.OVERDUE_REPAYMENT if today > installment.due else DetailType.REPAYMENT
        return LoanDetail(detail_id, loan.loan_no, kind, today, flight.amount, flight.principal, flight.interest,
                          loan.balance, flight.period, serial)

    def _prepaid(self, loan: Loan, flight: InFlight, today: date, detail_id: str, serial: str) -> LoanDetail:
        loan.balance -= flight.principal
        loan.plan = self._replan(loan, loan.balance)
        return LoanDetail(detail_id, loan.loan_no, DetailType.EARLY_REPAYMENT, today, flight.amount,
                          flight.principal, flight.interest, loan.balance, bank_serial=serial)

    def _journal(self, loan: Loan, detail: LoanDetail) -> None:
        account = self._special_account(loan.org)
        if detail.type is DetailType.DISBURSEMENT:
            entry = disbursement_entry(detail.detail_id, detail.on, loan.loan_no, account, detail.amount)
        else:
            entry = repayment_entry(detail.detail_id, detail.on, loan.loan_no, account, detail.principal,
                                    detail.interest, f"{detail.type.label} {loan.loan_no}")
        self._ledger.post_entry(entry)

    # -- queries -----------------------------------------------------------------------------------------------------
    def get(self, loan_no: str, actor: Principal) -> Loan:
        loan = self._get(loan_no)
        require_loan_visible(actor, loan)
        return loan

    def details(self, loan_no: str, actor: Principal) -> list[LoanDetail]:
        self.get(loan_no, actor)
        return sorted(self._store.details(loan_no), key=lambda d: (d.on, d.detail_id))

    def movement(self, detail_id: str, actor: Principal) -> tuple[Loan, LoanDetail]:
        """One booked movement (an early repayment, a deduction) and its loan, for whoever may see the loan."""
        detail = self._store.find_detail(detail_id)
        if detail is None:
            raise NotFound("贷款业务不存在或尚未记账", code="LOAN_DETAIL_NOT_FOUND")
        return self.get(detail.loan_no, actor), detail

    def of_office(self, org: str, status: LoanStatus | None, page: PageRequest, actor: Principal) -> Page[Loan]:
        """贷款台账 of one office, for its own staff."""
        actor.require_org(org)
        return self._store.list_by_org(org, status, page)

    def of_borrower(self, actor: Principal) -> list[Loan]:
        if not actor.id_number:
            raise Forbidden("仅借款人本人可查询", code="FORBIDDEN_SCOPE")
        return self._store.of_borrower(actor.id_number)

    # -- helpers -------------------------------------------------------------------------------------------------------
    def _get(self, loan_no: str) -> Loan:
        loan = self._store.get(loan_no)
        if loan is None:
            raise NotFound("贷款不存在", code="LOAN_NOT_FOUND")
        return loan

    def _requested(self, name: str, instruction: SettlementInstruction) -> DomainEvent:
        return DomainEvent(f"lending.{name}", instruction.instruction_id, {"instruction": instruction.to_payload()},
                           self._clock.now())

    def _require_bank_link(self) -> None:
        if not self._bank_link_on:
            raise Conflict("银企直连未开通，贷款资金请经银行柜面办理", code="BANK_LINK_OFF")


def require_loan_visible(actor: Principal, loan: Loan) -> None:
    """Staff within their office; a borrower their own loans (by the identity system's ID)."""
    if actor.is_staff:
        actor.require_org(loan.org)
        return
    if Role.DEPOSITOR in actor.roles and actor.id_number and actor.id_number == loan.borrower.id_number:
        return
    raise Forbidden("无权查看该贷款", code="FORBIDDEN_SCOPE")


def instruction_of(loan: Loan, instruction_id: str) -> SettlementInstruction:
    """The settlement instruction of a movement in flight on the loan: the same one however often it is asked."""
    f = loan.in_flight[instruction_id]
    if f.kind is FlightKind.DISBURSEMENT:
        return SettlementInstruction(instruction_id, DISBURSEMENT, "pay", loan.org, f.amount,
                                     Counterparty(loan.payee.account_no, loan.payee.name, loan.payee.bank),
                                     loan.loan_no, f"公积金贷款发放 {loan.contract_no}")
    summary = f"公积金贷款第{f.period}期还款" if f.kind is FlightKind.INSTALLMENT else \
        f"公积金贷款提前还款 {loan.contract_no}"
    return SettlementInstruction(instruction_id, LOAN_REPAYMENT, "collect", loan.org, f.amount, card_of(loan),
                                 loan.loan_no, summary, agreement_no=loan.contract_no)


def card_of(loan: Loan) -> Counterparty:
    """The borrower's repayment card as settlement's counterparty of a collection."""
    c = loan.repayment_card
    return Counterparty(c.account_no, c.name, c.bank, c.id_number)


def _repaying_since(loan: Loan) -> date:
    """Where the loan's interest runs from; a repaying loan always has it (set at disbursement)."""
    if loan.interest_from is None:
        raise Conflict(f"贷款{loan.loan_no}尚未发放，不计利息", code="LOAN_NOT_DISBURSED")
    return loan.interest_from
