"""HTTP models of data sharing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints

from hpf.datashare.model import EVIDENCE_KINDS, OUTCOMES, Authorization, TrailRecord
from hpf.datashare.scenarios import MATERIAL_NAMES, Evaluation
from hpf.observability.masking import mask_name
from hpf.web.schemas import Schema

Code = Annotated[str, StringConstraints(pattern=r"^[a-z_]{3,40}$")]
SubjectId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z-]{4,40}$")]
BusinessId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z_.-]{3,60}$")]
AuthorizationId = Annotated[str, StringConstraints(pattern=r"^DSA-[0-9a-f]{24}$")]
SubjectKind = Literal["person", "unit", "property", "project"]


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class GrantBody(_Strict):
    subject_kind: SubjectKind = Field(description="授权对象类型：person 个人、unit 单位、project 项目")
    subject_id: SubjectId = Field(description="身份证号码、统一社会信用代码或项目的预售许可证号")
    subject_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    scenarios: list[Code] = Field(min_length=1, max_length=17, description="授权的业务用途（共享数据场景代码）")
    valid_days: int = Field(90, ge=1, le=366, description="授权有效天数")
    evidence_kind: Literal["signed_form", "online_consent"] = Field(
        description="; ".join(f"{k} {v}" for k, v in EVIDENCE_KINDS.items()))
    evidence_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)] = Field(
        description="书面授权书扫描件的档案文件键，或本人线上授权的会话标识")


class SubjectBody(_Strict):
    subject_kind: SubjectKind
    subject_id: SubjectId


class AuthorizationPath(_Strict):
    authorization_id: AuthorizationId


class AuthorizationView(Schema):
    authorization_id: str
    subject_kind: str
    subject_name: str = Field(description="授权人（脱敏）")
    scenarios: list[str]
    sources: list[str]
    granted_on: date
    valid_until: date
    evidence_kind: str
    evidence_reference: str
    recorded_by: str
    revoked_on: date | None

    @classmethod
    def of(cls, a: Authorization) -> AuthorizationView:
        return cls(authorization_id=a.authorization_id, subject_kind=a.subject_kind,
                   subject_name=mask_name(a.subject_name), scenarios=sorted(a.scenarios), sources=sorted(a.sources),
                   granted_on=a.granted_on, valid_until=a.valid_until, evidence_kind=a.evidence_kind,
                   evidence_reference=a.evidence_reference, recorded_by=a.recorded_by, revoked_on=a.revoked_on)


class AuthorizationList(Schema):
    authorizations: list[AuthorizationView]


class QueryBody(_Strict):
    source: Code = Field(description="数据项代码（GET /datashare/sources）")
    scenario: Code = Field(description="业务用途（共享数据场景代码）")
    subject_id: SubjectId
    business_id: BusinessId = Field(description="所办业务的编号（开户、提取申请等）")
    authorization_id: AuthorizationId
    key: SubjectId | None = Field(None, description="数据项自身的查询键（项目的其他许可证号）；缺省为 subject_id")


class AnswerView(Schema):
    query_id: str = Field(description="查询留痕编号")
    source: str
    records: list[dict[str, Any]]
    fetched_at: datetime | None
    cached: bool


class CheckBody(_Strict):
    scenario: Code
    subject_id: SubjectId
    business_id: BusinessId
    authorization_id: AuthorizationId
    typed: dict[Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")],
                Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=dict, description="经办人或本人填写的内容，与共享数据比对")
    keys: dict[Code, SubjectId] = Field(default_factory=dict, description="各数据项自身的查询键")


class DifferenceView(Schema):
    field: str
    typed: str
    shared: str
    source: str


class CheckView(Schema):
    scenario: str
    online: bool = Field(description="共享数据满足办理条件：可免交纸质材料在线办理")
    review: bool = Field(description="填报内容与共享数据不一致，需审核人员核对")
    prefill: dict[str, str]
    differences: list[DifferenceView]
    materials: list[str] = Field(description="由共享数据替代、免于提交的材料（代码）")
    material_names: list[str] = Field(description="免于提交的材料（名称）")
    paper: list[str] = Field(description="需按纸质材料办理的原因")
    unavailable: list[str]
    query_ids: dict[str, str]
    proofs: dict[str, str] = Field(description="免交材料 → 证明它的查询编号（DSQ-…）：业务以此作为该材料的凭据")

    @classmethod
    def of(cls, e: Evaluation) -> CheckView:
        from hpf.datashare.scenarios import scenario

        spared_by = scenario(e.scenario).materials
        proofs = {m: e.query_ids[spared_by[m]] for m in e.materials if spared_by.get(m) in e.query_ids}
        return cls(scenario=e.scenario, online=e.online, review=e.review, prefill=e.prefill, proofs=proofs,
                   differences=[DifferenceView(field=d.field, typed=d.typed, shared=d.shared, source=d.source)
                                for d in e.differences], materials=e.materials,
                   material_names=[MATERIAL_NAMES[m] for m in e.materials], paper=e.paper,
                   unavailable=e.unavailable, query_ids=e.query_ids)


class TrailView(Schema):
    query_id: str
    at: datetime
    source: str
    source_name: str
    scenario: str
    scenario_name: str
    business_id: str
    caller_name: str = Field(description="查询人")
    caller_org: str
    channel: str
    outcome: str
    outcome_label: str
    detail: str = Field(description="未返回的原因：无授权、调用方未获授权、接口停用、数据源不可用")
    cached: bool
    answer_digest: str
    log_index: int | None = Field(description="在档案固化日志中的序号；每分钟固化一次，之前为空")

    @classmethod
    def of(cls, r: TrailRecord) -> TrailView:
        from hpf.datashare.catalog import catalog
        from hpf.datashare.scenarios import scenarios

        return cls(query_id=r.query_id, at=r.at, source=r.source, source_name=catalog()[r.source].name,
                   scenario=r.scenario, scenario_name=scenarios()[r.scenario].name, business_id=r.business_id,
                   caller_name=r.caller.name, caller_org=r.caller.org, channel=r.caller.channel, outcome=r.outcome,
                   outcome_label=OUTCOMES[r.outcome], detail=r.detail, cached=r.cached, answer_digest=r.answer_digest,
                   log_index=r.log_index)


class TrailList(Schema):
    records: list[TrailView]


class SourceView(Schema):
    code: str
    feature: str
    name: str
    agency: str
    interface: str
    subject: str
    freshness_seconds: int
    circuit: str = Field(description="closed 正常、open 熔断（暂停调用）、half-open 试探")


class SourceList(Schema):
    sources: list[SourceView]


class ScenarioView(Schema):
    code: str
    feature: str
    name: str
    subject: str
    sources: list[str]
    materials: list[str]


class ScenarioList(Schema):
    scenarios: list[ScenarioView]


class StatisticsQuery(_Strict):
    hours: int = Field(24, ge=1, le=24 * 31, description="统计最近若干小时")


class SourceFigureView(Schema):
    source: str
    queries: int
    outcomes: dict[str, int]
    cached: int
    hit_rate: float


class StatisticsView(Schema):
    since: datetime
    total: int
    sources: list[SourceFigureView]
    offices: dict[str, int]
    scenarios: dict[str, int]
