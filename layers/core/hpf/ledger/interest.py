"""Deposit interest by the balance-days product (积数计息), settled every 30 June (结息日).

Conventions (docs/assumptions.md, "interest"):
- the interest year runs from the day after one settlement date to the next (1 July – 30 June);
- a movement accrues from its value date to the settlement date: amount × (settlement − value date) days;
  the balance brought into the year accrues from the previous settlement date;
- the daily rate is the annual rate / 360;
- the carried-over balance (上年结转) and this year's deposits (当年归集) accrue at their own rates; a
  withdrawal takes from this year's deposits first, then from the carried-over balance;
- a rate change splits the days at its effective date;
- interest is computed exactly — products summed first, divided by 360 once — and rounded half-up to the fen
  once, at the end (dividing each segment separately leaves 28-digit remainders that can tip a half-fen).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from hpf.common.money import ZERO, round_fen, to_money
from hpf.common.versions import in_force

DAYS_PER_YEAR = Decimal(360)


class InterestError(ValueError):
    pass


@dataclass(frozen=True)
class Rates:
    effective: date
    carried: Decimal
    current: Decimal


class RateBook:
    def __init__(self, versions: list[Rates]):
        if not versions:
            raise ValueError("no deposit rates configured")
        self._versions = sorted(versions, key=lambda v: v.effective)

    def on(self, day: date) -> Rates:
        return in_force(self._versions, day, lambda v: v.effective,
                        lambda d: InterestError(f"{d}无适用的存款利率，请在利率配置中补充"))

    def changes_between(self, start: date, end: date) -> list[date]:
        """Effective dates strictly inside (start, end]: where the days must be split."""
        return [v.effective for v in self._versions if start < v.effective <= end]


@lru_cache(maxsize=4)
def load_rate_book(path: str | None = None) -> RateBook:
    import yaml

    source = Path(path or os.environ.get("HPF_DEPOSIT_RATES") or Path(__file__).with_name("rates.yaml"))
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    return RateBook([Rates(date.fromisoformat(v["effective"]), Decimal(v["carried"]), Decimal(v["current"]))
                     for v in spec["versions"]])


def settlement_date_for(day: date) -> date:
    """The 30 June on or after ``day``: the settlement closing the interest year ``day`` belongs to."""
    june = date(day.year, 6, 30)
    return june if day <= june else date(day.year + 1, 6, 30)


def latest_settlement(today: date) -> date:
    """The most recent 30 June before ``today``: what a run on ``today`` settles."""
    june = date(today.year, 6, 30)
    return june if today > june else date(today.year - 1, 6, 30)


def previous_settlement(settlement: date) -> date:
    return date(settlement.year - 1, 6, 30)


@dataclass(frozen=True)
class Movement:
    value_date: date
    amount: Decimal  # deposits positive, withdrawals negative


@dataclass(frozen=True)
class InterestResult:
    carried_product: Decimal  # 积数 of the carried-over balance (yuan × days)
    current_product: Decimal  # 积数 of this year's deposits
    interest: Decimal  # rounded to the fen
    closing_balance: Decimal  # before adding the interest
    closing_carried: Decimal
    closing_current: Decimal


def accrue(opening_balance: Decimal, movements: list[Movement], start: date, end: date, rates: RateBook,
           *, opening_current: Decimal = ZERO) -> InterestResult:
    """Interest for the days from ``start`` (the previous settlement, or the opening of the account) to
    ``end`` (this settlement, or the closing date) on the opening balance and the movements in between."""
    if end < start:
        raise InterestError("the period ends before it starts")
    carried, current = to_money(opening_balance) - opening_current, to_money(opening_current)
    if carried < ZERO or current < ZERO:
        raise InterestError("opening balances cannot be negative")
    ordered = sorted(movements, key=lambda m: m.value_date)
    for m in ordered:
        if not start <= m.value_date <= end:
            raise InterestError(f"a movement on {m.value_date} lies outside {start}..{end}")
    boundaries = sorted({start, end, *(m.value_date for m in ordered), *rates.changes_between(start, end)})
    carried_product = current_product = ZERO
    rate_weighted_product = Decimal(0)  # Σ balance × days × annual rate: exact, divided by 360 only once
    pending = list(ordered)
    for day, next_day in pairwise(boundaries):
        while pending and pending[0].value_date == day:
            carried, current = _apply(carried, current, pending.pop(0).amount)
        days = Decimal((next_day - day).days)
        rate = rates.on(day)
        carried_product += carried * days
        current_product += current * days
        rate_weighted_product += (carried * rate.carried + current * rate.current) * days
    while pending:  # movements on the end date accrue no days
        carried, current = _apply(carried, current, pending.pop(0).amount)
    return InterestResult(carried_product, current_product, round_fen(rate_weighted_product / DAYS_PER_YEAR), carried + current,
                          carried, current)


def _apply(carried: Decimal, current: Decimal, amount: Decimal) -> tuple[Decimal, Decimal]:
    if amount >= ZERO:
        return carried, current + amount
    taken_from_current = min(current, -amount)
    rest = -amount - taken_from_current
    if rest > carried:
        raise InterestError("a withdrawal exceeds the balance")
    return carried - rest, current - taken_from_current
