"""Approval-node signatures (流程审批时节点签名加盖, S.8.2): when an approval ends, its form is signed by each node in
order — the applicant, then the approver, each with their personal signature from the e-seal system — and sealed
by the center over both. The first approval flow here is borrowing an archived file (档案借阅审批单); lending's
approval chain (初审, 分管主任, 信贷科长) adds its nodes the same way. A partner agency has no signature in the
province's seal system: its form carries the approver's and the seal. The second is the disposal of a file whose
retention ended (销毁清册): the archivist who proposed it, then the leader who approved it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hpf.archive.model import ArchiveEvent, ArchiveRecord, ArchiveStatus
from hpf.archive.service import ArchiveService, status_key
from hpf.common.clock import Clock, business_date
from hpf.common.errors import Forbidden
from hpf.identity.principal import Principal
from hpf.identity.roles import Role, organisations
from hpf.seal.vouchers import Voucher, VoucherKind, voucher_no


class ApprovalForms:
    def __init__(self, vouchers: Callable[[], Any], archive: ArchiveService, clock: Clock):
        self._vouchers, self._archive, self._clock = vouchers, archive, clock

    def borrowing_approved(self, borrowing: Any, approver: Principal) -> ArchiveRecord:
        record = self._archive.get(borrowing.document_key)
        nodes = ((borrowing.borrower,) if borrowing.borrower_kind == "staff" else ()) + (borrowing.decided_by,)
        form = Voucher(
            voucher_no=voucher_no(VoucherKind.BORROWING_APPROVAL, borrowing.borrowing_id),
            kind=VoucherKind.BORROWING_APPROVAL, org=borrowing.org,
            org_name=organisations().get(borrowing.org, borrowing.org), business_id=borrowing.borrowing_id,
            subject=borrowing.borrower, subject_name=borrowing.borrower_name, issued_on=business_date(self._clock),
            fields=(("借阅编号", borrowing.borrowing_id), ("借阅人", borrowing.borrower_name),
                    ("借阅人类别", "外部机构" if borrowing.borrower_kind == "partner" else "本中心人员"),
                    ("依据", borrowing.basis or "—"), ("档号", record.archival_code), ("题名", record.title),
                    ("借阅事由", borrowing.purpose), ("借阅天数", str(borrowing.days)),
                    ("申请时间", borrowing.requested_at.strftime("%Y-%m-%d %H:%M")),
                    ("审批人", borrowing.decided_by), ("审批意见", borrowing.note),
                    ("审批时间", borrowing.decided_at.strftime("%Y-%m-%d %H:%M") if borrowing.decided_at else "—"),
                    ("借阅截止", borrowing.due_on.isoformat() if borrowing.due_on else "—")),
            cosigners=nodes)
        return self._vouchers().issue_stated(form, approver)

    def disposal_approved(self, record: ArchiveRecord, approver: Principal) -> ArchiveRecord:
        proposal = self._archive.proposal_of(record)
        entry = self._archive.log.entry_for(status_key(record.document_key, record.transitions))
        approval = json.loads(entry.leaf) if entry else {}
        form = Voucher(
            voucher_no=voucher_no(VoucherKind.DISPOSAL_RECORD, record.document_key.replace(".", "-")),
            kind=VoucherKind.DISPOSAL_RECORD, org=record.org, org_name=organisations().get(record.org, record.org),
            business_id=record.document_key, subject=record.subject, subject_name=record.subject_name,
            issued_on=business_date(self._clock),
            fields=(("档号", record.archival_code), ("题名", record.title), ("保管期限", record.retention.label),
                    ("保管期满", record.retain_until.isoformat()), ("SHA-256", record.sha256[:32]),
                    ("鉴定提议人", proposal.get("actor", "")), ("鉴定意见", proposal.get("reason", "")),
                    ("批准人", approval.get("actor", approver.subject)), ("批准意见", approval.get("reason", "")),
                    ("批准时间", approval.get("at", "")[:16].replace("T", " ")),
                    ("说明", "原文件在存储锁定期满后方可删除；本清册永久保存")),
            cosigners=(proposal.get("actor", ""), approval.get("actor", approver.subject)))
        return self._vouchers().issue_stated(form, approver)


class LifecycleSteps:
    """The archive's lifecycle steps over HTTP; approving a disposal also issues its signed record (销毁清册).
    Approving again after the record failed (the seal system down) completes the record."""

    def __init__(self, archive: ArchiveService, forms: ApprovalForms):
        self._archive, self._forms = archive, forms

    def take(self, document_key: str, event: ArchiveEvent, actor: Principal, reason: str,
             years: int = 0) -> ArchiveRecord:
        if event is ArchiveEvent.APPROVE_DISPOSAL:
            record = self._archive.get(document_key)
            if record.status is not ArchiveStatus.DISPOSED:
                record = self._archive.transition(document_key, event, actor, reason)
            elif Role.LEADER not in actor.roles:  # completing the record is the approver's to do, as the step was
                raise Forbidden("该步骤须由中心负责人办理", code="FORBIDDEN_ROLE")
            else:
                actor.require_org(record.org)
            self._forms.disposal_approved(record, actor)
            return record
        return self._archive.transition(document_key, event, actor, reason, years)
