"""The exchange's management policy (数据共享管理), one versioned document every query reads:

- 机构管理 (6.3.3): an organisation suspended — one of the center's offices (its staff may not query) or an agency
  or bank that provides data (its sources are not asked: the paper way, with the reason);
- 用户管理 (6.3.1): a user suspended (left the post, under review), or given a rate of their own;
- 接口管理 / 服务治理 (6.3.4, 6.3.12): an interface taken offline with the reason, its freshness and rate changed;
- 设置管理 (6.3.6): the default rates per caller and per source, the answer cache on or off;
- 访问授权 (6.3.13): which consumers (offices, self-service channels) may query for which purposes;
- 服务注册 (6.3.11): where a counterpart's gateway is reached (its address and our client id there), registered
  here when it moves, instead of the deployment's parameters.

A change names what it changes and why and the version it was made against; applying it gives the next version
(a change made against an older version is refused, so two administrators never undo each other unseen). The
first version is the deployment's baseline (access.yaml and the catalogue); from then on the recorded document
holds, and the changes are its history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from hpf.common.errors import Conflict, ValidationFailed
from hpf.datashare.catalog import catalog
from hpf.datashare.scenarios import scenarios
from hpf.identity.principal import Principal
from hpf.identity.roles import organisations

CHANNEL_PREFIX = "channel:"
SELF_SERVICE_CHANNELS = {"app": "手机APP", "web": "个人网厅", "mini_program": "微信小程序", "ganfutong": "赣服通",
                         "unit_web": "单位网厅", "developer_web": "开发商网厅", "terminal": "大厅终端"}
_RATE = re.compile(r"^[1-9]\d{0,6}/(second|minute|hour|day)$")
MAX_FRESHNESS_SECONDS = 90 * 86400
CHANGE_KINDS = {"organisation": "机构管理", "user": "用户管理", "interface": "接口管理", "access": "访问授权",
                "settings": "设置管理", "endpoint": "服务注册"}
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?(/[A-Za-z0-9._~/-]*)?$")


class PolicyVersionMoved(Conflict):
    code = "POLICY_VERSION_CONFLICT"
    message = "管理配置已被他人修改，请刷新后重试"


@dataclass(frozen=True)
class Suspension:
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class InterfacePolicy:
    """服务治理 of one source: offline (with the reason the clerk is shown), a freshness or rate of its own."""

    offline: Suspension | None = None
    freshness_seconds: int | None = None
    rate: str | None = None


@dataclass(frozen=True)
class Endpoint:
    """服务注册 of a counterpart's gateway: where it is reached and as whom; the dialect stays the catalogue's."""

    url: str
    client_id: str
    by: str
    at: datetime


@dataclass(frozen=True)
class GatewaySettings:
    caller_rate: str | None = None  # None: the deployment's (HPF_DATASHARE_CALLER_RATE or 120/minute)
    source_rate: str | None = None
    cache_enabled: bool = True


@dataclass(frozen=True)
class Change:
    """One management change: what (kind, target), the values set, why, by whom, against which version."""

    version: int  # the version it produced
    kind: str
    target: str
    values: dict[str, Any]
    reason: str
    by: str
    by_name: str
    at: datetime


@dataclass(frozen=True)
class GatewayPolicy:
    version: int = 0
    organisations: dict[str, Suspension] = field(default_factory=dict)  # suspended: office code or agency name
    users: dict[str, Suspension] = field(default_factory=dict)  # suspended users (identity subject)
    user_rates: dict[str, str] = field(default_factory=dict)
    interfaces: dict[str, InterfacePolicy] = field(default_factory=dict)
    access: dict[str, frozenset[str]] = field(default_factory=dict)  # consumer → scenario codes
    settings: GatewaySettings = GatewaySettings()
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # gateway → registered address (else deployed)

    # -- what a query meets ----------------------------------------------------------------------------------------
    def refusal(self, actor: Principal, scenario: str) -> str:
        """Why this caller may not query for this purpose ("" when it may)."""
        if actor.subject in self.users:
            return f"用户已停用：{self.users[actor.subject].reason}"
        consumer = consumer_of(actor)
        if consumer in self.organisations:
            return f"机构已暂停使用共享数据：{self.organisations[consumer].reason}"
        if scenario not in self.access.get(consumer, frozenset()):
            return "该机构（渠道）未获此业务用途的访问授权"
        return ""

    def unavailable(self, source: str) -> str:
        """Why this source is not to be asked ("" when it is): its interface offline or its agency suspended."""
        interface = self.interfaces.get(source)
        if interface is not None and interface.offline is not None:
            return f"接口已停用：{interface.offline.reason}"
        agency = catalog()[source].agency
        if agency in self.organisations:
            return f"对接机构已暂停：{self.organisations[agency].reason}"
        return ""

    def freshness_seconds(self, source: str) -> int:
        if not self.settings.cache_enabled:
            return 0
        own = self.interfaces.get(source, InterfacePolicy()).freshness_seconds
        return int(catalog()[source].freshness.total_seconds()) if own is None else own

    def caller_rate(self, actor: Principal, default: str) -> str:
        return self.user_rates.get(actor.subject) or self.settings.caller_rate or default

    def source_rate(self, source: str, default: str) -> str:
        return self.interfaces.get(source, InterfacePolicy()).rate or self.settings.source_rate or default

    # -- changes ---------------------------------------------------------------------------------------------------
    def changed(self, kind: str, target: str, values: dict[str, Any], reason: str, actor: Principal,
                at: datetime, expected_version: int) -> tuple[GatewayPolicy, Change]:
        if expected_version != self.version:
            raise PolicyVersionMoved(details={"current": self.version})
        if not reason.strip():
            raise ValidationFailed("请填写变更原因", code="CHANGE_REASON_REQUIRED")
        apply = _APPLY.get(kind)
        if apply is None:
            raise ValidationFailed("不支持的管理变更类型", code="CHANGE_KIND_UNKNOWN")
        stamp = Suspension(reason.strip(), actor.subject, at)
        following = replace(apply(self, target, values, stamp), version=self.version + 1)
        return following, Change(following.version, kind, target, values, reason.strip(), actor.subject, actor.name,
                                 at)


def consumer_of(actor: Principal) -> str:
    """The consumer a query counts against: a staff member's office, else the self-service channel."""
    return actor.org if actor.is_staff and actor.org else f"{CHANNEL_PREFIX}{actor.channel.value}"


