"""In-memory archive stores: the same contracts as the S3/DynamoDB adapters, and open to tampering (the tests
change bytes, records, entries and heads underneath the service to see ``verify`` name each)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from hpf.archive.model import ArchiveRecord
from hpf.archive.ports import LogEntry
from hpf.common.errors import Conflict


@dataclass
class MemoryObjects:
    objects: dict[tuple[str, str], bytes] = field(default_factory=dict)
    latest: dict[str, str] = field(default_factory=dict)
    retention: dict[str, date] = field(default_factory=dict)
    puts: int = 0

    def put_once(self, key: str, content: bytes, media_type: str, retain_until: date) -> str:
        self.puts += 1
        if key in self.latest:
            return self.latest[key]
        version = uuid.uuid4().hex
        self.objects[(key, version)] = content
        self.latest[key], self.retention[key] = version, retain_until
        return version

    def put_json_once(self, key: str, body: bytes, retain_until: date) -> str:
        return self.put_once(key, body, "application/json", retain_until)

    def get(self, key: str, version: str) -> bytes:
        return self.objects[(key, version)]

    def download_url(self, key: str, version: str, filename: str) -> str:
        return f"memory://{key}?version={version}&filename={filename}"

    def extend_retention(self, key: str, version: str, retain_until: date) -> None:
        if retain_until < self.retention[key]:
            raise PermissionError("a compliance lock cannot be shortened")
        self.retention[key] = retain_until

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.latest if k.startswith(prefix))

    def versions(self, prefix: str) -> list[tuple[str, str]]:
        return sorted(kv for kv in self.objects if kv[0].startswith(prefix))

    def get_latest(self, key: str) -> bytes:
        return self.objects[(key, self.latest[key])]

    def overwrite(self, key: str, content: bytes) -> None:
        """Tampering: change stored bytes in place (what the bucket's lock forbids through the API)."""
        self.objects[(key, self.latest[key])] = content


@dataclass
class MemoryIndex:
    records: dict[str, ArchiveRecord] = field(default_factory=dict)

    def add(self, record: ArchiveRecord) -> ArchiveRecord:
        return self.records.setdefault(record.document_key, record)

    def get(self, document_key: str) -> ArchiveRecord | None:
        return self.records.get(document_key)

    def replace(self, record: ArchiveRecord, expected_transitions: int) -> None:
        if self.records[record.document_key].transitions != expected_transitions:
            raise Conflict("档案状态已被另一操作改变，请刷新后重试", code="ARCHIVE_CHANGED")
        self.records[record.document_key] = record

    def of_subject(self, subject: str) -> list[ArchiveRecord]:
        return [r for r in self.records.values() if r.subject == subject]

    def of_business(self, business_id: str) -> list[ArchiveRecord]:
        return [r for r in self.records.values() if r.business_id == business_id]

    def all(self) -> list[ArchiveRecord]:
        return list(self.records.values())


@dataclass
class MemoryLog:
    items: list[LogEntry] = field(default_factory=list)
    fail_after_append: bool = False  # a crash between the log and the index (the next call succeeds)

    def append(self, key: str, leaf: bytes, at: datetime) -> LogEntry:
        found = self.entry_for(key)
        if found is None:
            found = LogEntry(len(self.items), key, leaf, at)
            self.items.append(found)
        if self.fail_after_append:
            self.fail_after_append = False
            raise ConnectionError("the function died after the log append")
        return found

    def entry_for(self, key: str) -> LogEntry | None:
        return next((e for e in self.items if e.key == key), None)

    def entries(self, start: int = 0, end: int | None = None) -> list[LogEntry]:
        return self.items[start:end]


@dataclass
class MemoryBorrowings:
    items: dict[str, object] = field(default_factory=dict)

    def add(self, borrowing):
        return self.items.setdefault(borrowing.borrowing_id, borrowing)

    def get(self, borrowing_id: str):
        return self.items.get(borrowing_id)

    def update(self, borrowing) -> None:
        if self.items[borrowing.borrowing_id].version != borrowing.version - 1:
            raise Conflict("借阅申请已被他人处理，请刷新后重试", code="CONCURRENT_UPDATE")
        self.items[borrowing.borrowing_id] = borrowing

    def with_status(self, status) -> list:
        return [b for b in self.items.values() if b.status is status]


@dataclass
class MemoryTexts:
    items: dict[str, object] = field(default_factory=dict)

    def put(self, text) -> None:
        self.items[text.document_key] = text

    def get(self, document_key: str):
        return self.items.get(document_key)

    def all(self) -> list:
        return list(self.items.values())


@dataclass
class MemoryClaims:
    held: dict[str, str] = field(default_factory=dict)

    def claim(self, name: str, holder: str, seconds: int) -> bool:
        return self.held.setdefault(name, holder) == holder

    def release(self, name: str, holder: str) -> None:
        if self.held.get(name) == holder:
            del self.held[name]
