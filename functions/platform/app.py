"""Platform function app: operation records for auditors, the outbox relay and its scheduled sweep."""


from pydantic import Field

from hpf import bootstrap
from hpf.common.paging import PageRequest
from hpf.identity.roles import Role
from hpf.web.api import Api, RequestContext
from hpf.web.schemas import Day, PageQuery, Schema

api = Api("platform", "平台", "操作留痕查询等平台级服务")
app = api.app
handler = api.lambda_handler  # the function's entry behind API Gateway (infra/areas/<area>.yaml)


class OperationsQuery(PageQuery):
    day: Day = Field(description="业务日期 YYYY-MM-DD")


class OperationView(Schema):
    record_id: str
    at: str
    subject: str
    subject_name: str
    roles: list[str]
    org: str | None
    channel: str
    area: str
    action: str
    target: str
    outcome: int
    error_code: str | None
    correlation_id: str | None
    phase: str = Field(description="accepted 受理（变更之前写入）/ completed 办结（含结果）")


class OperationsPage(Schema):
    records: list[OperationView]
    next_page_token: str | None


@api.route("/operations", roles={Role.AUDITOR}, query=OperationsQuery, response=OperationsPage,
           summary="操作留痕查询（只读）")
def operations(ctx: RequestContext) -> OperationsPage:
    q = ctx.query
    page = bootstrap.operation_log().on_day(q.day, PageRequest(q.page_size, q.page_token))
    return OperationsPage(
        records=[OperationView(**{**r.__dict__, "at": r.at.isoformat(), "roles": list(r.roles)}) for r in page.items],
        next_page_token=page.next_token,
    )


@app.lambda_function(name="relay_outbox")
def relay_outbox(event, context):
    """Outbox table stream → area queues."""
    from hpf.entrypoints import platform as entrypoints

    return entrypoints.relay_outbox(event, context)


@app.lambda_function(name="sweep_outbox")
def sweep_outbox(event, context):
    """Schedule: relay outbox rows the stream did not deliver."""
    from hpf.entrypoints import platform as entrypoints

    return entrypoints.sweep_outbox(event, context)
