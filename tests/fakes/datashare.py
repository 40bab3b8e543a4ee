"""In-memory data sharing: a gateway with records and faults, the stores with the real ones' conditions."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from hpf.common.errors import Conflict
from hpf.datashare.governance import Change, GatewayPolicy, PolicyVersionMoved, baseline
from hpf.datashare.model import DataShareThrottled, SourceUnavailable


class FakeGateway:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.down: set[str] = set()
        self.throttled: set[str] = set()
        self.asked: list[tuple[str, dict[str, str]]] = []
        self.endpoints: list[Any] = []  # the registered address each fetch was given (服务注册)

    def add(self, source: str, key: str, **fields: Any) -> None:
        self.records.setdefault((source, key), []).append(fields)

    def fetch(self, source, keys, endpoint=None):  # type: ignore[no-untyped-def]
        self.asked.append((source.code, dict(keys)))
        self.endpoints.append(endpoint)
        if source.code in self.down:
            raise SourceUnavailable(details={"source": source.code})
        if source.code in self.throttled:
            raise DataShareThrottled()
        return copy.deepcopy(self.records.get((source.code, next(iter(keys.values()))), []))

    def status(self) -> dict[str, str]:
        return {code: "open" for code in sorted(self.down)}


class FakeAuthorizationStore:
    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    def add(self, authorization):  # type: ignore[no-untyped-def]
        return self.items.setdefault(authorization.authorization_id, authorization)

    def get(self, authorization_id):  # type: ignore[no-untyped-def]
        return self.items.get(authorization_id)

    def of_subject(self, subject):  # type: ignore[no-untyped-def]
        return [a for a in self.items.values() if a.subject == subject]

    def save(self, authorization) -> None:  # type: ignore[no-untyped-def]
        self.items[authorization.authorization_id] = authorization


class FakeTrailStore:
    def __init__(self) -> None:
        self.records: dict[str, Any] = {}

    def add(self, record) -> None:  # type: ignore[no-untyped-def]
        if record.query_id in self.records:
            raise Conflict(code="TRAIL_EXISTS")
        self.records[record.query_id] = record

    def get(self, query_id):  # type: ignore[no-untyped-def]
        return self.records.get(query_id)

    def of_subject(self, subject, limit):  # type: ignore[no-untyped-def]
        return sorted((r for r in self.records.values() if r.subject == subject), key=lambda r: r.at,
                      reverse=True)[:limit]

    def unsolidified(self, limit):  # type: ignore[no-untyped-def]
        return sorted((r for r in self.records.values() if r.log_index is None), key=lambda r: r.at)[:limit]

    def solidified(self, query_id, at, log_index) -> None:  # type: ignore[no-untyped-def]
        self.records[query_id] = replace(self.records[query_id], log_index=log_index)

    def since(self, start):  # type: ignore[no-untyped-def]
        return sorted((r for r in self.records.values() if r.at >= start), key=lambda r: r.at)


class FakeCache:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[list[dict[str, Any]], datetime]] = {}

    def get(self, source: str, subject: str, max_age: timedelta, now: datetime):  # type: ignore[no-untyped-def]
        hit = self.items.get((source, subject))
        return copy.deepcopy(hit) if hit and now - hit[1] <= max_age else None

    def put(self, source, subject, records, fetched_at, keep) -> None:  # type: ignore[no-untyped-def]
        self.items[(source, subject)] = (copy.deepcopy(records), fetched_at)


class CountingThrottle:
    """Allows ``limit`` hits per key, whatever the rate says (the rates themselves are the library's business)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit, self.hits = limit, {}  # type: ignore[var-annotated]
        self.rates: dict[str, str] = {}  # the rate each key was last counted against

    def allow(self, key: str, rate: str) -> bool:
        self.hits[key] = self.hits.get(key, 0) + 1
        self.rates[key] = rate
        return bool(self.hits[key] <= self.limit)


class FakePolicyStore:
    """The policy document and its changes in memory, with the same version rule as DynamoDB's."""

    def __init__(self) -> None:
        self.policy: GatewayPolicy = baseline()
        self.history: list[Change] = []

    def current(self) -> GatewayPolicy:
        return self.policy

    def save(self, policy: GatewayPolicy, change: Change) -> None:
        if policy.version != self.policy.version + 1:
            raise PolicyVersionMoved()
        self.policy = policy
        self.history.append(change)

    def changes(self, limit: int) -> list[Change]:
        return list(reversed(self.history))[:limit]
