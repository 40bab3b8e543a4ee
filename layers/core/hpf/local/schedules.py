"""EventBridge schedule expressions: rate(...) and the six-field AWS cron(...), evaluated in UTC as AWS does.

Supported cron syntax: numbers, names (JAN–DEC, SUN–SAT), '*', '?', ranges 'a-b', lists 'a,b', steps '*/n'
and 'a/n'. The special L, W and # forms raise ``UnsupportedSchedule`` rather than being guessed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split(), 1)}  # AWS: 1 = Sunday


class UnsupportedSchedule(ValueError):
    pass


def _field(spec: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int] | None:
    """The set of allowed values, or None for 'any'."""
    if spec in {"*", "?"}:
        return None
    if any(mark in spec for mark in ("L", "W", "#")) and not (names and spec.upper() in names):
        raise UnsupportedSchedule(f"cron field {spec!r} uses L, W or # (not supported locally)")
    values: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in {"*", ""}:
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, names: dict[str, int] | None) -> int:
    return names[text.upper()] if names and text.upper() in names else int(text)


def next_fire(expression: str, after: datetime) -> datetime:
    """The first firing time strictly after ``after`` (aware datetime)."""
    after = after.astimezone(UTC)
    rate = _RATE.match(expression.strip())
    if rate:
        amount, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        return after + timedelta(**{f"{unit}s": amount})
    cron = _CRON.match(expression.strip())
    if not cron:
        raise UnsupportedSchedule(f"not a schedule expression: {expression}")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise UnsupportedSchedule("AWS cron has six fields: minutes hours day-of-month month day-of-week year")
    minutes, hours, days = _field(fields[0], 0, 59), _field(fields[1], 0, 23), _field(fields[2], 1, 31)
    months, weekdays, years = _field(fields[3], 1, 12, _MONTHS), _field(fields[4], 1, 7, _DAYS), _field(fields[5], 1970, 2199)
    candidate = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    limit = candidate + timedelta(days=366 * 5)
    while candidate < limit:
        aws_weekday = (candidate.isoweekday() % 7) + 1
        if ((years is None or candidate.year in years) and (months is None or candidate.month in months)
                and (days is None or candidate.day in days) and (weekdays is None or aws_weekday in weekdays)):
            if (hours is None or candidate.hour in hours) and (minutes is None or candidate.minute in minutes):
                return candidate
            candidate += timedelta(minutes=1)
        else:
            candidate = (candidate + timedelta(days=1)).replace(hour=0, minute=0)
    raise UnsupportedSchedule(f"{expression} does not fire within five years")


def scheduled_event(rule_name: str, rule_arn: str, at: datetime, account: str, region: str) -> dict:
    """The event EventBridge delivers to a scheduled target."""
    import uuid

    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }
