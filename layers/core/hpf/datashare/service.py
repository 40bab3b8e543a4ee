"""Queries of shared data (共享数据查询), each one: the source known, the caller's authorization to ask about this
subject for this purpose checked, the caller's and the source's rates kept, a fresh enough cached answer used, else
the gateway asked; and whatever the outcome — answered, nothing found, refused, source down, over the rate — a
trail record written before the answer goes back. A refusal is on the trail too: an attempt without an
authorization is exactly what an auditor looks for."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from hpf.common.clock import Clock, business_date
from hpf.common.errors import Forbidden, NotFound, ValidationFailed
from hpf.datashare.catalog import Source, source
from hpf.datashare.governance import GatewayPolicy
from hpf.datashare.model import (
    EVIDENCE_KINDS,
    Authorization,
    Caller,
    DataShareAccessDenied,
    DataShareThrottled,
    DataShareUnauthorized,
    SharedAnswer,
    SourceUnavailable,
    TrailRecord,
    subject_digest,
)
from hpf.datashare.ports import AnswerCache, AuthorizationStore, PolicyStore, SourceGateway, Throttle, TrailStore
from hpf.datashare.scenarios import scenario
from hpf.identity.principal import Principal
from hpf.identity.roles import Role

MAX_AUTHORIZATION_DAYS = 366


@dataclass(frozen=True)
class Rates:
    per_caller: str = "120/minute"  # one clerk's desk, or one depositor's session
    per_source: str = "50/second"  # what a source agency allows the center as a whole


@dataclass(frozen=True)
class ShareQuery:
    source: str
    scenario: str  # the purpose: the business the answer serves
    subject_id: str  # the person's resident ID, the unit's credit code, the property unit or permit number
    business_id: str  # the business it is for (an application, an account opening…)
    authorization_id: str
    key: str = ""  # the source's own key where it is not the subject's (a project's other permits); else subject_id


@dataclass(frozen=True)
class GrantRequest:
    subject_kind: str
    subject_id: str
    subject_name: str
    scenarios: tuple[str, ...]
    valid_days: int
    evidence_kind: str
    evidence_reference: str


class DataShareService:
    def __init__(self, gateway: SourceGateway, authorizations: AuthorizationStore, trail: TrailStore,
                 cache: AnswerCache, throttle: Throttle, policies: PolicyStore, clock: Clock, rates: Rates = Rates()):
        self._gateway, self._authorizations, self._trail = gateway, authorizations, trail
        self._cache, self._throttle, self._policies = cache, throttle, policies
        self._clock, self._rates = clock, rates

    @property
    def rates(self) -> Rates:
        """The deployment's default rates (the management settings may override them)."""
        return self._rates

    # -- authorizations ------------------------------------------------------------------------------------------
    def grant(self, request: GrantRequest, actor: Principal) -> Authorization:
        """记录授权: a counter clerk records the signed form (its scan archived first), a depositor consents online
        for themselves. The id follows from the subject and the evidence: recording the same form twice is one."""
        if request.evidence_kind not in EVIDENCE_KINDS:
            raise ValidationFailed("授权凭据类型不正确", code="AUTHORIZATION_EVIDENCE_INVALID")
        if not 1 <= request.valid_days <= MAX_AUTHORIZATION_DAYS:
            raise ValidationFailed(f"授权有效期应为1至{MAX_AUTHORIZATION_DAYS}天", code="AUTHORIZATION_TERM_INVALID")
        chosen = [scenario(code) for code in request.scenarios]
        if not chosen or any(s.subject != request.subject_kind for s in chosen):
            raise ValidationFailed("授权用途与授权对象类型不符", code="AUTHORIZATION_SCOPE_INVALID")
        if not actor.is_staff:
            self._require_self(request.subject_kind, request.subject_id, actor)
            if request.evidence_kind != "online_consent":
                raise Forbidden("本人线上授权的凭据类型应为 online_consent", code="FORBIDDEN_SCOPE")
        subject = subject_digest(request.subject_kind, request.subject_id)
        today = business_date(self._clock)
        identity = hashlib.sha256(f"{subject}|{request.evidence_kind}|{request.evidence_reference}".encode())
        return self._authorizations.add(Authorization(
            f"DSA-{identity.hexdigest()[:24]}", request.subject_kind, subject, request.subject_name.strip(),
            frozenset(s.code for s in chosen), frozenset(src for s in chosen for src in s.sources), today,
            today + timedelta(days=request.valid_days), request.evidence_kind, request.evidence_reference,
            actor.subject))

    def revoke(self, authorization_id: str, actor: Principal) -> Authorization:
        found = self._authorization(authorization_id)
        if not actor.is_staff and found.subject != self._own_subject(found.subject_kind, actor):
            raise Forbidden("只能撤销本人的授权", code="FORBIDDEN_SCOPE")
        revoked = found if found.revoked_on else found.revoked(business_date(self._clock))
        self._authorizations.save(revoked)
        return revoked

    def authorizations_of(self, subject_kind: str, subject_id: str, actor: Principal) -> list[Authorization]:
        if not actor.is_staff:
            self._require_self(subject_kind, subject_id, actor)
        return self._authorizations.of_subject(subject_digest(subject_kind, subject_id))

    # -- queries ---------------------------------------------------------------------------------------------------
    def policy(self) -> GatewayPolicy:
        """The management policy in force (one read; a scenario's check reads it once for all its sources)."""
        return self._policies.current()

    def query(self, q: ShareQuery, actor: Principal, policy: GatewayPolicy | None = None) -> SharedAnswer:
        src = source(q.source)
        purpose = scenario(q.scenario)
        if src.code not in purpose.sources:
            raise ValidationFailed(f"“{purpose.name}”不使用数据项“{src.name}”", code="SOURCE_NOT_IN_SCENARIO")
        if not q.subject_id.strip():
            raise ValidationFailed("请提供查询对象的证件号码或编号", code="SUBJECT_REQUIRED")
        if not actor.is_staff:
            self._require_self(purpose.subject, q.subject_id, actor)
        subject = subject_digest(purpose.subject, q.subject_id)
        now = self._clock.now()
        record = TrailRecord(f"DSQ-{now:%Y%m%d}-{uuid.uuid4().hex[:20]}", now, src.code, purpose.code, q.business_id,
                             q.authorization_id, purpose.subject, subject, _caller(actor), "answered")
        policy = policy or self._policies.current()
        barred = policy.refusal(actor, purpose.code)
        if barred:  # the caller itself (访问授权, 用户管理, 机构管理), before anything about the person
            self._trail.add(_with(record, "refused", detail=barred))
            raise DataShareAccessDenied(f"{DataShareAccessDenied.message}：{barred}", details={"reason": barred})
        granted = self._authorizations.get(q.authorization_id)
        why = "授权不存在" if granted is None else granted.allows(subject, src.code, purpose.code, now.date())
        if why:
            self._trail.add(_with(record, "refused", detail=why))
            raise DataShareUnauthorized(f"{DataShareUnauthorized.message}：{why}", details={"reason": why})
        if not (self._throttle.allow(f"caller:{actor.subject}", policy.caller_rate(actor, self._rates.per_caller))
                and self._throttle.allow(f"source:{src.code}", policy.source_rate(src.code, self._rates.per_source))):
            self._trail.add(_with(record, "throttled"))
            raise DataShareThrottled()
        return self._answer(src, q, subject, record, now, policy)

    def _answer(self, src: Source, q: ShareQuery, subject: str, record: TrailRecord, now: datetime,
                policy: GatewayPolicy) -> SharedAnswer:
        offline = policy.unavailable(src.code)
        if offline:  # taken offline by the administrator: not asked, nor served from the cache (its data may be wrong)
            self._trail.add(_with(record, "unavailable", detail=offline))
            raise SourceUnavailable(f"“{src.name}”暂停使用（{offline}），请按纸质材料办理",
                                    details={"source": src.code, "reason": offline})
        freshness = timedelta(seconds=policy.freshness_seconds(src.code))
        if freshness > timedelta(0):
            hit = self._cache.get(src.code, _cache_key(subject, q.key), freshness, now)
            if hit is not None:
                records, fetched_at = hit
                self._trail.add(_with(record, _outcome(records), cached=True, answer=records))
                return SharedAnswer(src.code, records, fetched_at, True, record.query_id)
        try:
            raw = self._gateway.fetch(src, {src.keys[0]: (q.key or q.subject_id).strip()},
                                      policy.endpoints.get(src.gateway))
        except SourceUnavailable as down:
            self._trail.add(_with(record, "unavailable", detail=down.message))
            raise SourceUnavailable(f"“{src.name}”暂不可用，请按纸质材料办理",
                                    details={"source": src.code, "reason": down.message}) from down
        except DataShareThrottled:
            self._trail.add(_with(record, "throttled", detail="数据源限流"))
            raise
        records = [src.ours(r) for r in raw]
        if freshness > timedelta(0):
            self._cache.put(src.code, _cache_key(subject, q.key), records, now, freshness)
        self._trail.add(_with(record, _outcome(records), answer=records))
        return SharedAnswer(src.code, records, now, False, record.query_id)

    # -- the trail ---------------------------------------------------------------------------------------------------
    def trail_of(self, subject_kind: str, subject_id: str, actor: Principal, limit: int = 200) -> list[TrailRecord]:
        """谁查了我的什么: the person (their own), or an auditor (anyone's)."""
        if not actor.is_staff:
            self._require_self(subject_kind, subject_id, actor)
        elif Role.AUDITOR not in actor.roles:
            raise Forbidden("查询留痕由稽核人员查阅", code="FORBIDDEN_SCOPE")
        return self._trail.of_subject(subject_digest(subject_kind, subject_id), limit)

    def since(self, start: datetime) -> list[TrailRecord]:
        return self._trail.since(start)

    # -- helpers -----------------------------------------------------------------------------------------------------
    def _authorization(self, authorization_id: str) -> Authorization:
        found = self._authorizations.get(authorization_id)
        if found is None:
            raise NotFound("授权记录不存在", code="AUTHORIZATION_NOT_FOUND")
        return found

    @staticmethod
    def _own_subject(kind: str, actor: Principal) -> str:
        if kind != "person" or not actor.id_number:
            raise Forbidden("仅可查询、授权本人的信息", code="FORBIDDEN_SCOPE")
        return subject_digest("person", actor.id_number)

    def _require_self(self, kind: str, subject_id: str, actor: Principal) -> None:
        if self._own_subject(kind, actor) != subject_digest(kind, subject_id):
            raise Forbidden("仅可查询、授权本人的信息", code="FORBIDDEN_SCOPE")


def _caller(actor: Principal) -> Caller:
    return Caller(actor.subject, actor.name, actor.org or "", tuple(sorted(r.value for r in actor.roles)),
                  actor.channel.value)


def _cache_key(subject: str, key: str) -> str:
    return subject if not key else hashlib.sha256(f"{subject}|{key.strip().upper()}".encode()).hexdigest()


def _outcome(records: list[dict[str, Any]]) -> str:
    return "answered" if records else "absent"


def _with(record: TrailRecord, outcome: str, *, cached: bool = False, answer: list[dict[str, Any]] | None = None,
          detail: str = "") -> TrailRecord:
    digest = hashlib.sha256(json.dumps(answer, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest() \
        if answer is not None else ""
    return replace(record, outcome=outcome, cached=cached, answer_digest=digest, detail=detail)
