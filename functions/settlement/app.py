"""Settlement function app (资金结算): instruction queries and manual resolution over HTTP, and the tasks of the
settlement workflow (statemachines/settlement.asl.json)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from hpf import bootstrap
from hpf.common.coded import CodedEnum
from hpf.identity.roles import Role
from hpf.web.api import Api, RequestContext
from hpf.web.schemas import Day, Money, Position, Schema

api = Api("settlement", "资金结算", "结算指令查询、结果不明指令的人工核实")
app = api.app
handler = api.lambda_handler  # the function's entry behind API Gateway (infra/areas/<area>.yaml)


class InstructionPath(Schema):
    model_config = ConfigDict(extra="forbid")
    instruction_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,80}$")] = Field(
        description="结算指令号（即业务号，如提取业务号）")


class ResolutionRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["succeeded", "failed"] = Field(description="核实结果：银行已成功记账 / 银行未记账")
    evidence: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=500)] = Field(
        description="依据：银行回单号、对账单行、银行书面答复等")


class StepView(Schema):
    at: datetime
    event: str
    label: str = Field(description="事件名称（发送银行、银行记账成功、结果不明、转人工核实…）")
    detail: str = Field(description="银行的答复或核实依据")

    @classmethod
    def of(cls, step, events: type[CodedEnum]) -> StepView:
        known = step.event in events._value2member_map_
        return cls(at=step.at, event=step.event, label=events(step.event).label if known else step.event,
                   detail=step.detail)


class InstructionView(Schema):
    instruction_id: str
    business: str = Field(description="结算业务类型 BusType")
    direction: str = Field(description="pay 付款 / collect 收款")
    org: str
    amount: str
    status: str
    status_label: str
    bank: str
    serial: str = Field(description="发送流水号 SendSeqNo（首次发送时确定，永不变更）")
    host_seq_no: str
    failure_reason: str
    queries: int
    history: list[StepView]

    @classmethod
    def of(cls, r) -> InstructionView:
        from hpf.settlement.model import InstructionEvent

        i = r.instruction
        return cls(instruction_id=i.instruction_id, business=i.business, direction=i.direction, org=i.org,
                   amount=f"{i.amount:.2f}", status=r.status.value, status_label=r.status.label, bank=r.bank,
                   serial=r.serial, host_seq_no=r.host_seq_no, failure_reason=r.failure_reason, queries=r.queries,
                   history=[StepView.of(s, InstructionEvent) for s in r.history])


class InstructionsQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] = Field(description="管理部代码")
    day: Day = Field(description="银行记账日（发送日）")
    status: Literal["RECEIVED", "SENDING", "UNKNOWN", "MANUAL_REVIEW", "SUCCEEDED", "FAILED", "APPLIED"] | None = Field(
        None, description="只看某一状态，如 MANUAL_REVIEW（待人工核实）")


class InstructionList(Schema):
    org: str
    day: date
    instructions: list[InstructionView]


@api.route("/instructions", roles={Role.FINANCE, Role.AUDITOR, Role.OPERATOR}, query=InstructionsQuery,
           response=InstructionList, summary="结算指令列表（按管理部、银行记账日、状态）")
def list_instructions(ctx: RequestContext) -> InstructionList:
    from hpf.settlement.model import InstructionStatus

    q = ctx.query
    found = bootstrap.settlement_service().of_day(q.org, q.day, ctx.principal,
                                                  InstructionStatus(q.status) if q.status else None)
    return InstructionList(org=q.org, day=q.day, instructions=[InstructionView.of(r) for r in found])


@api.route("/instructions/{instruction_id}", roles={Role.FINANCE, Role.AUDITOR, Role.OPERATOR},
           path_model=InstructionPath, response=InstructionView, summary="结算指令查询（含全部处理历史）")
def get_instruction(ctx: RequestContext, instruction_id: str) -> InstructionView:
    return InstructionView.of(bootstrap.settlement_service().get(instruction_id, ctx.principal))


@api.route("/instructions/{instruction_id}/resolution", method="POST", roles={Role.FINANCE},
           path_model=InstructionPath, body=ResolutionRequest, response=InstructionView,
           summary="结果不明指令人工核实（依据银行记录）")
def resolve_instruction(ctx: RequestContext, instruction_id: str) -> InstructionView:
    b = ctx.body
    return InstructionView.of(bootstrap.settlement_service().resolve(
        instruction_id, b.outcome == "succeeded", b.evidence, ctx.principal))


class BatchPath(Schema):
    model_config = ConfigDict(extra="forbid")
    batch_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,80}$")] = Field(description="批次号")


class BatchLineView(Schema):
    instruction_id: str
    status: str
    status_label: str
    amount: str
    failure_reason: str


class BatchView(Schema):
    batch_id: str
    org: str
    business: str
    status: str
    status_label: str
    bank: str
    serial: str = Field(description="批量文件的发送流水号（首次发送时确定，重发沿用）")
    queries: int
    history: list[StepView]
    lines: list[BatchLineView]


@api.route("/batches/{batch_id}", roles={Role.FINANCE, Role.AUDITOR, Role.OPERATOR}, path_model=BatchPath,
           response=BatchView, summary="批量结算查询（批次进度与逐笔结果）")
def get_batch(ctx: RequestContext, batch_id: str) -> BatchView:
    from hpf.settlement.batches import BatchEvent

    batch, lines = bootstrap.batch_settlement().view(batch_id, ctx.principal)
    return BatchView(batch_id=batch.batch_id, org=batch.org, business=batch.business, status=batch.status.value,
                     status_label=batch.status.label, bank=batch.bank, serial=batch.serial, queries=batch.queries,
                     history=[StepView.of(s, BatchEvent) for s in batch.history],
                     lines=[BatchLineView(instruction_id=ln.instruction_id, status=ln.status.value,
                                          status_label=ln.status.label, amount=f"{ln.amount:.2f}",
                                          failure_reason=ln.failure_reason) for ln in lines])


class ReconcileRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] = Field(description="管理部代码")
    day: Day = Field(description="对账日期（银行记账日）")


class DifferenceView(Schema):
    cause: str
    cause_label: str
    reference: str
    bank_amount: str | None
    our_amount: str | None
    detail: str


class ReconciliationView(Schema):
    org: str
    day: date
    account_no: str
    bank_lines: int
    bank_debit: str
    bank_credit: str
    matched: int
    settled_from_statement: list[str] = Field(description="依银行对账单确认结果的结果不明指令")
    differences: list[DifferenceView]
    agrees: bool = Field(description="账账相符")
    workbook_url: str = Field(description="对账报告（Excel）下载地址，15分钟内有效")

    @classmethod
    def of(cls, r, url: str) -> ReconciliationView:
        from hpf.settlement.report import CAUSE_LABELS

        money = lambda v: None if v is None else f"{v:.2f}"  # noqa: E731
        return cls(org=r.org, day=r.day, account_no=r.account_no, bank_lines=r.bank_lines,
                   bank_debit=f"{r.bank_debit:.2f}", bank_credit=f"{r.bank_credit:.2f}", matched=r.matched,
                   settled_from_statement=r.settled_from_statement, agrees=r.agrees, workbook_url=url,
                   differences=[DifferenceView(cause=d.cause, cause_label=CAUSE_LABELS.get(d.cause, d.cause),
                                               reference=d.reference, bank_amount=money(d.bank_amount),
                                               our_amount=money(d.our_amount), detail=d.detail)
                                for d in r.differences])


@api.route("/reconciliations", method="POST", roles={Role.FINANCE}, body=ReconcileRequest,
           response=ReconciliationView, summary="资金结算对账（银行对账单、结算指令、财务帐、业务帐）")
def reconcile(ctx: RequestContext) -> ReconciliationView:
    from hpf.entrypoints.settlement import reconcile

    ctx.principal.require_org(ctx.body.org)
    report, key = reconcile(ctx.body.org, ctx.body.day)
    return ReconciliationView.of(report, bootstrap.analytics_files().download_url(key))


class StatementQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] = Field(description="管理部代码")
    start: Day = Field(description="开始日期")
    end: Day = Field(description="结束日期（不超过92天）")
    begin: Position = Field(1, description="起始记录号（从1开始）")
    size: int = Field(50, ge=1, le=200, description="每页笔数")


class StatementLineView(Schema):
    tx_date: str
    tx_time: str
    host_seq_no: str
    dc: str = Field(description="D 支出 / C 收入")
    amount: str
    balance: str
    counterparty_account: str
    counterparty_name: str
    summary: str
    reference: str = Field(description="业务号（本中心发出的结算指令号）")


class StatementView(Schema):
    org: str
    account_no: str
    start: date
    end: date
    total: int
    lines: list[StatementLineView]


@api.route("/statements", roles={Role.FINANCE, Role.AUDITOR}, query=StatementQuery, response=StatementView,
           summary="专户交易明细查询（银行实时）")
def special_account_statement(ctx: RequestContext) -> StatementView:
    from hpf.settlement.queries import statement

    q = ctx.query
    page = statement(bootstrap.settlement_banks(), q.org, q.start, q.end, q.begin, q.size, ctx.principal)
    return StatementView(org=page.org, account_no=page.account_no, start=page.start, end=page.end, total=page.total,
                         lines=[StatementLineView(**{**line, "amount": f"{line['amount']:.2f}",
                                                     "balance": f"{line['balance']:.2f}"}) for line in page.lines])


class BankLineQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] = Field(description="管理部代码（向其专户开户行查询）")
    keyword: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)] = Field(
        description="网点名称的一部分，如“建设银行贵溪”")
    area: Annotated[str, StringConstraints(pattern=r"^\d{4}$")] | None = Field(None, description="地区代码（4位）")
    bank_no: Annotated[str, StringConstraints(pattern=r"^\d{3}$")] | None = Field(
        None, description="银行代码（3位）：银行不提供模糊查询时与地区代码一同必填")
    begin: Position = Field(1, description="起始记录号（从1开始）")
    size: int = Field(20, ge=1, le=100, description="每页笔数")


class BankLineView(Schema):
    line_no: str = Field(description="联行号（12位）")
    bank_name: str
    area: str


class BankLinePageView(Schema):
    via: str = Field(description="BDC200 联行号模糊查询 / BDC112 联行号查询（银行不提供模糊查询时）")
    total: int
    lines: list[BankLineView]


@api.route("/bank-lines", roles={Role.FINANCE, Role.COUNTER_CLERK}, query=BankLineQuery, response=BankLinePageView,
           summary="联行号查询（跨行付款前查收款网点联行号）")
def find_bank_lines(ctx: RequestContext) -> BankLinePageView:
    from hpf.settlement.queries import bank_lines

    q = ctx.query
    page = bank_lines(bootstrap.settlement_banks(), q.org, q.keyword, q.area or "", q.bank_no or "", q.begin, q.size,
                      ctx.principal)
    return BankLinePageView(via=page.via, total=page.total, lines=[BankLineView(**line) for line in page.lines])


class AllocationRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    request_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,40}$")] = Field(
        description="业务请求号：同一请求重复提交只调拨一次")
    from_org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] = Field(description="调出管理部")
    to_org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] = Field(description="调入管理部")
    amount: Money = Field(description="调拨金额（元）")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]


class AllocationView(Schema):
    instruction_id: str = Field(description="结算指令号：查询 /settlement/instructions/{id}")
    from_org: str
    to_org: str
    amount: str


@api.route("/allocations", method="POST", roles={Role.FINANCE}, body=AllocationRequest, response=AllocationView,
           status=202, summary="专户间资金调拨（经结算流程支付）")
def allocate_funds(ctx: RequestContext) -> AllocationView:
    from hpf.settings import settled_by_bank
    from hpf.settlement.allocation import allocate

    b = ctx.body
    i = allocate(bootstrap.settlement_banks(), bootstrap.settlement_port(), b.request_id, b.from_org, b.to_org,
                 b.amount, b.reason, ctx.principal, bank_link_on=settled_by_bank())
    return AllocationView(instruction_id=i.instruction_id, from_org=b.from_org, to_org=b.to_org,
                          amount=f"{i.amount:.2f}")


class CardCheckRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    card_no: Annotated[str, StringConstraints(strip_whitespace=True, min_length=12, max_length=23)] = Field(
        description="银行卡号")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        description="持卡人姓名")
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=18, max_length=18)] | None = Field(
        None, description="持卡人居民身份证号码（柜台必填；缴存人校验本人的卡时不填）")


class CardCheckView(Schema):
    card_no: str = Field(description="卡号（脱敏）")
    matched: bool = Field(description="户名、证件与卡号一致且卡片可用")
    result: str = Field(description="0 一致、1 户名不符、2 证件号码不符、3 卡号不存在、4 卡片状态异常")
    result_label: str
    account_class: str = Field(description="1 一类、2 二类、3 三类账户")
    bank_name: str


@api.route("/card-checks", method="POST", roles={Role.COUNTER_CLERK, Role.DEPOSITOR}, body=CardCheckRequest,
           response=CardCheckView, summary="个人银行卡校验（一类、二类账户）")
def check_bank_card(ctx: RequestContext) -> CardCheckView:
    from hpf.observability.masking import mask_text
    from hpf.settlement.cards import check_for

    b = ctx.body
    c = check_for(bootstrap.settlement_banks(), ctx.principal, b.card_no, b.name, b.id_number)
    return CardCheckView(card_no=mask_text(c.card_no), matched=c.matched, result=c.result, result_label=c.label,
                         account_class=c.acct_class, bank_name=c.bank_name)


@app.lambda_function(name="match_notices")
def match_notices(event, context):
    """Queue consumer: arrival notices from the banks (via the front) confirm the remittances they name."""
    from hpf.entrypoints import settlement as entrypoints

    return entrypoints.match_notices(event, context)


@app.lambda_function(name="reconcile_daily")
def reconcile_daily(event, context):
    """Schedule (01:30): yesterday, every office with a special account."""
    from hpf.entrypoints import settlement as entrypoints

    return entrypoints.reconcile_daily(event, context)


@app.lambda_function(name="settlement_step")
def settlement_step(event, context):
    """Workflow task: receive, send or query (the steps that talk to the bank)."""
    from hpf.entrypoints import settlement as entrypoints

    return entrypoints.settlement_step(event, context)


@app.lambda_function(name="settlement_review")
def settlement_review(event, context):
    """Workflow task (waitForTaskToken): park an instruction the queries could not settle for a person."""
    from hpf.entrypoints import settlement as entrypoints

    return entrypoints.settlement_review(event, context)


@app.lambda_function(name="settlement_apply")
def settlement_apply(event, context):
    """Workflow task: the bank's outcome into the ledger."""
    from hpf.entrypoints import settlement as entrypoints

    return entrypoints.settlement_apply(event, context)
