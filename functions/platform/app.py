"""Platform function app: operation records for auditors, the state machines' executions for operators, the
leader cockpit, the outbox relay and its scheduled sweep."""


from datetime import datetime
from typing import Literal

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


STATUSES = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"]


class MachinePath(Schema):
    machine: str = Field(pattern=r"^[a-z0-9-]{1,60}$", description="状态机简称，如 settlement、remittance-posting")


class ExecutionPath(MachinePath):
    name: str = Field(pattern=r"^[0-9A-Za-z_-]{1,80}$", description="执行名（启动它的业务号）")


class ExecutionsQuery(PageQuery):
    status: STATUSES | None = Field(None, description="按状态筛选")


class MachineList(Schema):
    machines: list[str]


class ExecutionView(Schema):
    machine: str
    name: str
    status: str
    started_at: datetime
    stopped_at: datetime | None


class ExecutionsPage(Schema):
    executions: list[ExecutionView]
    next_page_token: str | None


class StepView(Schema):
    id: int
    kind: str = Field(description="事件类型，如 TaskStateEntered、ExecutionSucceeded")
    at: datetime
    state: str | None
    detail: str | None = Field(description="错误与原因（如有）")


class ExecutionHistory(Schema):
    machine: str
    name: str
    execution_arn: str = Field(description="执行的ARN：失败后重驱（redrive）时用，见 docs/operations.md")
    steps: list[StepView]


@api.route("/workflows", roles={Role.OPERATOR}, response=MachineList, summary="状态机列表（运维）")
def workflows(ctx: RequestContext) -> MachineList:
    return MachineList(machines=bootstrap.workflow_monitor().machines())


@api.route("/workflows/{machine}/executions", roles={Role.OPERATOR}, path_model=MachinePath, query=ExecutionsQuery,
           response=ExecutionsPage, summary="状态机的执行，按状态筛选、最新在前（运维）")
def executions(ctx: RequestContext, machine: str) -> ExecutionsPage:
    page = bootstrap.workflow_monitor().executions(machine, ctx.query.status,
                                                   PageRequest(ctx.query.page_size, ctx.query.page_token))
    return ExecutionsPage(executions=[ExecutionView(**e.__dict__) for e in page.items], next_page_token=page.next_token)


@api.route("/workflows/{machine}/executions/{name}", roles={Role.OPERATOR}, path_model=ExecutionPath,
           response=ExecutionHistory, summary="一次执行的全过程（运维）")
def execution_history(ctx: RequestContext, machine: str, name: str) -> ExecutionHistory:
    monitor = bootstrap.workflow_monitor()
    steps = monitor.history(machine, name)
    return ExecutionHistory(machine=machine, name=name, execution_arn=monitor.execution_id(machine, name),
                            steps=[StepView(**s.__dict__) for s in steps])


DLQ = "hpf.platform.dead_letter_schemas"


@api.route("/dead-letters", roles={Role.OPERATOR}, response=f"{DLQ}:QueueList", summary="死信队列及其积压（运维）")
def dead_letter_queues(ctx: RequestContext):  # noqa: ANN201 - the view is named lazily, as the route's response
    from hpf.platform.dead_letter_schemas import QueueList, QueueView

    return QueueList(queues=[QueueView.of(q) for q in bootstrap.dead_letters().queues()])


@api.route("/dead-letters/{queue}/messages", roles={Role.OPERATOR}, path_model=f"{DLQ}:QueuePath",
           response=f"{DLQ}:LetterList", summary="查看死信（前10条，个人信息脱敏，消息留在队列中）")
def dead_letters(ctx: RequestContext, queue: str):  # noqa: ANN201
    from hpf.platform.dead_letter_schemas import LetterList, LetterView

    return LetterList(queue=queue, letters=[LetterView.of(m) for m in bootstrap.dead_letters().peek(queue, 10)])


@api.route("/dead-letters/{queue}/replay", method="POST", roles={Role.OPERATOR}, path_model=f"{DLQ}:QueuePath",
           body=f"{DLQ}:ReplayRequest", response=f"{DLQ}:ReplayView", summary="重放死信到来源队列（消费方按业务号幂等）")
def replay_dead_letters(ctx: RequestContext, queue: str):  # noqa: ANN201
    from hpf.platform.dead_letter_schemas import ReplayView

    return ReplayView(queue=queue, replayed=bootstrap.dead_letters().replay(queue, ctx.body.limit))


@api.route("/schedules", roles={Role.OPERATOR}, response=f"{DLQ}:ScheduleList", summary="定时任务及其最近一次运行（运维）")
def schedules(ctx: RequestContext):  # noqa: ANN201
    from hpf.platform.dead_letter_schemas import ScheduleList

    return ScheduleList.of(bootstrap.schedules())


COCKPIT = "hpf.platform.cockpit_schemas"


@api.route("/cockpit", roles={Role.LEADER}, query=f"{COCKPIT}:CockpitQuery", response=f"{COCKPIT}:CockpitView",
           summary="领导驾驶舱：决策层、管理层、执行层（夜间账务快照）")
def cockpit(ctx: RequestContext):  # noqa: ANN201 - the view is named lazily, as the route's response
    from hpf.platform.cockpit_schemas import CockpitView

    service = bootstrap.cockpit()
    return CockpitView.of(service.figures(ctx.query.months), service)


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
