"""One correlation id per business flow, carried from HTTP through the outbox, queues and state machines.

HTTP: the ``X-Correlation-Id`` header (or API Gateway's request id). Outbox events and SQS messages carry it as
the ``correlation_id`` attribute; state-machine inputs as the ``correlation_id`` field.
"""

from __future__ import annotations

import contextvars
import uuid

HEADER = "x-correlation-id"
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


def set_correlation_id(value: str | None) -> str:
    value = value or uuid.uuid4().hex
    _current.set(value)
    return value


def correlation_id() -> str | None:
    return _current.get()
