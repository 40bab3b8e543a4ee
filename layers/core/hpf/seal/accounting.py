"""The accounting archive (会计档案管理, 7.5.16): each month's accounting documents bound into one volume.

What a month holds: the journal (记账凭证汇总表, drawn from the ledger and sealed, 30 years) and each office's daily
reconciliation reports (资金结算对账报告, filed by the 01:30 reconciliation run, 10 years — 会计档案管理办法 keeps
bank statements and reconciliations 10 years). Binding (装订) comes after the month closes, from a schedule on
the 3rd at 02:00 or ``hpf archive bind-month``: the journal is sealed and filed, then a catalogue of every
document of the month (卷内目录: archival code, title, date, digest) is sealed and filed as the volume. All of a
month's documents share the subject ``KJ<yyyymm>``, which is how the catalogue finds them. Binding twice finds
the volume already there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from hpf.archive.model import ArchiveRecord, Category, Document, Retention, Source
from hpf.archive.service import ArchiveService
from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, ValidationFailed
from hpf.identity.principal import Principal
from hpf.identity.roles import CENTER_ORG, Channel, Role, organisations
from hpf.ledger.accounting import Side
from hpf.seal.vouchers import Table, Voucher, VoucherKind, voucher_no

if TYPE_CHECKING:
    from hpf.ledger.ports import GeneralLedgerPort
    from hpf.seal.service import VoucherService

BINDER = Principal(subject="hpf-accounting-archive", kind="system", roles=frozenset({Role.ARCHIVIST}),
                   name="会计档案装订", org=CENTER_ORG, channel=Channel.SYSTEM)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def month_subject(month: str) -> str:
    return f"KJ{month.replace('-', '')}"


def _subject_name(month: str) -> str:
    return f"{organisations()[CENTER_ORG]} {month[:4]}年{month[5:7]}月会计档案"


class AccountingArchive:
    def __init__(self, ledger: GeneralLedgerPort, vouchers: Callable[[], VoucherService], archive: ArchiveService, clock: Clock):
        """``vouchers``: a factory of the voucher service — filing a workbook needs none of its signing."""
        self._ledger, self._vouchers, self._archive, self._clock = ledger, vouchers, archive, clock

    def file_reconciliation(self, org: str, day: date, workbook: bytes) -> ArchiveRecord:
        """A day's reconciliation workbook, as run. A re-run with other findings is another document (its key
        carries the digest); the same findings again file nothing new."""
        digest = hashlib.sha256(workbook).hexdigest()[:16]
        month = day.strftime("%Y-%m")
        return self._archive.file(Document(
            document_key=f"KJDZ-{org}-{day:%Y%m%d}-{digest}", title=f"资金结算对账报告（{organisations().get(org, org)} "
            f"{day.isoformat()}）", category=Category.ACCOUNTING, retention=Retention.YEARS_10,
            business_id=f"RECON-{org}-{day:%Y%m%d}", subject=month_subject(month), subject_name=_subject_name(month),
            org=org, creator="hpf-reconciliation", media_type=XLSX, content=workbook, source=Source.GENERATED))

    def bind_month(self, month: str, actor: Principal = BINDER) -> ArchiveRecord:
        """The month's volume: its journal sealed and filed, then the catalogue of all its documents."""
        if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
            raise ValidationFailed("月份格式应为 YYYY-MM", code="INVALID_MONTH")
        if month >= business_date(self._clock).strftime("%Y-%m"):
            raise BusinessRuleViolation("当月尚未结束，不能装订", code="MONTH_NOT_CLOSED")
        volume_no = voucher_no(VoucherKind.ACCOUNTING_VOLUME, month.replace("-", ""))
        existing = self._archive.find(volume_no)
        if existing is not None:
            return existing
        journal_no = voucher_no(VoucherKind.ACCOUNTING_JOURNAL, month.replace("-", ""))
        if self._archive.find(journal_no) is None:
            self._vouchers().seal_and_archive(self._journal(journal_no, month, actor), actor)
        items = [r for r in self._archive.related(actor, subject=month_subject(month))
                 if not r.document_key.endswith(".data") and r.document_key != volume_no]
        return self._vouchers().seal_and_archive(self._catalogue(volume_no, month, items), actor)

    def _journal(self, number: str, month: str, actor: Principal) -> Voucher:
        entries = self._ledger.journal_of_month(month, actor)
        rows = tuple((e.business_date.isoformat(), e.entry_id, e.description or e.business_type, line.subject,
                      line.sub_account or "—", f"{line.amount:,.2f}" if line.side is Side.DEBIT else "",
                      f"{line.amount:,.2f}" if line.side is Side.CREDIT else "")
                     for e in entries for line in e.lines)
        debits = sum((line.amount for e in entries for line in e.lines if line.side is Side.DEBIT), Decimal("0"))
        return Voucher(voucher_no=number, kind=VoucherKind.ACCOUNTING_JOURNAL, org=CENTER_ORG,
                       org_name=organisations()[CENTER_ORG], business_id=f"KJ-{month}", subject=month_subject(month),
                       subject_name=_subject_name(month), issued_on=business_date(self._clock),
                       fields=(("会计期间", month), ("凭证笔数", str(len(entries))), ("分录行数", str(len(rows)))),
                       amount_label="借方合计", amount=debits,
                       table=Table(("日期", "凭证号", "摘要", "科目", "明细", "借方", "贷方"), rows,
                                   (0.12, 0.2, 0.2, 0.07, 0.17, 0.12, 0.12)))

    def _catalogue(self, number: str, month: str, items: list[ArchiveRecord]) -> Voucher:
        rows = tuple((str(i), r.archival_code, r.title, r.created_at.date().isoformat(), f"{r.size:,}",
                      r.sha256[:16]) for i, r in enumerate(items, start=1))
        return Voucher(voucher_no=number, kind=VoucherKind.ACCOUNTING_VOLUME, org=CENTER_ORG,
                       org_name=organisations()[CENTER_ORG], business_id=f"KJ-{month}", subject=month_subject(month),
                       subject_name=_subject_name(month), issued_on=business_date(self._clock),
                       fields=(("案卷题名", _subject_name(month)), ("会计期间", month), ("卷内件数", str(len(items))),
                               ("保管期限", "30年")),
                       table=Table(("序号", "档号", "题名", "日期", "字节数", "SHA-256（前16位）"), rows,
                                   (0.05, 0.3, 0.21, 0.14, 0.1, 0.2)))
