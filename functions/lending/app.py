"""Lending function app (个人住房贷款): the loan account after signing — registration of the signed contract,
disbursement, the repayment plan and details, early repayment; the daily deduction run and the lending events
consumer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from hpf import bootstrap
from hpf.identity.roles import Role
from hpf.web.api import Api, RequestContext
from hpf.web.schemas import Day, Money, PageQuery, Schema

api = Api("lending", "个人住房贷款", "借款合同登记、放款、还款计划与明细、提前还款、批量扣款")
app = api.app
handler = api.lambda_handler

OrgCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]
BankAccountNo = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{8,32}$")]
BankCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{3}$")]
PersonalAccountNo = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{12,20}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
BORROWER_ROLES = {Role.DEPOSITOR, Role.COUNTER_CLERK}
STAFF_VIEWERS = {Role.COUNTER_CLERK, Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.LEADER}


class PartyIn(Schema):
    model_config = ConfigDict(extra="forbid")
    account_no: BankAccountNo = Field(description="账号")
    name: Name = Field(description="户名")
    bank: BankCode = Field(description="开户银行代码（如105 建设银行）")


class BorrowerIn(Schema):
    model_config = ConfigDict(extra="forbid")
    name: Name = Field(description="借款人姓名")
    id_number: Annotated[str, StringConstraints(pattern=r"^\d{17}[\dX]$")] = Field(description="居民身份证号码")
    account_no: PersonalAccountNo = Field(description="个人公积金账号")


class LoanRegistration(Schema):
    model_config = ConfigDict(extra="forbid")
    contract_no: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{6,30}$")] = Field(
        description="借款合同编号 JKHTBH")
    org: OrgCode = Field(description="经办管理部代码")
    borrower: BorrowerIn
    repayment_card: PartyIn = Field(description="还款账户（借款人本人银行卡，按月扣款）")
    payee: PartyIn = Field(description="收款账户（售房人或开发商资金监管账户）")
    principal: Money = Field(description="合同贷款金额（元）")
    annual_rate: Annotated[Decimal, Field(ge=0, lt=Decimal("0.2"), max_digits=7, decimal_places=5)] = Field(
        description="借款合同年利率，如 0.026")
    months: Annotated[int, Field(ge=1, le=360)] = Field(description="贷款期数（月）")
    method: Literal["01", "02"] = Field(description="还款方式：01 等额本息、02 等额本金")
    house_address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]


class InstallmentView(Schema):
    period: int
    due: date
    payment: str
    principal: str
    interest: str
    balance_after: str


class LoanView(Schema):
    loan_no: str = Field(description="贷款账号 DKZH")
    contract_no: str
    org: str
    borrower_name: str
    status: str
    status_label: str
    principal: str
    annual_rate: str
    months: int
    method: str
    balance: str = Field(description="贷款余额")
    disbursed_on: date | None
    paid_periods: int
    next_installment: InstallmentView | None
    overdue_periods: list[int] = Field(description="逾期未还的期次")
    in_flight: list[str] = Field(description="银行处理中的业务（结算指令号）")
    last_failure: str
    settled_on: date | None

    @classmethod
    def of(cls, loan) -> LoanView:
        from hpf.common.clock import business_date

        today = business_date(bootstrap.clock())
        return cls(loan_no=loan.loan_no, contract_no=loan.contract_no, org=loan.org,
                   borrower_name=loan.borrower.name, status=loan.status.value, status_label=loan.status.label,
                   principal=f"{loan.principal:.2f}", annual_rate=str(loan.annual_rate), months=loan.months,
                   method=loan.method.value, balance=f"{loan.balance:.2f}", disbursed_on=loan.disbursed_on,
                   paid_periods=loan.paid_periods,
                   next_installment=_installment(loan.plan[0]) if loan.plan else None,
                   overdue_periods=[i.period for i in loan.overdue_on(today)], in_flight=sorted(loan.in_flight),
                   last_failure=loan.last_failure, settled_on=loan.settled_on)


def _installment(i) -> InstallmentView:
    return InstallmentView(period=i.period, due=i.due, payment=f"{i.payment:.2f}", principal=f"{i.principal:.2f}",
                           interest=f"{i.interest:.2f}", balance_after=f"{i.balance_after:.2f}")


class LoanPath(Schema):
    model_config = ConfigDict(extra="forbid")
    loan_no: Annotated[str, StringConstraints(pattern=r"^DK[A-Za-z0-9]{6,30}$")] = Field(description="贷款账号")


class LoanList(Schema):
    loans: list[LoanView]


@api.route("/loans", method="POST", roles={Role.APPROVER}, body=LoanRegistration, response=LoanView, status=201,
           summary="登记已签订的借款合同（待放款）")
def register_loan(ctx: RequestContext) -> LoanView:
    from hpf.lending.amortization import RepaymentMethod
    from hpf.lending.model import Party
    from hpf.lending.service import LoanTerms

    b = ctx.body
    party = lambda p, id_number="": Party(p.account_no, p.name, p.bank, id_number)  # noqa: E731
    terms = LoanTerms(b.contract_no, b.org, Party(b.borrower.account_no, b.borrower.name, "", b.borrower.id_number),
                      party(b.repayment_card, b.borrower.id_number), party(b.payee), b.principal, b.annual_rate,
                      b.months, RepaymentMethod(b.method), b.house_address)
    return LoanView.of(bootstrap.loan_service().register(terms, ctx.principal))


@api.route("/loans", roles={Role.DEPOSITOR}, response=LoanList, summary="我的公积金贷款")
def my_loans(ctx: RequestContext) -> LoanList:
    return LoanList(loans=[LoanView.of(ln) for ln in bootstrap.loan_service().of_borrower(ctx.principal)])


class OfficePath(Schema):
    model_config = ConfigDict(extra="forbid")
    org: OrgCode = Field(description="管理部代码")


class OfficeLoansQuery(PageQuery):
    status: Literal["01", "02", "03", "04"] | None = Field(None, description="贷款状态；不填为全部")


class LoanPage(Schema):
    loans: list[LoanView]
    next_page_token: str | None


@api.route("/offices/{org}/loans", roles=STAFF_VIEWERS, path_model=OfficePath, query=OfficeLoansQuery,
           response=LoanPage, summary="贷款台账（按管理部、状态）")
def office_loans(ctx: RequestContext, org: str) -> LoanPage:
    from hpf.common.paging import PageRequest
    from hpf.lending.model import LoanStatus

    q = ctx.query
    page = bootstrap.loan_service().of_office(org, LoanStatus(q.status) if q.status else None,
                                              PageRequest(q.page_size, q.page_token), ctx.principal)
    return LoanPage(loans=[LoanView.of(ln) for ln in page.items], next_page_token=page.next_token)


@api.route("/loans/{loan_no}", roles={Role.DEPOSITOR, *STAFF_VIEWERS}, path_model=LoanPath, response=LoanView,
           summary="贷款账户查询")
def get_loan(ctx: RequestContext, loan_no: str) -> LoanView:
    return LoanView.of(bootstrap.loan_service().get(loan_no, ctx.principal))


class ScheduleView(Schema):
    loan_no: str
    installments: list[InstallmentView]


@api.route("/loans/{loan_no}/schedule", roles={Role.DEPOSITOR, *STAFF_VIEWERS}, path_model=LoanPath,
           response=ScheduleView, summary="还款计划（未还各期）")
def loan_schedule(ctx: RequestContext, loan_no: str) -> ScheduleView:
    loan = bootstrap.loan_service().get(loan_no, ctx.principal)
    return ScheduleView(loan_no=loan.loan_no, installments=[_installment(i) for i in loan.plan])


class DetailView(Schema):
    detail_id: str = Field(description="业务流水号（结算指令号）")
    type: str = Field(description="贷款业务明细类型 DKYWMXLX")
    type_label: str
    on: date
    amount: str
    principal: str
    interest: str
    balance_after: str
    period: int
    bank_serial: str


class DetailList(Schema):
    loan_no: str
    details: list[DetailView]


@api.route("/loans/{loan_no}/details", roles={Role.DEPOSITOR, *STAFF_VIEWERS}, path_model=LoanPath,
           response=DetailList, summary="贷款业务明细（还款流水）")
def loan_details(ctx: RequestContext, loan_no: str) -> DetailList:
    found = bootstrap.loan_service().details(loan_no, ctx.principal)
    return DetailList(loan_no=loan_no, details=[DetailView(
        detail_id=d.detail_id, type=d.type.value, type_label=d.type.label, on=d.on, amount=f"{d.amount:.2f}",
        principal=f"{d.principal:.2f}", interest=f"{d.interest:.2f}", balance_after=f"{d.balance_after:.2f}",
        period=d.period, bank_serial=d.bank_serial) for d in found])


@api.route("/loans/{loan_no}/disbursement", method="POST", roles={Role.FINANCE}, path_model=LoanPath,
           response=LoanView, status=202, summary="发放贷款（经结算流程付至收款账户）")
def disburse_loan(ctx: RequestContext, loan_no: str) -> LoanView:
    return LoanView.of(bootstrap.loan_service().disburse(loan_no, ctx.principal))


class EarlyRepaymentRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    request_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,40}$")] = Field(
        description="申请号（客户端生成；重复提交同一申请号只办理一次）")
    principal: Money | None = Field(None, description="提前归还的本金；不填为全部结清")


class QuoteRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    principal: Money | None = Field(None, description="提前归还的本金；不填为全部结清")


class QuoteView(Schema):
    loan_no: str
    on: date
    principal: str
    interest: str = Field(description="自上一还款日起至今日的利息（按日计息）")
    amount: str = Field(description="应还合计")
    full: bool = Field(description="是否结清")
    balance_after: str
    next_payment: str = Field(description="还款后新的月还款额（结清为0）")
    instruction_id: str | None = None

    @classmethod
    def of(cls, q, instruction_id: str | None = None) -> QuoteView:
        return cls(loan_no=q.loan_no, on=q.on, principal=f"{q.principal:.2f}", interest=f"{q.interest:.2f}",
                   amount=f"{q.amount:.2f}", full=q.full, balance_after=f"{q.balance_after:.2f}",
                   next_payment=f"{q.next_payment:.2f}", instruction_id=instruction_id)


@api.route("/loans/{loan_no}/early-repayment-quotes", method="POST", roles=BORROWER_ROLES, path_model=LoanPath,
           body=QuoteRequest, response=QuoteView, summary="提前还款试算")
def quote_early_repayment(ctx: RequestContext, loan_no: str) -> QuoteView:
    return QuoteView.of(bootstrap.loan_service().quote(loan_no, ctx.body.principal, ctx.principal))


@api.route("/loans/{loan_no}/early-repayments", method="POST", roles=BORROWER_ROLES, path_model=LoanPath,
           body=EarlyRepaymentRequest, response=QuoteView, status=202, summary="提前还款（从还款账户扣款）")
def request_early_repayment(ctx: RequestContext, loan_no: str) -> QuoteView:
    b = ctx.body
    _, quote = bootstrap.loan_service().request_early_repayment(loan_no, b.request_id, b.principal, ctx.principal)
    return QuoteView.of(quote, f"PRE-{b.request_id}")


class DeductionRunRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    org: OrgCode = Field(description="管理部代码")
    day: Day = Field(description="扣款日：扣收该日及以前到期未还的各期")


class DeductionRunView(Schema):
    batch_id: str | None = Field(description="批次号；无到期款项时为空")
    lines: int
    total: str


@api.route("/deduction-runs", method="POST", roles={Role.FINANCE}, body=DeductionRunRequest,
           response=DeductionRunView, status=202, summary="批量扣款（手工发起当日批次）")
def run_deductions(ctx: RequestContext) -> DeductionRunView:
    from hpf.entrypoints.lending import logged

    b = ctx.body
    batch = logged(b.org, b.day, bootstrap.deduction_run().run_by_hand(b.org, b.day, ctx.principal))
    total = sum((ln.amount for ln in batch.lines), Decimal("0.00")) if batch else Decimal("0.00")
    return DeductionRunView(batch_id=batch.batch_id if batch else None, lines=len(batch.lines) if batch else 0,
                            total=f"{total:.2f}")


DEV = "hpf.lending.developer_schemas"


@api.route("/developers", method="POST", roles={Role.APPROVER, Role.COUNTER_CLERK}, body=f"{DEV}:DeveloperRegistration",
           response=f"{DEV}:DeveloperView", status=201, summary="开发商登记（核验工商登记信息）")
def register_developer(ctx: RequestContext):
    from hpf.lending.developer_schemas import DeveloperView
    from hpf.lending.developers import RegisterDeveloper, SupervisedAccount

    b = ctx.body
    return DeveloperView.of(bootstrap.developer_service().register(RegisterDeveloper(
        b.credit_code, b.name, b.legal_representative, b.address,
        tuple(SupervisedAccount(a.bank, a.account_no, a.account_name) for a in b.accounts), b.authorization_id),
        ctx.principal))


@api.route("/developers/{credit_code}", roles={*STAFF_VIEWERS, Role.DEVELOPER}, path_model=f"{DEV}:DeveloperPath",
           response=f"{DEV}:DeveloperView", summary="开发商信息")
def get_developer(ctx: RequestContext, credit_code: str):
    from hpf.lending.developer_schemas import DeveloperView

    return DeveloperView.of(bootstrap.developer_service().developer(credit_code, ctx.principal))


@api.route("/developers/{credit_code}/confirmation", method="POST", roles={Role.APPROVER},
           path_model=f"{DEV}:DeveloperPath", body=f"{DEV}:ConfirmationBody", response=f"{DEV}:DeveloperView",
           summary="待核验的开发商登记：核验纸质材料后确认")
def confirm_developer(ctx: RequestContext, credit_code: str):
    from hpf.lending.developer_schemas import DeveloperView

    return DeveloperView.of(bootstrap.developer_service().confirm(credit_code, ctx.body.materials_reference,
                                                                  ctx.principal))


@api.route("/developers/{credit_code}/projects", method="POST", roles={Role.APPROVER, Role.COUNTER_CLERK},
           path_model=f"{DEV}:DeveloperPath", body=f"{DEV}:ProjectRegistration", response=f"{DEV}:ProjectView",
           status=201, summary="项目登记（核验预售、规划、施工许可证）")
def register_project(ctx: RequestContext, credit_code: str):
    from hpf.lending.developer_schemas import ProjectView
    from hpf.lending.developers import RegisterProject

    b = ctx.body
    return ProjectView.of(bootstrap.developer_service().add_project(credit_code, RegisterProject(
        b.name, b.location, b.presale_permit, b.planning_permit, b.land_planning_permit, b.construction_permit,
        b.authorization_id), ctx.principal))


@api.route("/developers/{credit_code}/projects", roles={*STAFF_VIEWERS, Role.DEVELOPER},
           path_model=f"{DEV}:DeveloperPath", response=f"{DEV}:ProjectList", summary="开发商的项目")
def developer_projects(ctx: RequestContext, credit_code: str):
    from hpf.lending.developer_schemas import ProjectList, ProjectView

    return ProjectList(projects=[ProjectView.of(p) for p in bootstrap.developer_service().projects(
        credit_code, ctx.principal)])


@api.route("/developers/{credit_code}/loans", roles={*STAFF_VIEWERS, Role.DEVELOPER},
           path_model=f"{DEV}:DeveloperPath", response=f"{DEV}:BuyerLoanList",
           summary="购房人贷款：发放至开发商资金监管账户的公积金贷款")
def developer_loans(ctx: RequestContext, credit_code: str):
    from hpf.lending.developer_schemas import BuyerLoanList, buyer_loan

    found = bootstrap.developer_service().loans(credit_code, ctx.principal)
    total = sum((loan.principal for _, loan in found if loan.disbursed_on), Decimal("0.00"))
    return BuyerLoanList(loans=[buyer_loan(a.account_no, loan) for a, loan in found], total_disbursed=f"{total:.2f}")


@app.lambda_function(name="deduction_run")
def deduction_run(event, context):
    """Schedule (06:00): every office's installments due by today, one batch each."""
    from hpf.entrypoints import lending as entrypoints

    return entrypoints.deduction_run(event, context)


@app.lambda_function(name="lending_events")
def lending_events(event, context):
    """Queue consumer: lending's settlement instructions and batches to settlement."""
    from hpf.entrypoints import lending as entrypoints

    return entrypoints.lending_events(event, context)
