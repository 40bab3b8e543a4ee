"""Vouchers drawn, marked PDF/A and sealed through the e-seal system's sandbox (real client over HTTP), checked
by pyHanko's validator and by poppler's independent ``pdfsig``; changed copies fail both."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pikepdf
import pytest

from hpf.adapters.partners.seal_system import SealSystemClient
from hpf.sandbox.seal import APP_ID, APP_KEY, CENTER_SEAL, SealSandbox
from hpf.sandbox.server import BackgroundServer
from hpf.seal.port import SealRefused, SealUnavailable
from hpf.seal.render import render
from hpf.seal.verification import check_pdf
from hpf.seal.vouchers import Table, Voucher, VoucherKind
from tests.pdf_tools import pdfsig, pdftext, trusting_nss


@pytest.fixture(scope="module")
def seal_system():
    sandbox = SealSandbox()
    sandbox.register("STAFF-clerk01", "王敏", "person")
    server = BackgroundServer(sandbox).start()
    yield sandbox, SealSystemClient(server.url, APP_ID, APP_KEY)
    server.stop()


@pytest.fixture(scope="module")
def nss(seal_system, tmp_path_factory) -> Path:
    """An NSS database trusting the sandbox's root, for pdfsig."""
    return trusting_nss(tmp_path_factory.mktemp("nss"), seal_system[0].root_pem())




def root_der(sandbox) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return sandbox.root.public_bytes(Encoding.DER)


def a_voucher(rows: int = 3) -> Voucher:
    return Voucher(
        voucher_no="HJHD-RMT-360600000001-202611", kind=VoucherKind.REMITTANCE_RECEIPT, org="360600",
        org_name="鹰潭市住房公积金管理中心", business_id="RMT-360600000001-202611", subject="360600000001",
        subject_name="鹰潭市示范科技有限公司", issued_on=date(2026, 11, 27),
        fields=(("单位名称", "鹰潭市示范科技有限公司"), ("汇补缴年月", "2026-11"), ("缴存人数", "2")),
        amount_label="合计金额", amount=Decimal("1632.00"),
        table=Table(("记账日期", "摘要", "发生额"), tuple(("2026-11-27", "汇缴", "816.00") for _ in range(rows))))


def drawn(rows: int = 3) -> bytes:
    v = a_voucher(rows)
    return render(v, f"https://hpf.example/seal/vouchers/{v.voucher_no}/verification",
                  datetime(2026, 11, 27, 10, tzinfo=UTC))


def test_a_voucher_is_text_with_its_amount_in_capitals_an_embedded_font_and_pdfa_marks(tmp_path):
    pdf = drawn()
    (tmp_path / "v.pdf").write_bytes(pdf)
    text = pdftext(pdf, tmp_path)
    for expected in ("住房公积金汇（补）缴回单", "鹰潭市示范科技有限公司", "¥1,632.00", "壹仟陆佰叁拾贰元整",
                     "HJHD-RMT-360600000001-202611"):
        assert expected in text
    fonts = subprocess.run(["pdffonts", str(tmp_path / "v.pdf")], capture_output=True, text=True).stdout
    font_lines = fonts.splitlines()[2:]
    assert font_lines and all(" yes " in line for line in font_lines)  # every font embedded
    with pikepdf.open(tmp_path / "v.pdf") as doc:
        meta = doc.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert doc.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert str(doc.docinfo["/Subject"]) == "HJHD-RMT-360600000001-202611"


def test_a_long_statement_flows_over_pages_with_the_seal_on_the_last(seal_system, tmp_path):
    _, client = seal_system
    from hpf.seal.signing import PdfSealer

    sealed = PdfSealer(client, CENTER_SEAL).seal(drawn(rows=120), "HJHD-RMT-360600000001-202611")
    with pikepdf.open(io.BytesIO(sealed)) as doc:
        pages = len(doc.pages)
        assert pages >= 3
        on_page = [i for i, page in enumerate(doc.pages) for a in page.get("/Annots", []) if a.get("/FT") == "/Sig"]
        assert on_page == [pages - 1]
    # every line once, under the columns' header repeated on each page
    (tmp_path / "long.pdf").write_bytes(sealed)
    texts = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(tmp_path / "long.pdf"), "-"],
                            capture_output=True, text=True, check=True).stdout for n in range(1, pages + 1)]
    assert all("记账日期" in text and "发生额" in text for text in texts)
    assert sum(text.count("816.00") for text in texts) == 120


