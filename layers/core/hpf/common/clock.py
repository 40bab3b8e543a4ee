"""An injectable clock. Domain code asks a Clock for 'now' so tests and replays can fix time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
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
        self._at += timedelta(**delta)


class ShiftedClock:
    """The system's time, moved by whole days: a test or a fault campaign lives next month's due date without
    standing the clock still (the workflows' waits and the tokens' expiry still run on real time)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(SHANGHAI) + self.offset

    def move_to(self, day: date) -> None:
        self.offset = timedelta(days=(day - datetime.now(SHANGHAI).date()).days)


def business_date(clock: Clock) -> date:
    """Today's date in Asia/Shanghai, whatever the server's zone."""
    return clock.now().astimezone(SHANGHAI).date()