def consumers() -> dict[str, str]:
    """Every consumer the access grants may name: the offices, then the self-service channels."""
    return {**organisations(), **{f"{CHANNEL_PREFIX}{c}": n for c, n in SELF_SERVICE_CHANNELS.items()}}


def providers() -> dict[str, list[str]]:
    """The agencies and banks that provide data, each with its sources."""
    found: dict[str, list[str]] = {}
    for s in catalog().values():
        found.setdefault(s.agency, []).append(s.code)
    return found


@lru_cache(maxsize=1)
def _baseline_document() -> dict[str, Any]:
    return yaml.safe_load(resources.files("hpf.datashare").joinpath("access.yaml").read_text(encoding="utf-8"))


def baseline() -> GatewayPolicy:
    """Version 0: access.yaml's grants, every interface online, the deployment's rates."""
    raw = _baseline_document()
    access = {code: _scenario_set(raw.get("offices", [])) for code in organisations()}
    for channel, entry in (raw.get("channels") or {}).items():
        if channel not in SELF_SERVICE_CHANNELS:
            raise ValueError(f"access.yaml: unknown channel {channel!r}")
        access[f"{CHANNEL_PREFIX}{channel}"] = _scenario_set(entry)
    return GatewayPolicy(access=access)


def _scenario_set(entry: Any) -> frozenset[str]:
    known = scenarios()
    if entry == "all":
        return frozenset(known)
    chosen: set[str] = set()
    for item in entry or []:
        if str(item).startswith("subject:"):
            chosen |= {c for c, s in known.items() if s.subject == str(item).removeprefix("subject:")}
        elif item in known:
            chosen.add(item)
        else:
            raise ValidationFailed(f"没有名为 {item} 的共享数据场景", code="CHANGE_VALUES_INVALID")
    return frozenset(chosen)


# -- each kind of change -------------------------------------------------------------------------------------------
def _flag(values: dict[str, Any], name: str) -> bool:
    if not isinstance(values.get(name), bool):
        raise ValidationFailed(f"请说明 {name}（是/否）", code="CHANGE_VALUES_INVALID")
    return bool(values[name])


