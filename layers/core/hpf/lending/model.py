"""The loan account (贷款账户) as the center services it after the contract is signed: disbursement, the monthly
plan, deductions, early repayment, settlement. Origination (applications, approval chain, video signing) is
the lending area's front half and not here yet: a loan enters at registration of its signed contract.

Status lifecycle (one table; every pair is tested):

    AWAITING_DISBURSEMENT ──disburse──▶ DISBURSING ──disbursed──▶ REPAYING ──paid_off──▶ SETTLED
              ▲                              │
              └────disbursement_failed───────┘   (the bank refused: finance may send it again)

Money in flight is kept on the loan (``in_flight``): an installment sent in a deduction batch, an early
repayment sent as a collection. Nothing is booked on the loan until settlement says the bank did it; an
unknown outcome leaves it in flight — the installment is neither paid nor overdue-by-failure until it is known.
Every movement is a ``LoanDetail`` (贷款业务明细), appended, never changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from hpf.common.coded import CodedEnum
from hpf.common.lifecycle import Lifecycle
from hpf.common.money import ZERO
from hpf.lending.amortization import Installment, RepaymentMethod


class LoanStatus(CodedEnum):
    AWAITING_DISBURSEMENT = ("01", "待放款")
    DISBURSING = ("02", "放款中")
    REPAYING = ("03", "还款中")
    SETTLED = ("04", "已结清")


class LoanEvent(CodedEnum):
    DISBURSE = ("disburse", "发放贷款")
    DISBURSED = ("disbursed", "放款成功")
    DISBURSEMENT_FAILED = ("disbursement_failed", "放款失败")
    PAID_OFF = ("paid_off", "结清")


S, E = LoanStatus, LoanEvent
LOAN_LIFECYCLE: Lifecycle[LoanStatus, LoanEvent] = Lifecycle(
    "LOAN_STATUS",
    "贷款",
    {
        (S.AWAITING_DISBURSEMENT, E.DISBURSE): S.DISBURSING,
        (S.DISBURSING, E.DISBURSED): S.REPAYING,
        (S.DISBURSING, E.DISBURSEMENT_FAILED): S.AWAITING_DISBURSEMENT,
        (S.REPAYING, E.PAID_OFF): S.SETTLED,
    },
)


class DetailType(CodedEnum):
    """贷款业务明细类型 DKYWMXLX (basic data standard A.15, domain facts §2)."""

    DISBURSEMENT = ("01", "发放")
    REPAYMENT = ("02", "正常还款")
    EARLY_REPAYMENT = ("03", "提前还款")
    OVERDUE_REPAYMENT = ("04", "逾期还款")
    SETTLEMENT = ("06", "结清")


class FlightKind(CodedEnum):
    INSTALLMENT = ("installment", "批量扣款")
    EARLY_REPAYMENT = ("early", "提前还款")
    DISBURSEMENT = ("disbursement", "放款")


@dataclass(frozen=True)
class Party:
    """A person or account on the loan: the borrower's repayment card, the seller's receiving account."""

    account_no: str
    name: str
    bank: str  # bank code (105 建行…) or name as settlement needs it
    id_number: str = ""


@dataclass(frozen=True)
class InFlight:
    """A movement sent to the bank whose outcome the loan waits for (keyed by the settlement instruction id)."""

    kind: FlightKind
    amount: Decimal
    principal: Decimal
    interest: Decimal
    period: int = 0  # the installment, for a deduction
    batch_id: str = ""
    full: bool = False  # an early repayment that settles the loan
    requested_on: date | None = None


@dataclass(frozen=True)
class LoanDetail:
    """贷款业务明细: one movement on the loan, as booked. Its id is the settlement instruction's."""

    detail_id: str
    loan_no: str
    type: DetailType
    on: date
    amount: Decimal
    principal: Decimal
    interest: Decimal
    balance_after: Decimal
    period: int = 0
    bank_serial: str = ""


@dataclass
class Loan:
    loan_no: str  # 贷款账号 DKZH
    contract_no: str  # 借款合同编号 JKHTBH
    org: str
    borrower: Party  # name, ID; account_no = the borrower's 个人公积金账号
    repayment_card: Party  # 还款账户: the card deducted every month
    payee: Party  # 收款账户: the seller's (developer's supervised) account the loan is paid into
    principal: Decimal  # 合同贷款金额 HTDKJE
    annual_rate: Decimal  # 借款合同利率 JKHTLL, e.g. 0.026
    months: int  # 贷款期数 DKQS
    method: RepaymentMethod  # 还款方式 DKHKFS
    house_address: str
    status: LoanStatus
    registered_on: date
    balance: Decimal = ZERO  # 贷款余额 DKYE
    disbursed_on: date | None = None
    plan: list[Installment] = field(default_factory=list)  # unpaid installments, current terms
    paid_periods: int = 0  # installments paid so far
    interest_from: date | None = None  # interest runs from here: the disbursement, then each paid due date
    in_flight: dict[str, InFlight] = field(default_factory=dict)
    disbursements: int = 0  # attempts: each has its own instruction id
    settled_on: date | None = None
    last_failure: str = ""  # the bank's reason when the last movement failed
    version: int = 0

    def record(self, event: LoanEvent) -> None:
        self.status = LOAN_LIFECYCLE.next(self.status, event)

    def due_by(self, day: date) -> list[Installment]:
        """Installments due on or before ``day`` that are neither paid nor on their way to the bank."""
        sending = {f.period for f in self.in_flight.values() if f.kind is FlightKind.INSTALLMENT}
        return [i for i in self.plan if i.due <= day and i.period not in sending]

    def overdue_on(self, day: date) -> list[Installment]:
        """逾期: installments whose due date has passed unpaid (in flight or not)."""
        return [i for i in self.plan if i.due < day]

    @property
    def remaining_months(self) -> int:
        return len(self.plan)

    def disbursement_id(self) -> str:
        return f"DSB-{self.loan_no}-{self.disbursements}"
