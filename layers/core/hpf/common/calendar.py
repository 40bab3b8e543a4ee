"""Business calendar: Chinese statutory working days in Asia/Shanghai.

``chinesecalendar`` knows each year only once the State Council has published its holiday arrangement (it
raises for later years), and it must be upgraded every year. So the calendar takes a configured fallback:
extra holidays and make-up working days per year. A year that neither the library nor the fallback knows is
an explicit ``CalendarYearUnknown`` error — never a silent guess that could, say, move a repayment date.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

from hpf.common.errors import HpfError


class CalendarYearUnknown(HpfError):
    status = 503
    code = "CALENDAR_YEAR_UNKNOWN"

    def __init__(self, year: int):
        super().__init__(
            f"{year}年节假日安排尚未配置，请更新 chinesecalendar 或在 HPF_CALENDAR_OVERRIDES 中配置该年安排"
        )
        self.year = year


@dataclass(frozen=True)
class YearOverride:
    """One year's arrangement: the statutory holidays and the weekend days that are make-up working days."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)


def overrides_from_json(text: str) -> dict[int, YearOverride]:
    """Parse ``{"2027": {"holidays": ["2027-01-01", …], "workdays": ["2027-02-07", …]}}``."""
    parsed = json.loads(text) if text else {}
    result = {}
    for year, spec in parsed.items():
        result[int(year)] = YearOverride(
            holidays=frozenset(date.fromisoformat(d) for d in spec.get("holidays", [])),
            workdays=frozenset(date.fromisoformat(d) for d in spec.get("workdays", [])),
        )
    return result


class BusinessCalendar:
    def __init__(self, overrides: dict[int, YearOverride] | None = None):
        self._overrides = overrides or {}

    @classmethod
    def from_environment(cls) -> BusinessCalendar:
        return cls(overrides_from_json(os.environ.get("HPF_CALENDAR_OVERRIDES", "")))

    def is_workday(self, day: date) -> bool:
        override = self._overrides.get(day.year)
        if override is not None:
            if day in override.workdays:
                return True
            if day in override.holidays:
                return False
            return day.weekday() < 5
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError as exc:
            raise CalendarYearUnknown(day.year) from exc

    def next_workday(self, day: date, *, include_today: bool = False) -> date:
        current = day if include_today else day + timedelta(days=1)
        for _ in range(60):  # the longest run of non-working days is well under two weeks
            if self.is_workday(current):
                return current
            current += timedelta(days=1)
        raise CalendarYearUnknown(current.year)

    def add_workdays(self, day: date, count: int) -> date:
        current = day
        for _ in range(count):
            current = self.next_workday(current)
        return current
