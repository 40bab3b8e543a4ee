"""An injectable clock. Domain code asks a Clock for 'now' so tests and replays can fix time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(SHANGHAI)


class FixedClock:
    """A clock that stands still until moved; for tests and deterministic data generation."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(SHANGHAI)

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> None:
        from datetime import timedelta

        self._at += timedelta(**delta)


def business_date(clock: Clock) -> date:
    """Today's date in Asia/Shanghai, whatever the server's zone."""
    return clock.now().astimezone(SHANGHAI).date()
