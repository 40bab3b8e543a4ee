"""Domain events: what happened, leaving a write through the outbox in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    event_type: str  # "<area>.<Name>", e.g. ledger.RemittanceRecorded — the relay routes by area
    aggregate_id: str
    payload: dict[str, Any]
    occurred_at: datetime
    correlation_id: str | None = None
    # Deterministic from the business id: the same business fact can only ever produce one event.
    event_id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.event_id:
            object.__setattr__(self, "event_id", f"{self.event_type}#{self.aggregate_id}")

    @property
    def area(self) -> str:
        return self.event_type.split(".", 1)[0]
