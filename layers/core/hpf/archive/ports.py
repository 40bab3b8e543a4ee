"""What the archive needs from storage: a write-once object store, an index of records, an append-only log.

Adapters: S3 (versioned, Object Lock) and DynamoDB in ``hpf.adapters.aws.archive_store``; in-memory fakes in
``tests/fakes/archive.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from hpf.archive.model import ArchiveRecord


@dataclass(frozen=True)
class LogEntry:
    index: int
    key: str  # the document key it records: appending the same key again returns this entry
    leaf: bytes  # canonical JSON of what was solidified (固化)
    at: datetime


class ObjectCorrupt(Exception):
    """The store's own checksum of an object no longer matches its bytes (S3 checks it on every read)."""


class ObjectStore(Protocol):
    def put_once(self, key: str, content: bytes, media_type: str, retain_until: date) -> str:
        """Store bytes under a key that is never written twice; returns the version id. If the key exists (a
        retry), returns the existing version's id: the key ends in the digest, so the bytes are the same."""
        ...

    def get(self, key: str, version: str) -> bytes:
        """The bytes; KeyError when there are none, ObjectCorrupt when the store's checksum fails."""
        ...

    def download_url(self, key: str, version: str, filename: str) -> str: ...

    def put_json_once(self, key: str, body: bytes, retain_until: date) -> str: ...

    def extend_retention(self, key: str, version: str, retain_until: date) -> None:
        """Lengthen the lock (it can never be shortened)."""
        ...

    def keys(self, prefix: str) -> list[str]: ...

    def versions(self, prefix: str) -> list[tuple[str, str]]:
        """Every stored version under the prefix, as (key, version id): what a planted version would add."""
        ...

    def get_latest(self, key: str) -> bytes:
        """The newest version's bytes (tree heads: one version each); ObjectCorrupt as ``get``."""
        ...


class ArchiveIndex(Protocol):
    def add(self, record: ArchiveRecord) -> ArchiveRecord:
        """Insert if absent; returns the stored record (the existing one when a retry got here second)."""
        ...

    def get(self, document_key: str) -> ArchiveRecord | None: ...

    def replace(self, record: ArchiveRecord, expected_transitions: int) -> None:
        """Write a record's new state if no other step got there first (else Conflict)."""
        ...

    def of_subject(self, subject: str) -> list[ArchiveRecord]: ...

    def of_business(self, business_id: str) -> list[ArchiveRecord]: ...

    def all(self) -> list[ArchiveRecord]: ...


class LogStore(Protocol):
    def append(self, key: str, leaf: bytes, at: datetime) -> LogEntry:
        """Append at the next index, gap-free; idempotent by key."""
        ...

    def entry_for(self, key: str) -> LogEntry | None: ...

    def entries(self, start: int = 0, end: int | None = None) -> list[LogEntry]: ...


class Claims(Protocol):
    def claim(self, name: str, holder: str, seconds: int) -> bool:
        """Take ``name`` for ``seconds`` unless someone else holds it (an expired claim is free again)."""
        ...

    def release(self, name: str, holder: str) -> None:
        """Give ``name`` back early (the holder failed: the next request need not wait for the expiry)."""
        ...


class VerificationLog(Protocol):
    """The integrity checks' summaries: each run's kept, the last one read back for the alerts page."""

    def save(self, summary: dict[str, Any]) -> None: ...

    def __call__(self) -> dict[str, Any] | None:
        """The last run's summary, or None before the first."""
        ...
