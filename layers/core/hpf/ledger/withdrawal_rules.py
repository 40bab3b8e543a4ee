"""Withdrawal rules (提取规则) as configuration (withdrawal_rules.yaml) and their evaluation.

``check`` is pure: given the rule, the request and what the ledger knows of the account (its balance and
reservations, earlier withdrawals, deposited months, when it was sealed), it either passes or raises the first
rule broken, with a stable code and a Chinese message. The service calls it inside the unit of work that
reserves the money, so what was checked is what is committed (a concurrent change fails the version check and
the whole check runs again on fresh data).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path

from hpf.common.errors import BusinessRuleViolation, ValidationFailed
from hpf.common.money import ZERO, to_money
from hpf.common.versions import in_force


class Mode(str, Enum):
    PARTIAL = "partial"  # 部分提取
    CLOSING = "closing"  # 销户提取
    EITHER = "either"


class Payee(str, Enum):
    HOLDER = "holder"
    HEIR = "heir"  # 继承人 (death)
    CENTER = "center"  # the receiving center (transfer-out)


class Kind(str, Enum):
    WITHDRAWAL = "withdrawal"  # 提取: closes as 05 提取销户
    TRANSFER_OUT = "transfer_out"  # 外部转出: closes as 04 外部转出销户


@dataclass(frozen=True)
class WithdrawalRule:
    key: str  # e.g. "purchase_commercial"
    code: str  # 提取原因 TQYY
    name: str
    mode: Mode
    materials: tuple[str, ...]
    channels: frozenset[str]
    evidence_within_months: int | None = None  # None: the reason rests on no dated document
    once_per_reference: bool = False
    capped_by_evidence: bool = False
    per_year: int | None = None
    cap: Decimal | None = None
    yearly_cap: Decimal | None = None
    keep_balance: Decimal = ZERO
    deposit_months: int = 0
    sealed_months: int = 0
    payee: Payee = Payee.HOLDER
    kind: Kind = Kind.WITHDRAWAL
    scenario: str = ""  # the shared-data scenario (共享数据场景) that checks this reason, if any

    @property
    def needs_evidence(self) -> bool:
        return self.evidence_within_months is not None


@dataclass(frozen=True)
class RuleVersion:
    effective: date
    rules: dict[str, WithdrawalRule]


class WithdrawalRuleBook:
    def __init__(self, versions: list[RuleVersion], materials: dict[str, str], licences: dict[str, str] | None = None):
        if not versions:
            raise ValueError("no withdrawal rules configured")
        self._versions = sorted(versions, key=lambda v: v.effective)
        self.materials = materials
        # material code → the e-licence type that can stand for it (the rest are presented as scans or numbers)
        self.licences = licences or {}

    def on(self, day: date) -> RuleVersion:
        return in_force(self._versions, day, lambda v: v.effective,
                        lambda d: BusinessRuleViolation(f"{d}无适用的提取规则", code="NO_POLICY"))

    def names(self) -> dict[str, str]:
        """Every reason any version knew, by its key, under its latest name (figures span versions)."""
        return {key: rule.name for version in self._versions for key, rule in version.rules.items()}

    def rule(self, key: str, day: date) -> WithdrawalRule:
        rule = self.on(day).rules.get(key)
        if rule is None:
            raise ValidationFailed("提取原因不存在", code="UNKNOWN_WITHDRAWAL_REASON")
        return rule


@dataclass(frozen=True)
class Evidence:
    """The document the withdrawal rests on: 购房合同、借款合同、发票、租赁合同… (number, amount, date)."""

    reference: str
    amount: Decimal
    issued_on: date


@dataclass(frozen=True)
class PastWithdrawal:
    rule: str
    amount: Decimal
    requested_on: date
    reference: str  # the evidence reference, "" when none


@dataclass(frozen=True)
class Request:
    rule: str
    closing: bool
    amount: Decimal | None  # None for a closing withdrawal: the whole balance
    materials: frozenset[str]
    evidence: Evidence | None
    channel_online: bool
    heir_named: bool


@dataclass(frozen=True)
class AccountFacts:
    available: Decimal  # balance less reservations of pending withdrawals
    pending: int  # withdrawals awaiting payment
    history: list[PastWithdrawal] = field(default_factory=list)  # not failed ones
    deposited_months: frozenset[str] = frozenset()  # YYYY-MM
    sealed_since: date | None = None  # when it was last sealed, if it is sealed now


def check(rule: WithdrawalRule, request: Request, facts: AccountFacts, today: date,
          materials: dict[str, str]) -> Decimal:
    """The amount to reserve if every rule holds; else the first broken rule as a BusinessRuleViolation."""
    _check_channel_and_mode(rule, request)
    missing = [m for m in rule.materials if m not in request.materials]
    if missing:
        names = "、".join(materials.get(m, m) for m in missing)
        raise BusinessRuleViolation(f"缺少提取材料：{names}", code="MATERIALS_MISSING", details={"missing": missing})
    if rule.payee is Payee.HEIR and not request.heir_named:
        raise BusinessRuleViolation("死亡提取须登记继承人及其收款账户", code="HEIR_REQUIRED")
    _check_evidence(rule, request.evidence, today)
    _check_account(rule, facts, today)
    same_rule = [w for w in facts.history if w.rule == rule.key]
    if rule.per_year is not None and sum(w.requested_on.year == today.year for w in same_rule) >= rule.per_year:
        raise BusinessRuleViolation(f"{rule.name}每年限办理{rule.per_year}次", code="WITHDRAWAL_FREQUENCY_EXCEEDED")
    reference = request.evidence.reference if request.evidence else ""
    on_reference = [w for w in facts.history if reference and w.reference == reference and w.rule == rule.key]
    if rule.once_per_reference and on_reference:
        raise BusinessRuleViolation("该凭证已办理过提取，不能重复提取", code="WITHDRAWAL_REFERENCE_USED")
    if request.closing:
        if facts.pending:
            raise BusinessRuleViolation("账户有待支付的提取，不能销户提取", code="WITHDRAWAL_PENDING")
        if facts.available <= ZERO:
            raise BusinessRuleViolation("账户无可提取余额", code="WITHDRAWAL_OVER_AVAILABLE")
        return facts.available
    amount = to_money(request.amount if request.amount is not None else ZERO)
    if amount <= ZERO:
        raise BusinessRuleViolation("提取金额必须大于零", code="AMOUNT_NOT_POSITIVE")
    if rule.cap is not None and amount > rule.cap:
        raise BusinessRuleViolation(f"{rule.name}单笔最多{rule.cap}元", code="WITHDRAWAL_OVER_CAP")
    if rule.yearly_cap is not None:
        this_year = sum((w.amount for w in same_rule if w.requested_on.year == today.year), ZERO)
        if this_year + amount > rule.yearly_cap:
            raise BusinessRuleViolation(f"{rule.name}每年最多{rule.yearly_cap}元，本年已提取{this_year}元",
                                        code="WITHDRAWAL_OVER_CAP")
    if rule.capped_by_evidence and request.evidence is not None:
        used = sum((w.amount for w in on_reference), ZERO)
        if used + amount > request.evidence.amount:
            raise BusinessRuleViolation(f"提取金额超过凭证金额（{request.evidence.amount}元，已提取{used}元）",
                                        code="WITHDRAWAL_OVER_EVIDENCE")
    if amount > facts.available - rule.keep_balance:
        raise BusinessRuleViolation(f"提取金额超过可提取余额{max(facts.available - rule.keep_balance, ZERO)}元",
                                    code="WITHDRAWAL_OVER_AVAILABLE")
    return amount


def _check_channel_and_mode(rule: WithdrawalRule, request: Request) -> None:
    if request.channel_online and "online" not in rule.channels:
        raise BusinessRuleViolation(f"{rule.name}须到柜台办理", code="COUNTER_ONLY")
    if request.closing and rule.mode is Mode.PARTIAL:
        raise BusinessRuleViolation(f"{rule.name}为部分提取，不能销户", code="WITHDRAWAL_MODE_NOT_ALLOWED")
    if not request.closing and rule.mode is Mode.CLOSING:
        raise BusinessRuleViolation(f"{rule.name}须销户提取全部余额", code="WITHDRAWAL_MODE_NOT_ALLOWED")
    if request.closing and request.amount is not None:
        raise ValidationFailed("销户提取不填写金额：提取全部余额及利息", code="CLOSING_AMOUNT_GIVEN")


def _check_evidence(rule: WithdrawalRule, evidence: Evidence | None, today: date) -> None:
    if not rule.needs_evidence:
        return
    if evidence is None:
        raise BusinessRuleViolation(f"{rule.name}须提供凭证号码、金额和日期", code="EVIDENCE_REQUIRED")
    if evidence.issued_on > today:
        raise ValidationFailed("凭证日期不能晚于今天", code="EVIDENCE_IN_FUTURE")
    if _months_between(evidence.issued_on, today) >= (rule.evidence_within_months or 0):
        raise BusinessRuleViolation(f"{rule.name}须在凭证日期后{rule.evidence_within_months}个月内办理",
                                    code="EVIDENCE_TOO_OLD")


def _check_account(rule: WithdrawalRule, facts: AccountFacts, today: date) -> None:
    if rule.deposit_months:
        wanted = [_month_back(today, n) for n in range(1, rule.deposit_months + 1)]
        if any(m not in facts.deposited_months for m in wanted):
            raise BusinessRuleViolation(f"须连续缴存{rule.deposit_months}个月以上", code="DEPOSIT_MONTHS_INSUFFICIENT")
    if rule.sealed_months:
        if facts.sealed_since is None or _months_between(facts.sealed_since, today) < rule.sealed_months:
            raise BusinessRuleViolation(f"个人账户须封存满{rule.sealed_months}个月", code="NOT_SEALED_LONG_ENOUGH")


def _months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier`` to ``later`` (15 Jan → 14 Jul is 5, → 15 Jul is 6)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def _month_back(today: date, n: int) -> str:
    index = today.year * 12 + today.month - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@lru_cache(maxsize=4)
def load_withdrawal_rules(path: str | None = None) -> WithdrawalRuleBook:
    import yaml

    source = Path(path or os.environ.get("HPF_WITHDRAWAL_RULES") or Path(__file__).with_name("withdrawal_rules.yaml"))
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    materials = dict(spec["materials"])
    versions = []
    for version in spec["versions"]:
        rules = {key: _rule(key, value, materials) for key, value in version["rules"].items()}
        versions.append(RuleVersion(date.fromisoformat(version["effective"]), rules))
    licences = dict(spec.get("licences") or {})
    unknown = [m for m in licences if m not in materials]
    if unknown:
        raise ValueError(f"withdrawal rules: licences for materials not in the catalogue: {unknown}")
    return WithdrawalRuleBook(versions, materials, licences)


def _rule(key: str, spec: dict, materials: dict[str, str]) -> WithdrawalRule:
    unknown = [m for m in spec["materials"] if m not in materials]
    if unknown:
        raise ValueError(f"withdrawal rule {key}: materials not in the catalogue: {unknown}")
    money = lambda name: to_money(spec[name]) if name in spec else None  # noqa: E731
    return WithdrawalRule(
        key=key, code=str(spec["code"]), name=spec["name"], mode=Mode(spec["mode"]),
        materials=tuple(spec["materials"]), channels=frozenset(spec.get("channels", ["counter"])),
        evidence_within_months=spec["evidence"]["within_months"] if "evidence" in spec else None,
        once_per_reference=bool(spec.get("once_per_reference", False)),
        capped_by_evidence=bool(spec.get("capped_by_evidence", False)),
        per_year=spec.get("per_year"), cap=money("cap"), yearly_cap=money("yearly_cap"),
        keep_balance=money("keep_balance") or ZERO, deposit_months=int(spec.get("deposit_months", 0)),
        sealed_months=int(spec.get("sealed_months", 0)), payee=Payee(spec.get("payee", "holder")),
        kind=Kind(spec.get("kind", "withdrawal")), scenario=spec.get("scenario", ""),
    )