def test_a_cell_too_long_for_its_column_wraps_instead_of_running_over(tmp_path):
    """One line per cell is the fast grid; a value that does not fit takes the general table, which wraps it."""
    import dataclasses
    import re

    from hpf.seal.render import MARGIN, PAGE_WIDTH

    address = "江西省鹰潭市月湖区胜利西路与站江路交叉口东北角鹰潭市住房公积金管理中心业务大楼三层东侧第二服务窗口旁"
    v = dataclasses.replace(a_voucher(), fields=(("单位地址", address), ("汇补缴年月", "2026-11")))
    (tmp_path / "wrap.pdf").write_bytes(render(v, "https://hpf.example/v", datetime(2026, 11, 27, 10, tzinfo=UTC)))
    boxes = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "wrap.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    right_edges = [float(x) for x in re.findall(r'xMax="([0-9.]+)"', boxes)]
    assert right_edges and max(right_edges) <= PAGE_WIDTH - MARGIN + 1
    assert address in pdftext((tmp_path / "wrap.pdf").read_bytes(), tmp_path).replace("\n", "")


def test_the_qr_code_reads_back_as_the_address_of_the_check_on_every_page(tmp_path):
    import zxingcpp
    from PIL import Image

    url = "https://hpf.example/seal/public/vouchers/HJHD-RMT-360600000001-202611?code=7Q2M9KXA"
    (tmp_path / "qr.pdf").write_bytes(render(a_voucher(rows=60), url, datetime(2026, 11, 27, 10, tzinfo=UTC)))
    subprocess.run(["pdftoppm", "-r", "120", "-png", str(tmp_path / "qr.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    assert [[code.text for code in zxingcpp.read_barcodes(Image.open(page))] for page in pages] == [[url]] * len(pages)


@pytest.mark.parametrize("dialect", ["separate", "with_signature"])
def test_either_time_stamp_dialect_gives_a_b_t_seal_that_readers_accept(seal_system, nss, tmp_path, dialect):
    sandbox, client = seal_system
    from hpf.seal.signing import PdfSealer

    sealer = PdfSealer(SealSystemClient(client.base_url, APP_ID, APP_KEY, time_stamp=dialect), CENTER_SEAL)
    sealed = sealer.seal(drawn(), "HJHD-RMT-360600000001-202611")
    check = check_pdf(sealed, [root_der(sandbox)])
    assert check.sealed_and_unmodified and [s.timestamped for s in check.signatures] == [True]
    report = pdfsig(nss, sealed, tmp_path)
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report


def test_a_time_stamp_that_answers_another_request_is_not_embedded(seal_system):
    import hashlib

    from hpf.seal.signature_container import time_stamp_token

    _, client = seal_system
    digest = hashlib.sha256(b"a document").digest()
    stamped = SealSystemClient(client.base_url, APP_ID, APP_KEY, time_stamp="with_signature").sign_and_stamp(
        CENTER_SEAL, digest, "HJHD-RMT-360600000001-202611", nonce=42)
    signed = hashlib.sha256(stamped.signature).digest()
    assert time_stamp_token(stamped.time_stamp_response, signed, 42)
    with pytest.raises(SealUnavailable):
        time_stamp_token(stamped.time_stamp_response, signed, 43)  # a replayed answer to another request
    with pytest.raises(SealUnavailable):
        time_stamp_token(stamped.time_stamp_response, digest, 42)  # over something else
    with pytest.raises(ValueError):
        SealSystemClient(client.base_url, APP_ID, APP_KEY, time_stamp="both")


def test_a_counter_voucher_carries_the_clerks_signature_and_the_seal_both_valid(seal_system, nss, tmp_path):
    sandbox, client = seal_system
    from hpf.seal.signing import PdfSealer

    sealed = PdfSealer(client, CENTER_SEAL).seal(drawn(), "HJHD-RMT-360600000001-202611", ("STAFF-clerk01",))
    check = check_pdf(sealed, [root_der(sandbox)])
    assert check.sealed_and_unmodified and check.document_no == "HJHD-RMT-360600000001-202611"
    assert [(s.signer, s.timestamped) for s in check.signatures] == [("王敏", True), ("鹰潭市住房公积金管理中心", True)]
    report = pdfsig(nss, sealed, tmp_path)
    assert report.count("Signature is Valid.") == 2 and report.count("Certificate is Trusted.") == 2, report
    assert "Total document signed" in report
    # the seal system signed digests only, each against the document's number
    assert {s["document_no"] for s in sandbox.signatures} == {"HJHD-RMT-360600000001-202611"}


def test_changed_copies_fail_in_pyhanko_and_in_pdfsig(seal_system, nss, tmp_path):
    sandbox, client = seal_system
    from hpf.seal.signing import PdfSealer

    sealed = PdfSealer(client, CENTER_SEAL).seal(drawn(), "HJHD-RMT-360600000001-202611")
    # a byte inside the signed content changed (the amount's figures are in a compressed stream: change one byte of
    # the first page's content stream object, well before the signature)
    position = sealed.index(b"stream", 2000) + 20
    edited = sealed[:position] + bytes([sealed[position] ^ 0x01]) + sealed[position + 1:]
    check = check_pdf(edited, [root_der(sandbox)])
    assert not check.sealed_and_unmodified and not check.signatures[-1].intact
    report = pdfsig(nss, edited, tmp_path)
    assert "Digest Mismatch" in report and "Signature is Valid." not in report, report

    # an incremental update appended after sealing: the old signature stays intact but no longer covers the file
    with pikepdf.open(io.BytesIO(sealed)) as doc:
        doc.docinfo["/Title"] = "改过的标题"
        out = io.BytesIO()
        doc.save(out, preserve_pdfa=True)
    appended = out.getvalue()
    check = check_pdf(appended, [root_der(sandbox)])
    assert not check.sealed_and_unmodified

    # a seal from another authority is not trusted, however valid its mathematics
    assert not check_pdf(sealed, [root_der(SealSandbox())]).sealed_and_unmodified
    assert check_pdf(sealed, [root_der(sandbox)]).sealed_and_unmodified


def test_not_a_pdf_is_a_4xx():
    from hpf.common.errors import ValidationFailed

    for junk in (b"hello", b"%PDF-1.7\n garbage without structure"):
        with pytest.raises(ValidationFailed) as refused:
            check_pdf(junk, [])
        assert refused.value.code == "PDF_MALFORMED"


def test_the_seal_system_checks_what_it_receives_and_its_faults_reach_the_client(seal_system):
    sandbox, client = seal_system
    base = client.base_url
    headers = {"X-App-Id": APP_ID, "X-App-Key": APP_KEY}
    assert httpx.post(f"{base}/seals/{CENTER_SEAL}/signatures", headers={"X-App-Key": "wrong"},
                      json={}).status_code == 401
    short = httpx.post(f"{base}/seals/{CENTER_SEAL}/signatures", headers=headers,
                       json={"digest_algorithm": "sha256", "digest": "AAAA", "document_no": "X"})
    assert (short.status_code, short.json()["code"]) == (400, "DIGEST_INVALID")
    assert httpx.get(f"{base}/seals/NO-SUCH", headers=headers).status_code == 404
    rejected = httpx.post(f"{base}/tsa", headers={**headers, "Content-Type": "application/timestamp-query"},
                          content=b"not a request")
    assert (rejected.status_code, rejected.json()["code"]) == (400, "TSA_REQUEST_MALFORMED")
    for nonce in ("42", -1, 2 ** 64, 1.5):
        wrong = httpx.post(f"{base}/seals/{CENTER_SEAL}/signatures", headers=headers, json={
            "digest_algorithm": "sha256", "digest": "A" * 43 + "=", "document_no": "X", "time_stamp_nonce": nonce})
        assert (wrong.status_code, wrong.json()["code"]) == (400, "NONCE_INVALID"), nonce

    with pytest.raises(SealRefused):
        SealSystemClient(base, APP_ID, "wrong").sign_digest(CENTER_SEAL, bytes(32), "X")
    sandbox.inject(revoked=[CENTER_SEAL])
    try:
        with pytest.raises(SealRefused):
            client.sign_digest(CENTER_SEAL, bytes(32), "X")
    finally:
        sandbox.inject(revoked=[])
    sandbox.inject(unavailable=True)
    try:
        with pytest.raises(SealUnavailable):
            client.sign_digest(CENTER_SEAL, bytes(32), "X")
    finally:
        sandbox.inject(unavailable=False)
    with pytest.raises(SealUnavailable):
        SealSystemClient("http://127.0.0.1:9", APP_ID, APP_KEY).material(CENTER_SEAL)


class JournalOfOctober:
    """The ledger's side of the accounting archive: the month's journal entries (记账凭证)."""

    def journal_of_month(self, month, actor):
        from hpf.ledger.accounting import remittance_funds_entry

        assert month == "2026-10" and actor.org == "360600"
        return [remittance_funds_entry(f"FUND-RMT-36060000000{i}-202610", date(2026, 10, 15), f"RMT-{i}",
                                       f"36060000000{i}", Decimal("1632.00") * i, "2026-10汇缴资金到账")
                for i in range(1, 4)]


def test_a_month_is_bound_with_its_journal_and_catalogue_sealed(seal_system, tmp_path):
    from hpf.archive.service import ArchiveService
    from hpf.common.clock import FixedClock
    from hpf.common.errors import BusinessRuleViolation
    from hpf.seal.accounting import AccountingArchive
    from hpf.seal.service import VoucherService
    from hpf.seal.signing import PdfSealer
    from tests.fakes.archive import MemoryIndex, MemoryLog, MemoryObjects

    sandbox, client = seal_system
    clock = FixedClock(datetime(2026, 11, 3, 2, tzinfo=UTC))
    archive = ArchiveService(MemoryObjects(), MemoryIndex(), MemoryLog(), clock)
    sealer = PdfSealer(client, CENTER_SEAL)
    vouchers = VoucherService(None, archive, lambda: sealer, clock, "https://hpf.example", lambda: [root_der(sandbox)])
    books = AccountingArchive(JournalOfOctober(), lambda: vouchers, archive, clock)
    workbook = books.file_reconciliation("360602", date(2026, 10, 30), b"PK\x03\x04 a workbook")

    volume = books.bind_month("2026-10")
    assert volume.document_key == "KJJZ-202610" and volume.category.value == "KJ"
    journal = archive.get("KJPZ-202610")
    text = pdftext(archive.content(journal), tmp_path).replace("\n", "")
    assert "FUND-RMT-360600000003-202610" in text and "9,792.00" in text  # 1632 × (1 + 2 + 3), debits = credits
    assert "玖仟柒佰玖拾贰元整" in text
    catalogue = pdftext(archive.content(volume), tmp_path).replace("\n", "")
    assert workbook.archival_code in catalogue and journal.archival_code in catalogue
    assert check_pdf(archive.content(volume), [root_der(sandbox)]).sealed_and_unmodified
    assert books.bind_month("2026-10") == volume  # bound once
    with pytest.raises(BusinessRuleViolation) as refused:
        books.bind_month("2026-11")
    assert refused.value.code == "MONTH_NOT_CLOSED"


class OneVoucher:
    """The ledger's side of issuing: one remittance receipt, visible to everyone here."""

    def voucher(self, kind, reference, actor, year=None):
        return a_voucher()


def voucher_world(seal_system, sealer=None, claims=None, wait_seconds=0.5):
    from hpf.archive.service import ArchiveService
    from hpf.common.clock import FixedClock
    from hpf.seal.service import VoucherService
    from hpf.seal.signing import PdfSealer
    from tests.fakes.archive import MemoryClaims, MemoryIndex, MemoryLog, MemoryObjects

    sandbox, client = seal_system
    clock = FixedClock(datetime(2026, 11, 27, 10, tzinfo=UTC))
    archive = ArchiveService(MemoryObjects(), MemoryIndex(), MemoryLog(), clock)
    sealer = sealer or PdfSealer(client, CENTER_SEAL)
    claims = claims if claims is not None else MemoryClaims()
    return archive, claims, VoucherService(OneVoucher(), archive, lambda: sealer, clock, "https://hpf.example",
                                           lambda: [root_der(sandbox)], claims, wait_seconds), clock


def test_a_voucher_another_request_is_sealing_is_waited_for_not_sealed_twice(seal_system):
    from hpf.common.errors import Conflict
    from hpf.identity.principal import Principal
    from hpf.identity.roles import Role
    from hpf.seal.vouchers import VoucherKind

    agent = Principal(subject="agent", kind="unit_agent", roles=frozenset({Role.UNIT_AGENT}),
                      unit_account="360600000001")
    archive, claims, vouchers, _ = voucher_world(seal_system)
    claims.claim(a_voucher().voucher_no, "the other request", 60)
    with pytest.raises(Conflict) as busy:  # the other never finished within the wait
        vouchers.issue(VoucherKind.REMITTANCE_RECEIPT, "RMT-1", agent)
    assert busy.value.code == "VOUCHER_BEING_ISSUED" and archive.find(a_voucher().voucher_no) is None

    claims.release(a_voucher().voucher_no, "the other request")
    issued = vouchers.issue(VoucherKind.REMITTANCE_RECEIPT, "RMT-1", agent)
    assert vouchers.issue(VoucherKind.REMITTANCE_RECEIPT, "RMT-1", agent).record == issued.record


def test_a_sealing_that_fails_gives_its_claim_back(seal_system):
    from hpf.identity.principal import Principal
    from hpf.identity.roles import Role
    from hpf.seal.port import SealUnavailable
    from hpf.seal.vouchers import VoucherKind

    class DownSealer:
        def seal(self, pdf, document_no, cosigners=()):
            raise SealUnavailable()

    agent = Principal(subject="agent", kind="unit_agent", roles=frozenset({Role.UNIT_AGENT}))
    archive, claims, vouchers, _ = voucher_world(seal_system, sealer=DownSealer())
    with pytest.raises(SealUnavailable):
        vouchers.issue(VoucherKind.REMITTANCE_RECEIPT, "RMT-1", agent)
    assert claims.held == {}  # the next request seals at once, it does not wait for an expiry


def test_a_disposal_is_proposed_near_the_end_approved_after_it_and_recorded_with_both_signatures(seal_system):
    from hpf.archive.model import ArchiveEvent, ArchiveStatus, Category, Document, Retention
    from hpf.common.errors import BusinessRuleViolation, Forbidden
    from hpf.identity.principal import Principal
    from hpf.identity.roles import Role
    from hpf.seal.approvals import ApprovalForms, LifecycleSteps

    sandbox, _ = seal_system
    for code, name in (("STAFF-archivist01", "郑洁"), ("STAFF-leader01", "周强")):
        sandbox.register(code, name, "person")
    archive, _, vouchers, clock = voucher_world(seal_system)
    steps = LifecycleSteps(archive, ApprovalForms(lambda: vouchers, archive, clock))
    keeper = Principal(subject="archivist01", kind="staff", roles=frozenset({Role.ARCHIVIST}), org="360600")
    leader = Principal(subject="leader01", kind="staff", roles=frozenset({Role.LEADER}), org="360600")
    archive.file(Document("UPL-OLD-0001", "身份证扫描件", Category.WITHDRAWAL, Retention.YEARS_10, "WDR-1",
                          "360602199001011237", "李华", "360600", "clerk01", "application/pdf", b"%PDF-1.7 scan"))
    steps.take("UPL-OLD-0001", ArchiveEvent.FILE, keeper, "年度归档")

    with pytest.raises(BusinessRuleViolation) as early:
        steps.take("UPL-OLD-0001", ArchiveEvent.PROPOSE_DISPOSAL, keeper, "提请销毁")
    assert early.value.code == "RETENTION_NOT_ENDING"
    clock.advance(days=365 * 10 - 100)  # within 180 days of the end
    steps.take("UPL-OLD-0001", ArchiveEvent.PROPOSE_DISPOSAL, keeper, "保管期将满，无继续保存价值")
    with pytest.raises(BusinessRuleViolation) as not_yet:
        steps.take("UPL-OLD-0001", ArchiveEvent.APPROVE_DISPOSAL, leader, "同意")
    assert not_yet.value.code == "RETENTION_NOT_ENDED"
    clock.advance(days=120)  # now past it
    with pytest.raises(Forbidden):
        steps.take("UPL-OLD-0001", ArchiveEvent.APPROVE_DISPOSAL, keeper, "自己批准")
    disposed = steps.take("UPL-OLD-0001", ArchiveEvent.APPROVE_DISPOSAL, leader, "同意销毁")
    assert disposed.status is ArchiveStatus.DISPOSED
    assert archive.content(disposed) == b"%PDF-1.7 scan"  # a disposal is a record: nothing was erased

    record = archive.get("XHQC-UPL-OLD-0001")
    assert record.retention is Retention.PERMANENT
    check = check_pdf(archive.content(record), [root_der(sandbox)])
    assert check.sealed_and_unmodified
    assert [s.signer for s in check.signatures] == ["郑洁", "周强", "鹰潭市住房公积金管理中心"]
    # approving again (the record had failed) completes nothing new
    assert steps.take("UPL-OLD-0001", ArchiveEvent.APPROVE_DISPOSAL, leader, "同意销毁") == disposed
    assert archive.get("XHQC-UPL-OLD-0001") == record
    with pytest.raises(Forbidden):  # completing it is the approver's role too
        steps.take("UPL-OLD-0001", ArchiveEvent.APPROVE_DISPOSAL, keeper, "同意销毁")
