"""Issue, fetch and verify sealed vouchers (S.8.3 self-service printing, 8.1.x, 7.5.8 voucher solidification).

Issuing: the ledger states the voucher (and checks the caller may have it); if the archive already holds that
voucher number, the archived original is returned — a voucher is sealed once, however often it is printed.
Otherwise it is drawn, marked PDF/A, signed (at the counter the clerk co-signs, 加签, S.8.2), and archived with
a snapshot of the data it shows (数据固化). Depositors, unit agents and counter staff all fetch the same file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from hpf.archive.access import require_record_visible
from hpf.archive.model import ArchiveRecord, Document, Source
from hpf.archive.service import ArchiveService
from hpf.common.clock import Clock
from hpf.common.errors import Conflict, NotFound
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role
from hpf.seal.vouchers import Voucher, VoucherKind

MEDIA_PDF = "application/pdf"


@dataclass(frozen=True)
class IssuedVoucher:
    voucher_no: str
    kind: VoucherKind
    record: ArchiveRecord
    download_url: str


@dataclass(frozen=True)
class VerificationResult:
    verdict: str  # authentic | not_in_archive | modified | unsealed
    document_no: str | None
    signatures: tuple[Any, ...]
    archived: ArchiveRecord | None
    identical_to_archive: bool


def staff_seal_code(subject: str) -> str:
    """The seal system's code of a staff member's personal signature, by their identity subject (our convention:
    docs/interfaces/e-seal.md)."""
    return f"STAFF-{subject}"


CLAIM_SECONDS = 60  # long enough to draw and seal a voucher; a crashed claimant's claim frees itself
WAIT_SECONDS = 10.0  # how long a second request waits for the first to file the voucher it is sealing


class VoucherService:
    def __init__(self, source: Any, archive: ArchiveService, sealer: Callable[[], Any], clock: Clock,
                 verify_base_url: str, trust_roots: Callable[[], list[bytes]], claims: Any = None,
                 wait_seconds: float = WAIT_SECONDS, code_of: Callable[[str], str] | None = None):
        """``claims``: so that two first requests for one voucher (a double click; the collector and the unit at
        the same moment) do not both have it signed — the second waits for the first's archived original."""
        self._source, self._archive, self._sealer, self._clock = source, archive, sealer, clock
        self._verify_base_url = verify_base_url.rstrip("/")
        self._trust_roots = trust_roots
        self._claims, self._wait_seconds = claims, wait_seconds
        self._code_of = code_of  # the verification code printed on a voucher and carried by its QR code

    def issue(self, kind: VoucherKind, reference: str, actor: Principal, year: int | None = None) -> IssuedVoucher:
        voucher = self._source.voucher(kind, reference, actor, year)
        record = self.issue_stated(voucher, actor)
        return IssuedVoucher(voucher.voucher_no, kind, record, self._download(record))

    def issue_stated(self, voucher: Voucher, actor: Principal) -> ArchiveRecord:
        """A voucher another area has stated (an approval form): the archived original, or sealed now, once."""
        return self._archive.find(voucher.voucher_no) or self._first_issue(voucher, actor)

    def _first_issue(self, voucher: Voucher, actor: Principal) -> ArchiveRecord:
        import time
        import uuid

        if self._claims is None:
            return self.seal_and_archive(voucher, actor)
        holder = uuid.uuid4().hex
        if self._claims.claim(voucher.voucher_no, holder, CLAIM_SECONDS):
            try:
                return self.seal_and_archive(voucher, actor)
            except Exception:
                self._claims.release(voucher.voucher_no, holder)  # the next request tries at once
                raise
        deadline = time.monotonic() + self._wait_seconds
        while time.monotonic() < deadline:
            time.sleep(0.2)
            found = self._archive.find(voucher.voucher_no)
            if found is not None:
                return found
        raise Conflict("该凭证正在出具，请稍后再试", code="VOUCHER_BEING_ISSUED")

    def get(self, voucher_no: str, actor: Principal) -> IssuedVoucher:
        record = self._archive.get(voucher_no)
        require_record_visible(actor, record)
        kind = next((k for k in VoucherKind if voucher_no.startswith(k.prefix + "-")), None)
        if kind is None:
            raise NotFound("凭证不存在", code="VOUCHER_NOT_FOUND")
        return IssuedVoucher(voucher_no, kind, record, self._download(record))

    def verification_of(self, voucher_no: str) -> ArchiveRecord:
        """What the QR code leads to: whether the center issued this voucher number, and its digest."""
        record = self._archive.find(voucher_no)
        if record is None or record.media_type != MEDIA_PDF:
            raise NotFound("未找到该凭证，凭证可能不是本中心出具", code="VOUCHER_NOT_FOUND")
        return record

    def verify(self, pdf: bytes) -> VerificationResult:
        from hpf.seal.verification import check_pdf

        check = check_pdf(pdf, self._trust_roots())
        record = self._archive.find(check.document_no) if check.document_no else None
        identical = record is not None and hashlib.sha256(pdf).hexdigest() == record.sha256
        if not check.signatures:
            verdict = "unsealed"
        elif not check.sealed_and_unmodified:
            verdict = "modified"
        elif record is None:
            verdict = "not_in_archive"
        elif not identical:
            # Validly sealed, but not the file we archived under that number: another document given the number,
            # or the original signed again. Only the archived original is authentic.
            verdict = "not_original"
        else:
            verdict = "authentic"
        return VerificationResult(verdict, check.document_no, check.signatures, record, identical)

    # -- issuing -------------------------------------------------------------------------------------------
    def seal_and_archive(self, voucher: Voucher, actor: Principal) -> ArchiveRecord:
        """Draw, mark, seal and file a voucher already stated (the accounting archive states its own)."""
        from hpf.seal.render import render

        code = self._code_of(voucher.voucher_no) if self._code_of else ""
        verify_url = f"{self._verify_base_url}/seal/public/vouchers/{voucher.voucher_no}" + (f"?code={code}" if code
                                                                                                else "")
        pdf = render(voucher, verify_url, self._clock.now(), code)  # PDF/A-2b as drawn
        # 加签: the voucher's own signers (the clerk who handled a counter business, an approval's nodes); else a
        # clerk printing it at the counter.
        at_counter = actor.channel is Channel.COUNTER and Role.COUNTER_CLERK in actor.roles
        signers = voucher.cosigners or ((actor.subject,) if at_counter else ())
        sealed = self._sealer().seal(pdf, voucher.voucher_no, tuple(staff_seal_code(s) for s in signers))
        creator = actor.subject if actor.is_staff else f"{actor.kind}:{actor.channel.value}"
        self._archive.file(self._document(voucher, f"{voucher.voucher_no}.data", "业务数据快照：" + voucher.title,
                                          "application/json", _snapshot(voucher), creator))
        return self._archive.file(self._document(voucher, voucher.voucher_no, voucher.title, MEDIA_PDF, sealed,
                                                 creator))

    @staticmethod
    def _document(voucher: Voucher, key: str, title: str, media_type: str, content: bytes,
                  creator: str) -> Document:
        return Document(document_key=key, title=title, category=voucher.kind.category,
                        retention=voucher.kind.retention, business_id=voucher.business_id, subject=voucher.subject,
                        subject_name=voucher.subject_name, org=voucher.org, creator=creator, media_type=media_type,
                        content=content, source=Source.GENERATED)

    def _download(self, record: ArchiveRecord) -> str:
        return self._archive.download_url(record)


def _snapshot(voucher: Voucher) -> bytes:
    data = asdict(voucher)
    data["kind"] = voucher.kind.value
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
