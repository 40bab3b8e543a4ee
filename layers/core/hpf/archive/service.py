"""Filing into the archive (电子档案的收集与固化): bytes, log entry, metadata record — in that order, each step
idempotent, so a retry after a crash anywhere completes the same filing instead of making a second one.

    1. the bytes go to the locked bucket under a key ending in their SHA-256 (write-once: a retry finds them);
    2. the solidification log appends one entry for the document key (gap-free index; a retry finds the entry);
       the entry holds every metadata field, so the log — not the editable index — is the reference;
    3. the index record (what queries read) is written from the log entry, if absent.

Two requests racing for one document key (a double click on "print") may both store bytes; only the first
log entry counts, both callers get its record, and the other object stays in the bucket unreferenced, which
``verify`` lists (it cannot be deleted before its retention ends, and need not be).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from hpf.archive.access import require_record_visible
from hpf.archive.model import (
    ARCHIVE_LIFECYCLE,
    ArchiveEvent,
    ArchiveRecord,
    ArchiveStatus,
    Category,
    Document,
    Retention,
    Source,
    archival_code,
    object_key,
)
from hpf.archive.ports import ArchiveIndex, LogEntry, LogStore, ObjectStore
from hpf.common.clock import Clock
from hpf.common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound
from hpf.identity.principal import Principal

LEAF_FIELDS = ("document_key", "title", "category", "retention", "business_id", "subject", "subject_name", "org",
               "creator", "media_type", "size", "sha256", "sm3", "source", "object_key", "object_version",
               "created_at", "retain_until")


def sm3_hex(content: bytes) -> str:
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SM3())
    digest.update(content)
    return digest.finalize().hex()


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def retain_until(start: date, retention: Retention) -> date:
    return add_years(start, retention.years)


_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "application/json": ".json",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}


def status_key(document_key: str, sequence: int) -> str:
    return f"{document_key}#status#{sequence}"


def record_of(entry: LogEntry, status: ArchiveStatus = ArchiveStatus.COLLECTED) -> ArchiveRecord:
    """The metadata record as the log entry states it."""
    f = json.loads(entry.leaf)
    created = datetime.fromisoformat(f["created_at"])
    category, retention = Category(f["category"]), Retention(f["retention"])
    return ArchiveRecord(
        archival_code=archival_code(category, retention, created.year, entry.index), document_key=f["document_key"],
        title=f["title"], category=category, retention=retention, business_id=f["business_id"], subject=f["subject"],
        subject_name=f["subject_name"], org=f["org"], creator=f["creator"], media_type=f["media_type"],
        size=f["size"], sha256=f["sha256"], sm3=f["sm3"], source=Source(f["source"]), object_key=f["object_key"],
        object_version=f["object_version"], log_index=entry.index, created_at=created,
        retain_until=date.fromisoformat(f["retain_until"]), status=status)


_ARCHIVIST_STEPS = {ArchiveEvent.FILE, ArchiveEvent.EXTEND, ArchiveEvent.PROPOSE_DISPOSAL}


def _require_step_allowed(record: ArchiveRecord, event: ArchiveEvent, actor: Principal, today: date) -> None:
    """Who takes which step, and when a disposal may be proposed and approved (retention: model.py)."""
    from datetime import timedelta

    from hpf.archive.model import DISPOSAL_NOTICE_DAYS
    from hpf.identity.roles import Role

    needed = Role.ARCHIVIST if event in _ARCHIVIST_STEPS else Role.LEADER
    if needed not in actor.roles:
        raise Forbidden("该步骤须由" + ("档案管理员" if needed is Role.ARCHIVIST else "中心负责人") + "办理",
                        code="FORBIDDEN_ROLE")
    if event is ArchiveEvent.PROPOSE_DISPOSAL and record.retain_until > today + timedelta(days=DISPOSAL_NOTICE_DAYS):
        raise BusinessRuleViolation(f"保管期限至{record.retain_until}，尚未进入到期鉴定期", code="RETENTION_NOT_ENDING")
    if event is ArchiveEvent.APPROVE_DISPOSAL and record.retain_until > today:
        raise BusinessRuleViolation(f"保管期限至{record.retain_until}，未满不能销毁", code="RETENTION_NOT_ENDED")


def leaf_fields(record: ArchiveRecord) -> dict[str, Any]:
    """What of a record the log entry must state identically (the comparison ``verify`` makes)."""
    values = {"category": record.category.value, "retention": record.retention.value, "source": record.source.value,
              "created_at": record.created_at.isoformat(), "retain_until": record.retain_until.isoformat()}
    return {name: values.get(name, getattr(record, name)) for name in LEAF_FIELDS}


class ArchiveService:
    def __init__(self, objects: ObjectStore, index: ArchiveIndex, log: LogStore, clock: Clock):
        # Public: the scheduled jobs (tree heads, verification) work on the same stores.
        self.objects, self.index, self.log = objects, index, log
        self._clock = clock

    def file(self, document: Document) -> ArchiveRecord:
        existing = self.index.get(document.document_key)
        if existing is not None:
            return existing
        entry = self.log.entry_for(document.document_key)
        if entry is None:
            entry = self._store_and_log(document)
        return self.index.add(record_of(entry))

    def _store_and_log(self, document: Document) -> LogEntry:
        now = self._clock.now()
        sha256 = hashlib.sha256(document.content).hexdigest()
        until = retain_until(now.date(), document.retention)
        key = object_key(document, sha256)
        version = self.objects.put_once(key, document.content, document.media_type, until)
        fields = {"document_key": document.document_key, "title": document.title,
                  "category": document.category.value, "retention": document.retention.value,
                  "business_id": document.business_id, "subject": document.subject,
                  "subject_name": document.subject_name, "org": document.org, "creator": document.creator,
                  "media_type": document.media_type, "size": len(document.content), "sha256": sha256,
                  "sm3": sm3_hex(document.content), "source": document.source.value, "object_key": key,
                  "object_version": version, "created_at": now.isoformat(), "retain_until": until.isoformat()}
        return self.log.append(document.document_key, canonical(fields), now)

    def now(self) -> datetime:
        return self._clock.now()

    # -- lifecycle (7.5.11 归档, 7.5.12) --------------------------------------------------------------------
    def transition(self, document_key: str, event: ArchiveEvent, actor: Principal, reason: str,
                   extend_years: int = 0) -> ArchiveRecord:
        """One lifecycle step, logged before the record changes: the log entry of step n is keyed
        "<key>#status#<n>", so a retry after a crash finds it and completes the same step, never a second one."""
        record = self.get(document_key)
        actor.require_org(record.org)
        after = ARCHIVE_LIFECYCLE.next(record.status, event)
        _require_step_allowed(record, event, actor, self._clock.now().date())
        until = record.retain_until
        if event is ArchiveEvent.EXTEND:
            until = add_years(until, extend_years)
        sequence = record.transitions + 1
        now = self._clock.now()
        entry = self.log.append(status_key(document_key, sequence), canonical({
            "type": "status", "document_key": document_key, "sequence": sequence, "event": event.value,
            "from": record.status.value, "to": after.value, "actor": actor.subject, "reason": reason,
            "retain_until": until.isoformat(), "at": now.isoformat()}), now)
        logged = json.loads(entry.leaf)  # a retry applies what was logged, whatever it now asks
        until = date.fromisoformat(logged["retain_until"])
        if until > record.retain_until:
            self.objects.extend_retention(record.object_key, record.object_version, until)
        updated = replace(record, status=ArchiveStatus(logged["to"]), transitions=sequence, retain_until=until)
        self.index.replace(updated, expected_transitions=record.transitions)
        if logged["event"] != event.value:
            raise Conflict("档案状态已被另一操作改变，请刷新后重试", code="ARCHIVE_CHANGED")
        return updated

    def proposal_of(self, record: ArchiveRecord) -> dict[str, Any]:
        """The logged step that proposed the record's disposal (its actor and reason go on the disposal record)."""
        for sequence in range(record.transitions, 0, -1):
            entry = self.log.entry_for(status_key(record.document_key, sequence))
            step = json.loads(entry.leaf) if entry else {}
            if step.get("event") == ArchiveEvent.PROPOSE_DISPOSAL.value:
                return step
        raise NotFound("没有销毁鉴定的提议记录", code="DISPOSAL_PROPOSAL_NOT_FOUND")

    # -- upload and view (7.5.6), related files (7.5.13) ----------------------------------------------------
    def related(self, actor: Principal, subject: str | None = None, business_id: str | None = None
                ) -> list[ArchiveRecord]:
        """A person's or a unit's files, or a business's (a loan's, a withdrawal's), those the caller may see."""
        found = self.index.of_subject(subject) if subject else self.index.of_business(business_id or "")
        visible = []
        for record in found:
            try:
                require_record_visible(actor, record)
            except Forbidden:
                continue
            visible.append(record)
        return sorted(visible, key=lambda r: (r.created_at, r.document_key))

    def get(self, document_key: str) -> ArchiveRecord:
        record = self.index.get(document_key)
        if record is None:
            raise NotFound("档案不存在", code="ARCHIVE_RECORD_NOT_FOUND")
        return record

    def find(self, document_key: str) -> ArchiveRecord | None:
        return self.index.get(document_key)

    def content(self, record: ArchiveRecord) -> bytes:
        return self.objects.get(record.object_key, record.object_version)

    def view(self, document_key: str, actor: Principal) -> tuple[ArchiveRecord, str]:
        """The original's address for someone who may see it (the view itself is an operation record)."""
        record = self.get(document_key)
        require_record_visible(actor, record)
        return record, self.download_url(record)

    def download_url(self, record: ArchiveRecord) -> str:
        """A short-lived address of the original, named by its key with the extension of its format."""
        filename = record.document_key + _EXTENSIONS.get(record.media_type, "")
        return self.objects.download_url(record.object_key, record.object_version, filename)
