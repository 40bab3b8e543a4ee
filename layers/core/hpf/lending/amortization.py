"""Repayment schedules (还款计划) and interest, exact to the fen. Pure: no storage, no clock.

Two repayment methods (贷款还款方式, DKHKFS), both monthly:
- 等额本息 (equal installments): the same payment every month, P·r·(1+r)^n / ((1+r)^n − 1) rounded half-up to
  the fen; each month's interest is the balance × r rounded to the fen, the rest is principal;
- 等额本金 (equal principal): P / n of principal every month (rounded), plus the balance × r.
The last installment takes whatever rounding left: after it the balance is exactly zero.

r is the annual contract rate / 12. Interest between two dates (early repayment) is by the day, annual / 360 —
the convention of Chinese bank lending, named in docs/lending.md with the rest of what we assumed.

Wherever a rate is split (monthly, daily) the amount is multiplied by the annual rate *before* dividing: a monthly
rate cut to 28 digits first (0.031 / 12 = 0.0025833…) makes an exact half fen come out a hair short and round
down — 287,100.00 at 3.1 % owes exactly 741.675 a month, 741.68 half-up, not 741.67.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from hpf.common.coded import CodedEnum
from hpf.common.money import ZERO, round_fen

MONTHS_PER_YEAR = Decimal(12)
DAYS_PER_YEAR = Decimal(360)


class RepaymentMethod(CodedEnum):
    EQUAL_INSTALLMENT = ("01", "等额本息")
    EQUAL_PRINCIPAL = ("02", "等额本金")


@dataclass(frozen=True)
class Installment:
    """One month of the plan: 期次, due date, and how the payment splits."""

    period: int
    due: date
    principal: Decimal
    interest: Decimal
    balance_after: Decimal

    @property
    def payment(self) -> Decimal:
        return self.principal + self.interest


def add_months(start: date, months: int, day: int | None = None) -> date:
    """The same day of the month ``months`` later, or the month's last day when it is shorter (31 Jan → 28 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(day or start.day, calendar.monthrange(year, month)[1]))


def schedule(balance: Decimal, annual_rate: Decimal, months: int, method: RepaymentMethod, anchor: date,
             first_period: int = 1) -> list[Installment]:
    """The plan for ``balance`` over ``months`` months. Installment k (counting from ``first_period``) falls due
    on the anchor's day of the month, k months after the anchor (the disbursement date)."""
    if months <= 0:
        raise ValueError("a schedule needs at least one month")
    payment = equal_payment(balance, annual_rate, months) if method is RepaymentMethod.EQUAL_INSTALLMENT else None
    each_principal = round_fen(balance / months)
    plan, remaining = [], balance
    for k in range(months):
        period = first_period + k
        interest = monthly_interest(remaining, annual_rate)
        if k == months - 1:
            principal = remaining
        elif payment is not None:
            principal = min(payment - interest, remaining)
        else:
            principal = min(each_principal, remaining)
        remaining -= principal
        plan.append(Installment(period, add_months(anchor, period, anchor.day), principal, interest, remaining))
    return plan


def monthly_interest(balance: Decimal, annual_rate: Decimal) -> Decimal:
    """A month's interest on ``balance``, half-up to the fen: balance × annual rate is exact, divided once."""
    return round_fen(balance * annual_rate / MONTHS_PER_YEAR)


def equal_payment(balance: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """The monthly payment of 等额本息, rounded half-up to the fen."""
    if annual_rate == 0:
        return round_fen(balance / months)
    with localcontext() as ctx:
        ctx.prec = 34  # (1+r)^360 needs the digits: the rounding happens once, at the fen
        r = annual_rate / MONTHS_PER_YEAR
        growth = (1 + r) ** months
        return round_fen(balance * annual_rate * growth / (MONTHS_PER_YEAR * (growth - 1)))


def accrued_interest(principal: Decimal, annual_rate: Decimal, since: date, until: date) -> Decimal:
    """Interest on ``principal`` for the days from ``since`` (exclusive) to ``until`` (inclusive): 按日计息."""
    days = (until - since).days
    if days <= 0:
        return ZERO
    return round_fen(principal * annual_rate * days / DAYS_PER_YEAR)


def total_interest(plan: list[Installment]) -> Decimal:
    return sum((i.interest for i in plan), ZERO)
