"""An archived file and its metadata (电子文件及元数据, 7.5.1); docs/archive.md is the metadata scheme.

The archival code (档号) follows the pattern of DA/T 13 (归档文件整理规则): fonds – year – retention – category –
item number. The item number (件号) is the file's position in the solidification log: unique, gap-free and
never reused, so the code needs no counter of its own (our assumption; docs/archive.md).

Lifecycle (7.5.12; one table, every (state, event) pair tested):

    COLLECTED ──file──▶ FILED ──propose_disposal──▶ DISPOSAL_PROPOSED ──approve_disposal──▶ DISPOSED
                          ▲ └──extend──▶ FILED           │
                          └────────reject_disposal───────┘

DISPOSED is a record that the retention ended and the disposal was approved — the bytes stay under the bucket's
lock until it expires; nothing is erased silently. Who takes a step: the archivist files, extends and proposes
(鉴定); the center's leader (单位负责人) approves or rejects a disposal. A disposal may be proposed within 180 days of
the retention's end and approved only once it has ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from hpf.common.coded import CodedEnum
from hpf.common.lifecycle import Lifecycle

FONDS = "YTGJJ"  # 全宗号 of the Yingtan center: our assumption until the archives bureau's number is given


class Category(CodedEnum):
    """档案门类/类别 of the center's business."""

    DEPOSIT = ("GJ", "归集")
    WITHDRAWAL = ("TQ", "提取")
    LOAN = ("DK", "贷款")
    ACCOUNTING = ("KJ", "会计")
    ADMINISTRATIVE = ("WS", "文书")


class Retention(CodedEnum):
    """保管期限 (DA/T 22 codes). Years drive the object lock; 永久 locks for a century and is reviewed then."""

    PERMANENT = ("Y", "永久")
    YEARS_30 = ("D30", "30年")
    YEARS_10 = ("D10", "10年")

    @property
    def years(self) -> int:
        return {"Y": 100, "D30": 30, "D10": 10}[self.value]


class Source(CodedEnum):
    """来源: how the file reached the archive."""

    GENERATED = ("generated", "系统生成")
    UPLOADED = ("uploaded", "上传")
    SHARED_LICENCE = ("shared_licence", "共享电子证照")


class ArchiveStatus(CodedEnum):
    COLLECTED = ("collected", "已收集")
    FILED = ("filed", "已归档")
    DISPOSAL_PROPOSED = ("disposal_proposed", "待销毁鉴定")
    DISPOSED = ("disposed", "已销毁（记录）")


class ArchiveEvent(CodedEnum):
    FILE = ("file", "归档")
    EXTEND = ("extend", "延长保管")
    PROPOSE_DISPOSAL = ("propose_disposal", "提出销毁")
    APPROVE_DISPOSAL = ("approve_disposal", "批准销毁")
    REJECT_DISPOSAL = ("reject_disposal", "驳回销毁")


DISPOSAL_NOTICE_DAYS = 180  # appraisal may start this long before the retention ends (the alert's window)

ARCHIVE_LIFECYCLE = Lifecycle("ARCHIVE_STATUS", "电子档案", {
    (ArchiveStatus.COLLECTED, ArchiveEvent.FILE): ArchiveStatus.FILED,
    (ArchiveStatus.FILED, ArchiveEvent.EXTEND): ArchiveStatus.FILED,
    (ArchiveStatus.FILED, ArchiveEvent.PROPOSE_DISPOSAL): ArchiveStatus.DISPOSAL_PROPOSED,
    (ArchiveStatus.DISPOSAL_PROPOSED, ArchiveEvent.REJECT_DISPOSAL): ArchiveStatus.FILED,
    (ArchiveStatus.DISPOSAL_PROPOSED, ArchiveEvent.APPROVE_DISPOSAL): ArchiveStatus.DISPOSED,
})


@dataclass(frozen=True)
class Document:
    """What a business hands the archive: the bytes and what they are. ``document_key`` is the business's own
    idempotency key (a voucher number, an upload id): filing the same key twice files once."""

    document_key: str
    title: str
    category: Category
    retention: Retention
    business_id: str
    subject: str  # the person (ID number) or unit (unit account) the file is about
    subject_name: str
    org: str
    creator: str  # who or what made the file (a staff id, a depositor, "hpf-seal")
    media_type: str
    content: bytes = field(repr=False)
    source: Source = Source.GENERATED


@dataclass(frozen=True)
class ArchiveRecord:
    """The metadata record of one archived file (one version; files are never replaced)."""

    archival_code: str
    document_key: str
    title: str
    category: Category
    retention: Retention
    business_id: str
    subject: str
    subject_name: str
    org: str
    creator: str
    media_type: str
    size: int
    sha256: str
    sm3: str
    source: Source
    object_key: str
    object_version: str
    log_index: int
    created_at: datetime
    retain_until: date
    status: ArchiveStatus = ArchiveStatus.COLLECTED
    transitions: int = 0  # lifecycle steps taken; the next one is logged under "<document key>#status#<n + 1>"


def archival_code(category: Category, retention: Retention, year: int, log_index: int) -> str:
    return f"{FONDS}-{year}-{retention.value}-{category.value}-{log_index + 1:08d}"


def object_key(document: Document, sha256: str) -> str:
    """Where the bytes live: by category and key, ending in the digest — so the name itself says which bytes
    belong there, and a second writer with other bytes can never take the same name."""
    return f"files/{document.category.value}/{document.document_key}/{sha256}"