def _rate(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _RATE.match(value):
        raise ValidationFailed("频率应写作“次数/second|minute|hour|day”，如 120/minute", code="RATE_INVALID")
    return value


def _organisation(p: GatewayPolicy, target: str, values: dict[str, Any], stamp: Suspension) -> GatewayPolicy:
    if target not in organisations() and target not in providers() and target not in consumers():
        raise ValidationFailed("没有该机构", code="CHANGE_TARGET_UNKNOWN")
    suspended = dict(p.organisations)
    if _flag(values, "active"):
        suspended.pop(target, None)
    else:
        suspended[target] = stamp
    return replace(p, organisations=suspended)


def _user(p: GatewayPolicy, target: str, values: dict[str, Any], stamp: Suspension) -> GatewayPolicy:
    if not target.strip():
        raise ValidationFailed("请填写用户", code="CHANGE_TARGET_UNKNOWN")
    suspended, rates = dict(p.users), dict(p.user_rates)
    if _flag(values, "active"):
        suspended.pop(target, None)
    else:
        suspended[target] = stamp
    rate = _rate(values.get("rate"))
    if rate:
        rates[target] = rate
    else:
        rates.pop(target, None)
    return replace(p, users=suspended, user_rates=rates)


def _interface(p: GatewayPolicy, target: str, values: dict[str, Any], stamp: Suspension) -> GatewayPolicy:
    if target not in catalog():
        raise ValidationFailed("没有该接口", code="CHANGE_TARGET_UNKNOWN")
    freshness = values.get("freshness_seconds")
    if freshness is not None and (not isinstance(freshness, int) or isinstance(freshness, bool)
                                  or not 0 <= freshness <= MAX_FRESHNESS_SECONDS):
        raise ValidationFailed(f"缓存时效应为0至{MAX_FRESHNESS_SECONDS}秒", code="FRESHNESS_INVALID")
    online = _flag(values, "online")
    interfaces = dict(p.interfaces)
    interfaces[target] = InterfacePolicy(None if online else stamp, freshness, _rate(values.get("rate")))
    return replace(p, interfaces=interfaces)


def _access(p: GatewayPolicy, target: str, values: dict[str, Any], stamp: Suspension) -> GatewayPolicy:
    if target not in consumers():
        raise ValidationFailed("没有该机构或渠道", code="CHANGE_TARGET_UNKNOWN")
    chosen = values.get("scenarios")
    if not isinstance(chosen, list) or not all(isinstance(c, str) for c in chosen):
        raise ValidationFailed("请选择业务用途", code="CHANGE_VALUES_INVALID")
    return replace(p, access={**p.access, target: _scenario_set(chosen)})


def _settings(p: GatewayPolicy, target: str, values: dict[str, Any], stamp: Suspension) -> GatewayPolicy:
    return replace(p, settings=GatewaySettings(_rate(values.get("caller_rate")), _rate(values.get("source_rate")),
                                               _flag(values, "cache_enabled")))


def _endpoint(p: GatewayPolicy, target: str, values: dict[str, Any], stamp: Suspension) -> GatewayPolicy:
    from hpf.datashare.dialect import dialects

    if target not in dialects():
        raise ValidationFailed("没有该对接方", code="CHANGE_TARGET_UNKNOWN")
    url, client_id = str(values.get("url") or "").strip(), str(values.get("client_id") or "").strip()
    endpoints = dict(p.endpoints)
    if not url:  # unregistered: the deployment's address again
        endpoints.pop(target, None)
        return replace(p, endpoints=endpoints)
    if not _URL.match(url) or len(url) > 200 or not 1 <= len(client_id) <= 60:
        raise ValidationFailed("请填写对接方的服务地址（http/https）和本方应用标识", code="CHANGE_VALUES_INVALID")
    endpoints[target] = Endpoint(url.rstrip("/"), client_id, stamp.by, stamp.at)
    return replace(p, endpoints=endpoints)


_APPLY = {"organisation": _organisation, "user": _user, "interface": _interface, "access": _access,
          "settings": _settings, "endpoint": _endpoint}


# -- the document as stored ----------------------------------------------------------------------------------------
def as_document(p: GatewayPolicy) -> dict[str, Any]:
    def stamp(s: Suspension | None) -> dict[str, str] | None:
        return None if s is None else {"reason": s.reason, "by": s.by, "at": s.at.isoformat()}

    return {"version": p.version,
            "organisations": {k: stamp(v) for k, v in p.organisations.items()},
            "users": {k: stamp(v) for k, v in p.users.items()}, "user_rates": dict(p.user_rates),
            "interfaces": {k: {"offline": stamp(v.offline), "freshness_seconds": v.freshness_seconds,
                               "rate": v.rate} for k, v in p.interfaces.items()},
            "access": {k: sorted(v) for k, v in p.access.items()},
            "settings": {"caller_rate": p.settings.caller_rate, "source_rate": p.settings.source_rate,
                         "cache_enabled": p.settings.cache_enabled},
            "endpoints": {k: {"url": v.url, "client_id": v.client_id, "by": v.by, "at": v.at.isoformat()}
                          for k, v in p.endpoints.items()}}


def from_document(d: dict[str, Any]) -> GatewayPolicy:
    def stamp(s: dict[str, str] | None) -> Suspension | None:
        return None if s is None else Suspension(s["reason"], s["by"], datetime.fromisoformat(s["at"]))

    def required(s: dict[str, str]) -> Suspension:
        found = stamp(s)
        assert found is not None
        return found

    return GatewayPolicy(
        int(d["version"]), {k: required(v) for k, v in d["organisations"].items()},
        {k: required(v) for k, v in d["users"].items()}, dict(d["user_rates"]),
        {k: InterfacePolicy(stamp(v["offline"]), v["freshness_seconds"], v["rate"]) for k, v in d["interfaces"].items()},
        {k: frozenset(v) for k, v in d["access"].items()},
        GatewaySettings(d["settings"]["caller_rate"], d["settings"]["source_rate"], d["settings"]["cache_enabled"]),
        {k: Endpoint(v["url"], v["client_id"], v["by"], datetime.fromisoformat(v["at"]))
         for k, v in d.get("endpoints", {}).items()})
