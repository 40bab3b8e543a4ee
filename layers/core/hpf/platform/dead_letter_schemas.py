"""HTTP models of what runs unattended, on the operations console: dead-letter queues (死信队列) and schedules
(定时任务). Named lazily by the routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, Field

from hpf.observability.masking import mask
from hpf.platform.ports import DeadLetter, DeadLetterQueue, Schedules
from hpf.web.schemas import Schema


class QueuePath(Schema):
    model_config = ConfigDict(extra="forbid")
    queue: str = Field(pattern=r"^[a-z0-9-]{1,60}-dlq$", description="死信队列简称，如 ledger-events-dlq")


class ReplayRequest(Schema):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(100, ge=1, le=1000, description="最多重放条数")


class QueueView(Schema):
    name: str
    source: str | None = Field(description="来源队列（可重放到此）；空：事件流的失败记录，由补发任务处理")
    depth: int = Field(description="待处理条数（近似）")

    @classmethod
    def of(cls, q: DeadLetterQueue) -> QueueView:
        return cls(name=q.name, source=q.source, depth=q.depth)


class QueueList(Schema):
    queues: list[QueueView]


class LetterView(Schema):
    message_id: str
    sent_at: datetime
    receive_count: int = Field(description="已投递次数（含失败）")
    body: Any = Field(description="消息内容（证件号、卡号、手机号、姓名已脱敏）")

    @classmethod
    def of(cls, letter: DeadLetter) -> LetterView:
        return cls(message_id=letter.message_id, sent_at=letter.sent_at, receive_count=letter.receive_count,
                   body=mask(letter.body))


class LetterList(Schema):
    queue: str
    letters: list[LetterView]


class ReplayView(Schema):
    queue: str
    replayed: int


class ScheduleView(Schema):
    """定时任务 and its last run (the operations console; the same page as the dead letters' — what runs unattended)."""

    name: str
    expression: str = Field(description="cron(…) 或 rate(…)（UTC）")
    enabled: bool
    description: str
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_succeeded: bool | None
    last_summary: str = Field(description="最近一次运行的结果摘要，或失败原因")


class ScheduleList(Schema):
    schedules: list[ScheduleView]

    @classmethod
    def of(cls, store: Schedules) -> ScheduleList:
        views = []
        for s in store.schedules():
            run = store.last_run(s.name)
            views.append(ScheduleView(
                name=s.name, expression=s.expression, enabled=s.enabled, description=s.description,
                last_started_at=run.started_at if run else None, last_finished_at=run.finished_at if run else None,
                last_succeeded=run.succeeded if run else None, last_summary=run.summary if run else ""))
        return cls(schedules=views)
