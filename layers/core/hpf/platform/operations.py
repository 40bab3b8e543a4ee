"""Operation records (操作留痕): who did what, when, in which role and from which channel.

Append-only: the port has no update or delete, the DynamoDB adapter writes with a not-exists condition, and
the functions' IAM policies grant PutItem/Query only — staff (and the platform's own code) cannot edit one.

A state-changing request leaves two appends, and the first comes *before* the change (write-ahead): ``accepted``
(who asked for what) — if it cannot be written, the request is refused with 503 and nothing changes, so no change
is ever without its trail — then ``completed`` with the outcome. Should the second append fail after the change was
made, the ``accepted`` record still stands, and its correlation id leads to the function's log of what happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from hpf.common.paging import Page, PageRequest


@dataclass(frozen=True)
class OperationRecord:
    record_id: str  # the request id: a retried write of the same record cannot duplicate it
    at: datetime
    subject: str
    subject_name: str
    roles: tuple[str, ...]
    org: str | None
    channel: str
    area: str
    action: str  # "POST /units/{unit_account}/remittances"
    target: str  # path parameters, e.g. "unit_account=360600000001"
    outcome: int  # HTTP status; 0 while only accepted
    error_code: str | None
    correlation_id: str | None
    phase: str = "completed"  # "accepted" (written before the change) or "completed" (with the outcome)


ACCEPTED, COMPLETED = "accepted", "completed"


class OperationLog(Protocol):
    def append(self, record: OperationRecord) -> None: ...
    def on_day(self, day: date, page: PageRequest) -> Page[OperationRecord]: ...
