"""Borrowing an archived file (电子档案的借阅, 7.5.14; and 共享利用 by other agencies, 7.5.2): a member of staff — or a
partner agency, which must also cite its basis (a 协查函 number, a court order) — asks, stating why and for how
many days;
an archivist of the file's office approves or refuses (never their own request); while approved and not past its
due day the borrower may view the file; they return it, or it falls overdue (an alert, 7.5.15). Every step is
appended to the solidification log, so the borrowing history is as tamper-evident as the files.

    REQUESTED ──approve──▶ APPROVED ──return──▶ RETURNED
        └──────reject────▶ REJECTED
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from hpf.archive.service import ArchiveService, canonical
from hpf.common.clock import Clock, business_date
from hpf.common.coded import CodedEnum
from hpf.common.errors import BusinessRuleViolation, Forbidden, NotFound, ValidationFailed
from hpf.common.lifecycle import Lifecycle
from hpf.identity.principal import Principal
from hpf.identity.roles import Role, org_covers

MAX_DAYS = 30
_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,64}$")


class BorrowingStatus(CodedEnum):
    REQUESTED = ("requested", "待审批")
    APPROVED = ("approved", "已批准")
    REJECTED = ("rejected", "已驳回")
    RETURNED = ("returned", "已归还")


class BorrowingEvent(CodedEnum):
    APPROVE = ("approve", "批准借阅")
    REJECT = ("reject", "驳回借阅")
    RETURN = ("return", "归还")


BORROWING_LIFECYCLE = Lifecycle("BORROWING_STATUS", "档案借阅", {
    (BorrowingStatus.REQUESTED, BorrowingEvent.APPROVE): BorrowingStatus.APPROVED,
    (BorrowingStatus.REQUESTED, BorrowingEvent.REJECT): BorrowingStatus.REJECTED,
    (BorrowingStatus.APPROVED, BorrowingEvent.RETURN): BorrowingStatus.RETURNED,
})


_EVENT_OF = {"requested": "request", "approved": "approve", "rejected": "reject", "returned": "return"}


@dataclass(frozen=True)
class Borrowing:
    borrowing_id: str
    document_key: str
    org: str  # the file's office: its archivists decide
    borrower: str
    borrower_name: str
    purpose: str
    days: int
    status: BorrowingStatus
    requested_at: datetime
    decided_by: str = ""
    decided_at: datetime | None = None
    due_on: date | None = None
    returned_at: datetime | None = None
    returned_by: str = ""
    note: str = ""
    borrower_kind: str = "staff"  # "partner": another agency (共享利用)
    basis: str = ""  # a partner's legal basis for access, e.g. the number of its letter of request
    version: int = 0

    def overdue(self, today: date) -> bool:
        return self.status is BorrowingStatus.APPROVED and self.due_on is not None and today > self.due_on


class BorrowingStore(Protocol):
    def add(self, borrowing: Borrowing) -> Borrowing:
        """Insert if absent; returns the stored one (a retried request finds its twin)."""
        ...

    def get(self, borrowing_id: str) -> Borrowing | None: ...

    def update(self, borrowing: Borrowing) -> None:
        """Write if the stored version is ``borrowing.version - 1`` (else Conflict)."""
        ...

    def with_status(self, status: BorrowingStatus) -> list[Borrowing]: ...


class BorrowingService:
    def __init__(self, store: BorrowingStore, archive: ArchiveService, clock: Clock,
                 approval_form: Any = None):
        """``approval_form(borrowing, approver)``: the signed approval form of an approved borrowing (S.8.2)."""
        self._store, self._archive, self._clock = store, archive, clock
        self._approval_form = approval_form

    def request(self, request_id: str, document_key: str, purpose: str, days: int, actor: Principal,
                basis: str = "") -> Borrowing:
        if actor.kind == "partner" and not basis.strip():
            raise ValidationFailed("外部机构借阅须注明依据（公函编号等）", code="BORROWING_BASIS_REQUIRED")
        if not _REQUEST_ID.match(request_id):
            raise ValidationFailed("借阅申请编号格式不正确", code="INVALID_REQUEST_ID")
        if not 1 <= days <= MAX_DAYS:
            raise ValidationFailed(f"借阅期限为1至{MAX_DAYS}天", code="BORROWING_DAYS_INVALID")
        record = self._archive.get(document_key)
        now = self._clock.now()
        borrowing = Borrowing(borrowing_id=f"BRW-{request_id}", document_key=document_key, org=record.org,
                              borrower=actor.subject, borrower_name=actor.name, purpose=purpose, days=days,
                              status=BorrowingStatus.REQUESTED, requested_at=now, version=1,
                              borrower_kind="partner" if actor.kind == "partner" else "staff", basis=basis.strip())
        stored = self._store.add(borrowing)
        if stored.borrower != actor.subject:
            raise Forbidden("借阅申请编号已被他人使用", code="FORBIDDEN_SCOPE")
        self._log(stored, "request", actor, now)
        return stored

    def decide(self, borrowing_id: str, approve: bool, note: str, actor: Principal) -> Borrowing:
        """The archivist's decision; an approval ends with its form signed by both nodes and sealed. The decision
        is stored first: if the form then fails (the seal system down), the same decision asked again completes
        the form instead of being refused as a second decision."""
        borrowing = self.get(borrowing_id, actor)
        actor.require_org(borrowing.org)
        if borrowing.borrower == actor.subject:
            raise BusinessRuleViolation("不能审批本人的借阅申请", code="OWN_BORROWING")
        wanted = BorrowingStatus.APPROVED if approve else BorrowingStatus.REJECTED
        if borrowing.status is wanted and borrowing.decided_by == actor.subject:
            self._complete(borrowing, actor)
            return borrowing
        event = BorrowingEvent.APPROVE if approve else BorrowingEvent.REJECT
        status = BORROWING_LIFECYCLE.next(borrowing.status, event)
        now = self._clock.now()
        due = business_date(self._clock) + timedelta(days=borrowing.days) if approve else None
        decided = replace(borrowing, status=status, decided_by=actor.subject, decided_at=now, due_on=due, note=note,
                          version=borrowing.version + 1)
        self._store.update(decided)
        self._log(decided, event.value, actor, now)
        self._complete(decided, actor)
        return decided

    def _complete(self, borrowing: Borrowing, approver: Principal) -> None:
        if borrowing.status is BorrowingStatus.APPROVED and self._approval_form is not None:
            self._approval_form(borrowing, approver)

    def return_(self, borrowing_id: str, actor: Principal) -> Borrowing:
        borrowing = self.get(borrowing_id, actor)
        status = BORROWING_LIFECYCLE.next(borrowing.status, BorrowingEvent.RETURN)
        now = self._clock.now()
        returned = replace(borrowing, status=status, returned_at=now, returned_by=actor.subject,
                           version=borrowing.version + 1)
        self._store.update(returned)
        self._log(returned, BorrowingEvent.RETURN.value, actor, now)
        return returned

    def view(self, borrowing_id: str, actor: Principal) -> tuple[Borrowing, Any, str]:
        """The borrowed file's address, for the borrower, while the borrowing holds."""
        borrowing = self.get(borrowing_id, actor)
        if borrowing.borrower != actor.subject:
            raise Forbidden("只有借阅人本人可以查阅", code="FORBIDDEN_SCOPE")
        if borrowing.status is not BorrowingStatus.APPROVED:
            raise BusinessRuleViolation(f"借阅{borrowing.status.label}，不能查阅", code="BORROWING_NOT_APPROVED")
        if borrowing.overdue(business_date(self._clock)):
            raise BusinessRuleViolation("借阅已到期，请归还或重新申请", code="BORROWING_EXPIRED")
        record = self._archive.get(borrowing.document_key)
        return borrowing, record, self._archive.download_url(record)

    def get(self, borrowing_id: str, actor: Principal) -> Borrowing:
        borrowing = self._store.get(borrowing_id)
        if borrowing is None:
            raise NotFound("借阅申请不存在", code="BORROWING_NOT_FOUND")
        if borrowing.borrower != actor.subject and Role.ARCHIVIST not in actor.roles:
            raise Forbidden("无权查看该借阅申请", code="FORBIDDEN_SCOPE")
        if borrowing.borrower != actor.subject:
            actor.require_org(borrowing.org)
        self._ensure_logged(borrowing)
        return borrowing

    def awaiting_decision(self, actor: Principal) -> list[Borrowing]:
        """待审批: requests for files of the archivist's offices, oldest first (the route admits archivists)."""
        if not actor.org:
            raise Forbidden("无权访问其他管理部的数据", code="FORBIDDEN_SCOPE")
        waiting = [b for b in self._store.with_status(BorrowingStatus.REQUESTED) if org_covers(actor.org, b.org)]
        return sorted(waiting, key=lambda b: (b.requested_at, b.borrowing_id))

    def overdue(self) -> list[Borrowing]:
        today = business_date(self._clock)
        return [b for b in self._store.with_status(BorrowingStatus.APPROVED) if b.overdue(today)]

    def _ensure_logged(self, borrowing: Borrowing) -> None:
        """The store is written before the log: a step whose log entry a crash prevented is logged the next time
        anyone touches the borrowing (the entry's key is the step's, so this never logs one twice)."""
        event = _EVENT_OF[borrowing.status.value]
        if self._archive.log.entry_for(f"{borrowing.borrowing_id}#{event}") is None:
            actor = {"request": borrowing.borrower, "return": borrowing.returned_by}.get(event, borrowing.decided_by)
            at = borrowing.returned_at or borrowing.decided_at or borrowing.requested_at
            self._log(borrowing, event, Principal(subject=actor, kind="staff", roles=frozenset()), at)

    def _log(self, borrowing: Borrowing, event: str, actor: Principal, at: datetime) -> None:
        """One log entry per step, keyed by the step: a retried step appends nothing new."""
        self._archive.log.append(f"{borrowing.borrowing_id}#{event}", canonical({
            "type": "borrowing", "borrowing_id": borrowing.borrowing_id, "document_key": borrowing.document_key,
            "event": event, "status": borrowing.status.value, "borrower": borrowing.borrower, "actor": actor.subject,
            "borrower_kind": borrowing.borrower_kind, "basis": borrowing.basis,
            "purpose": borrowing.purpose, "days": borrowing.days,
            "due_on": borrowing.due_on.isoformat() if borrowing.due_on else None, "at": at.isoformat()}), at)
