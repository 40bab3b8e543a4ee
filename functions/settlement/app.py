"""Settlement function app (资金结算): instruction queries and manual resolution over HTTP, and the tasks of the
settlement workflow (statemachines/settlement.asl.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from hpf import bootstrap
from hpf.identity.roles import Role
from hpf.web.api import Api, RequestContext
from hpf.web.schemas import Schema

api = Api("settlement", "资金结算", "结算指令查询、结果不明指令的人工核实")
app = api.app
handler = api.lambda_handler  # the function's entry behind API Gateway (infra/template.yaml)


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
    detail: str


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
    def of(cls, r) -> "InstructionView":  # type: ignore[no-untyped-def]
        i = r.instruction
        return cls(instruction_id=i.instruction_id, business=i.business, direction=i.direction, org=i.org,
                   amount=f"{i.amount:.2f}", status=r.status.value, status_label=r.status.label, bank=r.bank,
                   serial=r.serial, host_seq_no=r.host_seq_no, failure_reason=r.failure_reason, queries=r.queries,
                   history=[StepView(at=s.at, event=s.event, detail=s.detail) for s in r.history])


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


@app.lambda_function(name="settlement_step")
def settlement_step(event, context):
    """Workflow task: receive, send or query (the steps that talk to the bank)."""
    from hpf.settlement.tasks import step

    return step(event)


@app.lambda_function(name="settlement_review")
def settlement_review(event, context):
    """Workflow task (waitForTaskToken): park an instruction the queries could not settle for a person."""
    from hpf.settlement.tasks import review

    return review(event)


@app.lambda_function(name="settlement_apply")
def settlement_apply(event, context):
    """Workflow task: the bank's outcome into the ledger."""
    from hpf.settlement.tasks import apply

    return apply(event)
