"""The scenarios (共享数据场景, scenarios.yaml): which sources a business reads and what it does with their answers —
compare what the person typed, fill the form, decide whether the business can go on without paper, and which
materials the data stands for. Pure rules over answers already fetched (``evaluate``); the fetching is
``checks.ScenarioChecks``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from hpf.common.errors import NotFound
from hpf.datashare.catalog import catalog

MATERIAL_NAMES = {"id_card": "居民身份证", "business_licence": "营业执照", "purchase_contract": "购房合同（网签备案）",
                  "property_certificate": "不动产权证书", "marriage_certificate": "结婚证", "death_certificate": "死亡证明",
                  "cancellation_notice": "注销登记通知书", "presale_permit": "商品房预售许可证",
                  "planning_permit": "建设工程规划许可证"}


@dataclass(frozen=True)
class Requirement:
    source: str
    present: bool | None = None
    field: str = ""
    allowed: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()

    def unmet(self, records: list[dict[str, Any]], name: str) -> str:
        """Why the answer does not meet the requirement ("" when it does)."""
        if self.present is True and not records:
            return f"{name}无记录"
        if self.present is False and records:
            return f"{name}有记录"
        values = {str(r.get(self.field, "")) for r in records}
        if self.allowed and not values & set(self.allowed):
            return f"{name}的{self.field}为“{'、'.join(sorted(values)) or '无'}”，应为{'、'.join(self.allowed)}"
        if self.refused and values & set(self.refused):
            return f"{name}的{self.field}为“{'、'.join(sorted(values & set(self.refused)))}”"
        return ""


@dataclass(frozen=True)
class Scenario:
    code: str
    feature: str
    name: str
    subject: str
    sources: tuple[str, ...]
    compare: dict[str, tuple[str, str]]  # our typed field → (source, source field in our names)
    prefill: dict[tuple[str, str], str]  # (source, field) → the form's field
    requirements: tuple[Requirement, ...]
    materials: dict[str, str]  # material code → the source that stands for it


@dataclass(frozen=True)
class Difference:
    field: str
    typed: str
    shared: str
    source: str


@dataclass
class Evaluation:
    """What the shared data says about one business: ``online`` when every requirement is met from data that
    answered; otherwise ``paper`` names why the paper path is needed (a source down is a reason like any other,
    never an error)."""

    scenario: str
    prefill: dict[str, str] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)  # satisfied by shared data: not asked for on paper
    paper: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)
    unmet: list[str] = field(default_factory=list)  # what the answered data says against the business
    query_ids: dict[str, str] = field(default_factory=dict)  # source → its trail record

    @property
    def online(self) -> bool:
        return not self.paper

    @property
    def review(self) -> bool:
        """What the person typed differs from what a source says: the reviewer decides, nothing is overwritten."""
        return bool(self.differences)


def _pair(text: str) -> tuple[str, str]:
    src, _, name = text.partition(".")
    if src not in catalog() or not name:
        raise ValueError(f"scenario field {text!r}: not <source>.<field>")
    return src, name


@lru_cache(maxsize=1)
def scenarios() -> dict[str, Scenario]:
    raw = yaml.safe_load(resources.files("hpf.datashare").joinpath("scenarios.yaml").read_text(encoding="utf-8"))
    found: dict[str, Scenario] = {}
    for s in raw["scenarios"]:
        unknown = [src for src in s["sources"] if src not in catalog()]
        unknown += [m for m in (s.get("materials") or {}) if m not in MATERIAL_NAMES]
        if unknown:
            raise ValueError(f"{s['code']}: unknown sources or materials {unknown}")
        requirements = tuple(Requirement(r["source"], r.get("present"), r.get("field", ""), tuple(r.get("in", ())),
                                         tuple(r.get("not_in", ()))) for r in s.get("require", []))
        found[s["code"]] = Scenario(
            s["code"], str(s["feature"]), s["name"], s["subject"], tuple(s["sources"]),
            {ours: _pair(theirs) for ours, theirs in (s.get("compare") or {}).items()},
            {_pair(theirs): ours for theirs, ours in (s.get("prefill") or {}).items()}, requirements,
            dict(s.get("materials") or {}))
    return found


def scenario(code: str) -> Scenario:
    found = scenarios().get(code)
    if found is None:
        raise NotFound(f"没有名为 {code} 的共享数据场景", code="SCENARIO_UNKNOWN")
    return found


def evaluate(s: Scenario, typed: dict[str, str], answers: dict[str, list[dict[str, Any]] | None]) -> Evaluation:
    """``answers``: each source's records in our field names, or None when the source could not be asked."""
    result = Evaluation(s.code)
    names = {code: catalog()[code].name for code in s.sources}
    result.unavailable = [code for code in s.sources if answers.get(code) is None]
    # a source that could not be asked sends the business to paper only if a requirement rests on it; one the
    # scenario merely reads (to compare, to fill in) leaves that part undone and the business online
    required = {r.source for r in s.requirements}
    for code in result.unavailable:
        if code in required:
            result.paper.append(f"{names[code]}暂不可用")
    for ours, (src, theirs) in s.compare.items():
        records, value = answers.get(src), str(typed.get(ours, "")).strip()
        if records and value:
            shared = {str(r.get(theirs, "")).strip() for r in records}
            if value not in shared:
                result.differences.append(Difference(ours, value, "、".join(sorted(shared)), src))
    for (src, theirs), ours in s.prefill.items():
        records = answers.get(src)
        if records and records[0].get(theirs) not in (None, ""):
            result.prefill[ours] = str(records[0][theirs])
    for requirement in s.requirements:
        records = answers.get(requirement.source)
        if records is not None:
            why = requirement.unmet(records, names[requirement.source])
            if why:
                result.unmet.append(why)
                result.paper.append(why)
    result.materials = [m for m, src in s.materials.items() if answers.get(src)]
    return result
