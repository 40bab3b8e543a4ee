"""What data sharing keeps: the authorizations people and units give the center (数据查询授权), the trail of every
query (查询留痕), and the answers. A subject's identifier (resident ID, credit code) is kept as a digest wherever
it is a key, so neither the trail's index nor the cache names a person in clear."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from hpf.common.errors import Forbidden, TooManyRequests, TransientFailure

EVIDENCE_KINDS = {"signed_form": "书面授权书（扫描件已归档）", "online_consent": "本人线上授权（统一身份认证登录）"}
OUTCOMES = {"answered": "已返回", "absent": "无记录", "refused": "无授权被拒", "unavailable": "数据源不可用",
            "throttled": "超过频率限制"}


def subject_digest(kind: str, identifier: str) -> str:
    """The key a subject is found by: the same person (or unit, property, project) always gives the same digest."""
    return hashlib.sha256(f"{kind}:{identifier.strip().upper()}".encode()).hexdigest()


@dataclass(frozen=True)
class Authorization:
    """One recorded authorization: who allowed the center to query what, for which business, until when."""

    authorization_id: str
    subject_kind: str
    subject: str  # digest (subject_digest)
    subject_name: str
    scenarios: frozenset[str]  # the purposes allowed (scenario codes)
    sources: frozenset[str]  # the sources those purposes read
    granted_on: date
    valid_until: date
    evidence_kind: str
    evidence_reference: str  # the archived signed form's key, or the consent's session
    recorded_by: str
    revoked_on: date | None = None

    def allows(self, subject: str, source: str, scenario: str, today: date) -> str:
        """Why this authorization does not cover the query ("" when it does)."""
        if self.subject != subject:
            return "授权人与查询对象不一致"
        if self.revoked_on is not None:
            return "授权已撤销"
        if today > self.valid_until:
            return "授权已过期"
        if scenario not in self.scenarios:
            return "授权不包含该业务用途"
        if source not in self.sources:
            return "授权不包含该数据项"
        return ""

    def revoked(self, on: date) -> Authorization:
        return replace(self, revoked_on=on)


@dataclass(frozen=True)
class Caller:
    subject: str
    name: str
    org: str
    roles: tuple[str, ...]
    channel: str


@dataclass(frozen=True)
class TrailRecord:
    """One query, answered or not: what was asked of which source, about whom, why, by whom, under which
    authorization, and the digest of what came back. Append-only; ``log_index`` is its entry in the archive's log
    once solidified (a schedule does it, one writer, in order)."""

    query_id: str
    at: datetime
    source: str
    scenario: str
    business_id: str
    authorization_id: str
    subject_kind: str
    subject: str  # digest
    caller: Caller
    outcome: str
    cached: bool = False
    answer_digest: str = ""
    detail: str = ""
    log_index: int | None = None

    def leaf(self) -> dict[str, Any]:
        """What the archive's log states of the query (everything but the index it is given)."""
        return {"kind": "datashare_query", "query_id": self.query_id, "at": self.at.isoformat(),
                "source": self.source, "scenario": self.scenario, "business_id": self.business_id,
                "authorization_id": self.authorization_id, "subject_kind": self.subject_kind,
                "subject": self.subject, "caller": self.caller.subject, "caller_name": self.caller.name,
                "caller_org": self.caller.org, "channel": self.caller.channel, "outcome": self.outcome,
                "cached": self.cached, "answer_digest": self.answer_digest}


@dataclass(frozen=True)
class SharedAnswer:
    source: str
    records: list[dict[str, Any]] = field(default_factory=list)
    fetched_at: datetime | None = None
    cached: bool = False
    query_id: str = ""


class DataShareUnauthorized(Forbidden):
    code = "DATASHARE_UNAUTHORIZED"
    message = "没有查询对象的有效授权，不能查询共享数据"


class DataShareAccessDenied(Forbidden):
    """The caller itself may not query (访问授权, 用户管理, 机构管理), whatever the person authorized."""

    code = "DATASHARE_ACCESS_DENIED"
    message = "调用方未获共享数据访问授权"


class SourceUnavailable(TransientFailure):
    code = "SOURCE_UNAVAILABLE"
    message = "共享数据源暂不可用，请按纸质材料办理"


class DataShareThrottled(TooManyRequests):
    code = "DATASHARE_THROTTLED"
    message = "共享数据查询过于频繁，请稍后再试"
