"""Dated deposit-policy versions loaded from configuration (policy.yaml, or HPF_DEPOSIT_POLICY as a path)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

from hpf.common.errors import BusinessRuleViolation
from hpf.common.money import round_fen, to_money
from hpf.common.versions import in_force


@dataclass(frozen=True)
class Range:
    min: Decimal
    max: Decimal

    def contains(self, value: Decimal) -> bool:
        return self.min <= value <= self.max


@dataclass(frozen=True)
class DepositPolicy:
    effective: date
    unit_ratio: Range
    personal_ratio: Range
    base: Range
    voluntary_ratios: tuple[Decimal, Decimal] = (Decimal("0.12"), Decimal("0.12"))

    def check_ratios(self, unit_ratio: Decimal, personal_ratio: Decimal) -> None:
        if not self.unit_ratio.contains(unit_ratio):
            raise BusinessRuleViolation(
                f"单位缴存比例应在{_pct(self.unit_ratio.min)}至{_pct(self.unit_ratio.max)}之间",
                code="RATIO_OUT_OF_POLICY",
            )
        if not self.personal_ratio.contains(personal_ratio):
            raise BusinessRuleViolation(
                f"个人缴存比例应在{_pct(self.personal_ratio.min)}至{_pct(self.personal_ratio.max)}之间",
                code="RATIO_OUT_OF_POLICY",
            )

    def check_base(self, base: Decimal) -> None:
        if not self.base.contains(base):
            raise BusinessRuleViolation(
                f"缴存基数应在{self.base.min}元至{self.base.max}元之间", code="BASE_OUT_OF_POLICY"
            )

    @staticmethod
    def monthly_amount(base: Decimal, ratio: Decimal) -> Decimal:
        return round_fen(base * ratio)


def _pct(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize()}%"


class PolicyBook:
    def __init__(self, versions: list[DepositPolicy]):
        if not versions:
            raise ValueError("no deposit policy configured")
        self._versions = sorted(versions, key=lambda v: v.effective)

    def on(self, day: date) -> DepositPolicy:
        return in_force(self._versions, day, lambda v: v.effective,
                        lambda d: BusinessRuleViolation(f"{d}无适用的缴存政策", code="NO_POLICY"))


def _range(spec: dict) -> Range:
    return Range(Decimal(str(spec["min"])), Decimal(str(spec["max"])))


@lru_cache(maxsize=4)
def load_policy_book(path: str | None = None) -> PolicyBook:
    source = Path(path or os.environ.get("HPF_DEPOSIT_POLICY") or Path(__file__).with_name("policy.yaml"))
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    return PolicyBook(
        [
            DepositPolicy(
                effective=date.fromisoformat(v["effective"]),
                unit_ratio=_range(v["unit_ratio"]),
                personal_ratio=_range(v["personal_ratio"]),
                base=Range(to_money(v["base"]["min"]), to_money(v["base"]["max"])),
                voluntary_ratios=(Decimal(str(v["voluntary"]["unit_ratio"])),
                                  Decimal(str(v["voluntary"]["personal_ratio"]))) if "voluntary" in v
                else (Decimal("0.12"), Decimal("0.12")),
            )
            for v in spec["versions"]
        ]
    )
