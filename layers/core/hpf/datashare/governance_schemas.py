"""HTTP models of 数据共享管理: the policy in force as the console shows it, a change, the changes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from hpf.datashare.catalog import catalog
from hpf.datashare.dialect import dialects
from hpf.datashare.governance import (
    CHANGE_KINDS,
    CHANNEL_PREFIX,
    Change,
    GatewayPolicy,
    Suspension,
    consumers,
    providers,
)
from hpf.datashare.keys import KEY_KINDS, KEY_STATES, KeyRecord
from hpf.web.schemas import Schema

Rate = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]{0,6}/(second|minute|hour|day)$")]


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ChangeValues(_Strict):
    """What a change sets; which fields count depends on its kind (docs/datashare.md, 数据共享管理)."""

    active: bool | None = Field(None, description="机构、用户：true 启用，false 停用")
    rate: Rate | None = Field(None, description="用户、接口：自有频率限制，如 600/minute；不填为默认")
    online: bool | None = Field(None, description="接口：true 启用，false 停用（按纸质材料办理）")
    freshness_seconds: int | None = Field(None, ge=0, le=90 * 86400, description="接口：缓存时效（秒），0 不缓存")
    scenarios: list[Annotated[str, StringConstraints(pattern=r"^[a-z_]{3,40}$")]] | None = Field(
        None, max_length=40, description="访问授权：允许的业务用途（场景代码）")
    caller_rate: Rate | None = Field(None, description="设置：每个调用者的默认频率")
    source_rate: Rate | None = Field(None, description="设置：每个数据源的默认频率")
    cache_enabled: bool | None = Field(None, description="设置：是否使用缓存")
    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        None, description="服务注册：对接方网关地址（http/https）；空为恢复部署配置")
    client_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)] | None = Field(
        None, description="服务注册：本方在对接方的应用标识")


class ChangeBody(_Strict):
    kind: Literal["organisation", "user", "interface", "access", "settings", "endpoint"] = Field(
        description="; ".join(f"{k} {v}" for k, v in CHANGE_KINDS.items()))
    target: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        description="机构代码或名称、用户标识、接口代码、机构或渠道（channel:app）；设置为 gateway")
    values: ChangeValues
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    expected_version: int = Field(ge=0, description="修改所依据的配置版本（读取时的 version）")


class ChangesQuery(_Strict):
    limit: int = Field(100, ge=1, le=500)


class StateView(Schema):
    active: bool
    reason: str = ""
    by: str = ""
    at: datetime | None = None

    @classmethod
    def of(cls, suspension: Suspension | None) -> StateView:
        if suspension is None:
            return cls(active=True)
        return cls(active=False, reason=suspension.reason, by=suspension.by, at=suspension.at)


class OrganisationView(Schema):
    code: str
    name: str
    kind: Literal["office", "channel", "provider"] = Field(description="office 中心管理部, channel 自助渠道, "
                                                                     "provider 数据提供机构")
    sources: list[str] = Field(description="提供机构的数据源")
    state: StateView


class UserView(Schema):
    subject: str
    state: StateView
    rate: str | None


class InterfaceView(Schema):
    code: str
    name: str
    agency: str
    interface: str
    state: StateView = Field(description="接口启用状态（停用即按纸质材料办理）")
    freshness_seconds: int = Field(description="生效的缓存时效")
    catalogue_freshness_seconds: int = Field(description="目录规定的缓存时效")
    own_freshness: bool
    rate: str | None = Field(description="接口自有频率限制")


class AccessView(Schema):
    consumer: str
    name: str
    scenarios: list[str]


class SettingsView(Schema):
    caller_rate: str | None
    source_rate: str | None
    cache_enabled: bool
    default_caller_rate: str
    default_source_rate: str


class EndpointView(Schema):
    gateway: str
    name: str = Field(description="对接方")
    signature: str = Field(description="签名方式（国密 sm2-sm3 需证书管理的密钥）")
    sources: int
    registered: bool = Field(description="已在此注册地址；否则用部署配置的地址")
    url: str | None
    client_id: str | None
    by: str | None
    at: datetime | None


class PolicyView(Schema):
    version: int
    organisations: list[OrganisationView]
    users: list[UserView]
    interfaces: list[InterfaceView]
    access: list[AccessView]
    settings: SettingsView
    endpoints: list[EndpointView]

    @classmethod
    def of(cls, p: GatewayPolicy, default_caller_rate: str, default_source_rate: str) -> PolicyView:
        offices = [OrganisationView(code=c, name=n, kind="channel" if c.startswith(CHANNEL_PREFIX) else "office",
                                    sources=[], state=StateView.of(p.organisations.get(c)))
                   for c, n in consumers().items()]
        agencies = [OrganisationView(code=a, name=a, kind="provider", sources=codes,
                                     state=StateView.of(p.organisations.get(a))) for a, codes in providers().items()]
        interfaces = []
        for code, s in catalog().items():
            own = p.interfaces.get(code)
            interfaces.append(InterfaceView(
                code=code, name=s.name, agency=s.agency, interface=s.interface,
                state=StateView.of(own.offline if own else None), freshness_seconds=p.freshness_seconds(code),
                catalogue_freshness_seconds=int(s.freshness.total_seconds()),
                own_freshness=bool(own and own.freshness_seconds is not None), rate=own.rate if own else None))
        users = [UserView(subject=u, state=StateView.of(p.users.get(u)), rate=p.user_rates.get(u))
                 for u in sorted(set(p.users) | set(p.user_rates))]
        names = consumers()
        endpoints = []
        for gateway, dialect in sorted(dialects().items()):
            serves = [s for s in catalog().values() if s.gateway == gateway]
            at = p.endpoints.get(gateway)
            endpoints.append(EndpointView(
                gateway=gateway, name=serves[0].agency if gateway != "bigdata" else "鹰潭市大数据中心",
                signature=dialect.signature, sources=len(serves), registered=at is not None,
                url=at.url if at else None, client_id=at.client_id if at else None, by=at.by if at else None,
                at=at.at if at else None))
        return cls(version=p.version, endpoints=endpoints, organisations=offices + agencies, users=users, interfaces=interfaces,
                   access=[AccessView(consumer=c, name=names.get(c, c), scenarios=sorted(p.access.get(c, ())))
                           for c in names],
                   settings=SettingsView(caller_rate=p.settings.caller_rate, source_rate=p.settings.source_rate,
                                         cache_enabled=p.settings.cache_enabled,
                                         default_caller_rate=default_caller_rate,
                                         default_source_rate=default_source_rate))


class ChangeView(Schema):
    version: int
    kind: str
    kind_name: str
    target: str
    target_name: str = Field(description="对象的名称：接口、机构或渠道的名称；用户为其账号")
    values: dict[str, Any]
    reason: str
    by: str
    by_name: str
    at: datetime

    @classmethod
    def of(cls, c: Change) -> ChangeView:
        named = {**{code: src.name for code, src in catalog().items()}, **consumers(), "gateway": "共享交换设置"}
        return cls(version=c.version, kind=c.kind, kind_name=CHANGE_KINDS.get(c.kind, c.kind), target=c.target,
                   target_name=named.get(c.target, c.target), values=c.values, reason=c.reason, by=c.by,
                   by_name=c.by_name, at=c.at)


class ChangeList(Schema):
    changes: list[ChangeView]



# -- 证书管理 (6.3.2) ------------------------------------------------------------------------------------------------
KeyId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{2,20}\.(own_sm2|peer_sm2|sm4)\.[0-9]{14}\.[0-9a-f]{6}$")]


class KeyBody(_Strict):
    gateway: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{2,20}$")] = Field(description="对接方（国密接入）")
    kind: Literal["own_sm2", "peer_sm2", "sm4"] = Field(description="; ".join(f"{k} {v}" for k, v in KEY_KINDS.items()))
    valid_days: int = Field(366, ge=1, le=5 * 366)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]
    public_key: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = Field(
        "", description="对方SM2公钥（十六进制，04开头的非压缩点）；仅 peer_sm2")
    transport_key: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^([0-9A-Fa-f]{32})?$")] = Field(
        "", description="对方签发的SM4密钥（32位十六进制）；不填则生成；仅 sm4")


class KeyPath(_Strict):
    key_id: KeyId


class KeyActionBody(_Strict):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]


class KeyView(Schema):
    key_id: str
    gateway: str
    kind: str
    kind_name: str
    public_key: str = Field(description="SM2公钥（本方的交给对方，对方的用于验签）；SM4密钥不显示")
    fingerprint: str = Field(description="SM3指纹：双方核对")
    created_at: datetime
    valid_until: date
    state: str
    state_name: str
    expiring: bool = Field(description="在用且30天内到期")
    by: str
    reason: str
    changed_at: datetime | None
    changed_by: str

    @classmethod
    def of(cls, r: KeyRecord, expiring: bool = False) -> KeyView:
        return cls(key_id=r.key_id, gateway=r.gateway, kind=r.kind, kind_name=KEY_KINDS[r.kind],
                   public_key=r.public_key, fingerprint=r.fingerprint, created_at=r.created_at,
                   valid_until=r.valid_until, state=r.state, state_name=KEY_STATES[r.state], expiring=expiring,
                   by=r.by, reason=r.reason, changed_at=r.changed_at, changed_by=r.changed_by)


class GatewayName(Schema):
    code: str
    name: str


class KeyList(Schema):
    gateways: list[GatewayName] = Field(description="使用国密签名、需要密钥的对接方")
    keys: list[KeyView]


class CreatedKeyView(Schema):
    key: KeyView
    handover: str = Field(description="交给对方的内容：本方公钥，或新生成的SM4密钥（仅此一次显示）")
