"""Ports of the platform's own services that every area may use: workflows, queues, the outbox relay and the
analytics bucket. The composition root (``hpf.bootstrap``) returns these types; the adapters in
``hpf.adapters.aws`` implement them, and the tests' fakes do too."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from hpf.common.paging import Page, PageRequest


class Workflows(Protocol):
    def start(self, machine_setting: str, business_id: str, payload: dict[str, Any]) -> str:
        """Start the state machine named by a setting, once per business id; returns the execution's id."""
        ...

    def succeed_task(self, task_token: str, output: dict[str, Any]) -> None:
        """Resume a workflow waiting on a task token with ``output`` as the task's result."""
        ...


@dataclass(frozen=True)
class Execution:
    machine: str  # the state machine's short name (remittance-posting, settlement, …)
    name: str  # the business id it was started for
    status: str  # RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED | PENDING_REDRIVE
    started_at: datetime
    stopped_at: datetime | None


@dataclass(frozen=True)
class ExecutionStep:
    id: int
    kind: str  # the history event's type: TaskStateEntered, ExecutionSucceeded, …
    at: datetime
    state: str | None  # the state it concerns, where it names one
    detail: str | None  # an error and its cause, where there is one


class WorkflowMonitor(Protocol):
    """What the operations console reads of the platform's state machines (运维)."""

    def machines(self) -> list[str]:
        """The platform's state machines by short name."""
        ...

    def executions(self, machine: str, status: str | None, page: PageRequest) -> Page[Execution]:
        """A machine's executions, newest first; an unknown machine raises NotFound."""
        ...

    def history(self, machine: str, name: str) -> list[ExecutionStep]:
        """One execution's steps in order; an unknown execution raises NotFound."""
        ...

    def execution_id(self, machine: str, name: str) -> str:
        """The engine's id of an execution (its ARN), for the runbook's commands (redrive)."""
        ...


@dataclass(frozen=True)
class DeadLetterQueue:
    name: str  # short name: ledger-events-dlq, …
    source: str | None  # the queue whose failures it keeps (its redrive policy); None: not a queue's (a stream's)
    depth: int  # messages waiting, as the queue reports it (approximate)


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    body: Any  # the message as sent (JSON decoded where it is JSON)
    sent_at: datetime
    receive_count: int  # deliveries so far, the failed ones included


class DeadLetters(Protocol):
    """The stage's dead-letter queues (死信队列), for the operations console."""

    def queues(self) -> list[DeadLetterQueue]: ...

    def peek(self, name: str, limit: int) -> list[DeadLetter]:
        """Up to ``limit`` messages, left in the queue; an unknown queue raises NotFound."""
        ...

    def replay(self, name: str, limit: int) -> int:
        """Move up to ``limit`` messages back to the source queue, each sent before it is deleted here (a crash
        between the two leaves a copy in both: the consumers are idempotent by business id). Returns how many."""
        ...


@dataclass(frozen=True)
class Schedule:
    name: str  # short name: ledger-snapshot, outbox-sweep, …
    expression: str  # cron(…) or rate(…), in UTC
    enabled: bool
    description: str


@dataclass(frozen=True)
class ScheduleRun:
    schedule: str
    started_at: datetime
    finished_at: datetime
    succeeded: bool
    summary: str  # what the run reports (counts, the business date), or the error where it failed


class Schedules(Protocol):
    """The stage's schedules (定时任务) and their runs, for the operations console."""

    def schedules(self) -> list[Schedule]: ...

    def record(self, run: ScheduleRun) -> None: ...

    def last_run(self, schedule: str) -> ScheduleRun | None: ...


class MessageQueue(Protocol):
    def send(self, queue_url: str, messages: list[dict[str, Any]], correlation_id: str | None = None) -> int:
        """Send each message as JSON, carrying the correlation id; returns how many were sent."""
        ...


class EventRelay(Protocol):
    def relay_image(self, image: dict[str, Any]) -> dict[str, Any] | None:
        """Relay the outbox row a stream record carries if it waits to be sent; returns the row, else None."""
        ...

    def sweep(self, older_than: timedelta, now: datetime) -> int:
        """Relay rows still pending after ``older_than``; returns how many."""
        ...


class AnalyticsFiles(Protocol):
    def put(self, key: str, body: bytes, content_type: str | None = None) -> None: ...

    def get(self, key: str) -> bytes:
        """A file's content; a missing one raises KeyError."""
        ...

    def download_url(self, key: str) -> str:
        """A short-lived link to the file."""
        ...

    def snapshot_days(self) -> list[date]:
        """The business dates of the ledger snapshots written (``snapshots/date=<day>/``), oldest first."""
        ...
