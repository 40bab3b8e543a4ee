"""What data sharing needs from outside: the exchange gateways, where authorizations and the trail are kept, a
cache of answers, the rate limits, the archive's log the trail is solidified into, and the management policy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from hpf.datashare.catalog import Source
from hpf.datashare.governance import Change, Endpoint, GatewayPolicy
from hpf.datashare.model import Authorization, TrailRecord

if TYPE_CHECKING:
    from hpf.datashare.keys import KeyRecord


class SourceGateway(Protocol):
    def fetch(self, source: Source, keys: dict[str, str], endpoint: Endpoint | None = None) -> list[dict[str, Any]]:
        """The source's records for the keys, in the source's own field names (all pages), from the gateway's
        registered address (服务注册) when there is one, else the deployment's. Raises
        SourceUnavailable when the source is down, slow or answers what cannot be read, DataShareThrottled when
        the gateway limits us; an empty list is an answer (no record)."""
        ...

    def status(self) -> dict[str, str]:
        """Each gateway's circuit: closed (in use), open (down: not asked until it cools), half-open."""
        ...


class AuthorizationStore(Protocol):
    def add(self, authorization: Authorization) -> Authorization:
        """Keep it; the same id again (a retried request) returns the one kept."""
        ...

    def get(self, authorization_id: str) -> Authorization | None: ...
    def of_subject(self, subject: str) -> list[Authorization]: ...
    def save(self, authorization: Authorization) -> None: ...  # a revocation


class TrailStore(Protocol):
    def add(self, record: TrailRecord) -> None: ...  # append-only: an id twice is refused
    def get(self, query_id: str) -> TrailRecord | None: ...
    def of_subject(self, subject: str, limit: int) -> list[TrailRecord]: ...  # newest first
    def unsolidified(self, limit: int) -> list[TrailRecord]: ...  # oldest first
    def solidified(self, query_id: str, at: datetime, log_index: int) -> None: ...
    def since(self, start: datetime) -> list[TrailRecord]: ...  # the statistics' window, oldest first


class AnswerCache(Protocol):
    def get(self, source: str, subject: str, max_age: timedelta, now: datetime) -> tuple[list[dict[str, Any]],
                                                                                          datetime] | None: ...
    def put(self, source: str, subject: str, records: list[dict[str, Any]], fetched_at: datetime,
            keep: timedelta) -> None: ...


class Throttle(Protocol):
    def allow(self, key: str, rate: str) -> bool:
        """Count one hit of ``key`` against ``rate`` ("120/minute"); False when over it."""
        ...


class SolidificationLog(Protocol):
    def append(self, key: str, leaf: bytes, at: datetime) -> Any:
        """The archive's log (hpf.archive.ports.LogStore): gap-free, idempotent by key; returns the entry."""
        ...


class PolicyStore(Protocol):
    def current(self) -> GatewayPolicy:
        """The policy in force: the recorded one, or the baseline (version 0) before any change."""
        ...

    def save(self, policy: GatewayPolicy, change: Change) -> None:
        """The next version and its change, together; PolicyVersionMoved if another version got there first."""
        ...

    def changes(self, limit: int) -> list[Change]: ...  # newest first


class KeyStore(Protocol):
    def add(self, record: KeyRecord) -> None: ...  # a new key; an id twice is refused
    def save(self, record: KeyRecord) -> None: ...  # its state changed
    def get(self, key_id: str) -> KeyRecord | None: ...
    def of_gateway(self, gateway: str) -> list[KeyRecord]: ...  # oldest first
    def all(self) -> list[KeyRecord]: ...
