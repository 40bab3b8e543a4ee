"""Archive alerts (电子档案管理的状态预警, 7.5.15), for the archivists and leaders of an office:

- retention ending within 180 days (appraise: extend or propose disposal);
- files collected but not filed within 30 days (归档滞后);
- borrowings past their due day, not returned;
- the last integrity check's findings (the 03:00 ``verify`` run; also an error log line and a metric each).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from hpf.archive.borrowing import Borrowing, BorrowingService
from hpf.archive.model import ArchiveRecord, ArchiveStatus
from hpf.archive.service import ArchiveService
from hpf.common.clock import Clock, business_date
from hpf.identity.principal import Principal
from hpf.identity.roles import org_covers

if TYPE_CHECKING:
    from hpf.archive.ports import VerificationLog

RETENTION_NOTICE_DAYS = 180
FILING_DUE_DAYS = 30


@dataclass(frozen=True)
class Alerts:
    retention_ending: list[ArchiveRecord]
    unfiled: list[ArchiveRecord]
    overdue_borrowings: list[Borrowing]
    integrity: dict[str, Any] | None  # the last verification's summary: when, intact, findings


class ArchiveAlerts:
    def __init__(self, archive: ArchiveService, borrowings: BorrowingService, last_verification: VerificationLog, clock: Clock):
        self._archive, self._borrowings, self._last_verification, self._clock = (archive, borrowings,
                                                                                 last_verification, clock)

    def for_office(self, actor: Principal) -> Alerts:
        """Reads every record (a scan: fine at today's size; an index by retention month would replace it)."""
        today = business_date(self._clock)
        mine = [r for r in self._archive.index.all() if actor.org and org_covers(actor.org, r.org)]
        ending = [r for r in mine if r.status is ArchiveStatus.FILED
                  and r.retain_until <= today + timedelta(days=RETENTION_NOTICE_DAYS)]
        unfiled = [r for r in mine if r.status is ArchiveStatus.COLLECTED
                   and r.created_at.date() < today - timedelta(days=FILING_DUE_DAYS)]
        overdue = [b for b in self._borrowings.overdue() if actor.org and org_covers(actor.org, b.org)]
        return Alerts(sorted(ending, key=lambda r: r.retain_until), sorted(unfiled, key=lambda r: r.created_at),
                      sorted(overdue, key=lambda b: b.due_on or today), self._last_verification())
