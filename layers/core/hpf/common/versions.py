"""Configuration that changes over time as dated versions: the version in force on a day is the latest one
that took effect on or before it. Used by the deposit policy and the deposit rates."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

V = TypeVar("V")


def in_force(versions: Sequence[V], day: date, effective: Callable[[V], date], missing: Callable[[date], Exception]) -> V:
    applicable = [v for v in versions if effective(v) <= day]
    if not applicable:
        raise missing(day)
    return max(applicable, key=effective)
