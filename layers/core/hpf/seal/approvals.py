"""Approval-node signatures (流程审批时节点签名加盖, S.8.2): when an approval ends, its form is signed by each node in
order — the applicant, then the approver, each with their personal signature from the e-seal system — and sealed
by the center over both. The first approval flow here is borrowing an archived file (档案借阅审批单); lending's
approval chain (初审, 分管主任, 信贷科长) adds its nodes the same way. A partner agency has no signature in the
province's seal system: its form carries the approver's and the seal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hpf.archive.model import ArchiveRecord
from hpf.archive.service import ArchiveService
from hpf.common.clock import business_date
from hpf.identity.principal import Principal
from hpf.identity.roles import organisations
from hpf.seal.vouchers import Voucher, VoucherKind, voucher_no


class ApprovalForms:
    def __init__(self, vouchers: Callable[[], Any], archive: ArchiveService, clock: Any):
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
