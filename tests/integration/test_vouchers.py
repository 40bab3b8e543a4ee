"""Sealed vouchers on the local platform: a unit agent, a depositor and a counter clerk ask for each kind over
HTTP; the seal function reads the ledger, signs through the e-seal system's sandbox (its time-stamp authority
included), archives the file in the locked bucket and the solidification log; the PDF downloaded from the bucket
is checked by pyHanko (the verification endpoint) and by poppler's pdfsig; a changed copy is rejected."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hpf.adapters.aws.clients import client
from hpf.common.clock import SHANGHAI
from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import eventually, fresh_resident_id, this_month
from tests.integration.test_withdrawals import purchase_request, withdrawal
from tests.pdf_tools import pdfsig, pdftext, trusting_nss


@pytest.fixture(scope="module")
def nss(platform: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NSS database that trusts the seal system's root: what a reader's PDF software is given."""
    return trusting_nss(tmp_path_factory.mktemp("nss"), platform.seal.root_pem())






def issue(http, auth, user: str, kind: str, reference: str, **extra: Any) -> httpx.Response:
    return http.post("/seal/vouchers", headers=auth(user), json={"kind": kind, "reference": reference, **extra})


def verify(http, auth, user: str, pdf: bytes) -> dict[str, Any]:
    response = http.post("/seal/verifications", headers=auth(user),
                         json={"pdf_base64": base64.b64encode(pdf).decode()})
    assert response.status_code == 200, response.text
    return response.json()


def posted_list(http, auth, new_unit, new_account, add_user, fund) -> tuple[dict, dict, str]:
    unit = new_unit()
    account = new_account(unit["unit_account"], base="6800.00")
    agent = f"agent-{unit['unit_account']}"
    add_user(SandboxUser(agent, "pw", "unit_agent", ["unit_agent"], "经办人", unit_account=unit["unit_account"],
                         default_channel="unit_web"))
    recorded = http.post(f"/ledger/units/{unit['unit_account']}/remittances", json={"month": this_month()},
                         headers=auth("clerk01")).json()
    early = issue(http, auth, agent, "remittance_receipt", recorded["remittance_id"])
    assert (early.status_code, early.json()["code"]) == (422, "REMITTANCE_NOT_POSTED")
    fund(recorded)
    eventually(lambda: http.get(f"/ledger/remittances/{recorded['remittance_id']}",
                                headers=auth("clerk01")).json()["status"] == "POSTED")
    return unit, account, recorded["remittance_id"]


@pytest.mark.feature("8.1.1")
@pytest.mark.feature("S.8.1")
@pytest.mark.feature("7.5.8")
def test_a_unit_prints_its_sealed_remittance_receipt(platform, http, auth, new_unit, new_account, add_user, fund,
                                                     nss, tmp_path):
    unit, _, remittance_id = posted_list(http, auth, new_unit, new_account, add_user, fund)
    agent = f"agent-{unit['unit_account']}"

    issued = issue(http, auth, agent, "remittance_receipt", remittance_id)
    assert issued.status_code == 201, issued.text
    voucher = issued.json()
    assert voucher["voucher_no"] == f"HJHD-{remittance_id}" and voucher["archival_code"].startswith("YTGJJ-")
    pdf = httpx.get(voucher["download_url"]).content

    # the file is the archived original, sealed once through the e-seal system with a time stamp
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == voucher["sha256"]
    def signatures_of(number: str) -> list[dict]:
        return [s for s in platform.seal.signatures if s["document_no"] == number]

    # sealed once — by this request or by the archive's own collection of the posted list, whichever claimed the
    # voucher first; the other waited for the archived original
    sealed = len(signatures_of(voucher["voucher_no"]))
    assert sealed == 1
    report = pdfsig(nss, pdf, tmp_path)
    assert "Signature is Valid." in report and "Certificate is Trusted." in report, report
    assert "Total document signed" in report and "鹰潭市住房公积金管理中心" in report
    text = pdftext(pdf, tmp_path)
    assert "住房公积金汇（补）缴回单" in text and unit["name"] in text and "壹仟陆佰叁拾贰元整" in text  # 6800×24%

    checked = verify(http, auth, agent, pdf)
    assert (checked["verdict"], checked["identical_to_archive"]) == ("authentic", True)
    assert list(checked)[0] == "authentic" and checked["authentic"] is True  # the verdict first, details after
    assert checked["archival_code"] == voucher["archival_code"]
    assert [s["signer"] for s in checked["signatures"]] == ["鹰潭市住房公积金管理中心"]

    # asking again (the web hall, the counter) gives the same original: nothing is signed a second time
    again = issue(http, auth, "clerk01", "remittance_receipt", remittance_id)
    assert again.status_code == 201 and again.json()["sha256"] == voucher["sha256"]
    assert len(signatures_of(voucher["voucher_no"])) == sealed  # printing again seals nothing
    fetched = http.get(f"/seal/vouchers/{voucher['voucher_no']}", headers=auth(agent)).json()
    assert fetched["sha256"] == voucher["sha256"]

    # a changed copy is refused: appended bytes, and one byte of the content
    appended = verify(http, auth, agent, pdf + b"\n%edited\n")
    assert (appended["authentic"], appended["verdict"]) == (False, "modified")
    position = pdf.index(b"stream", 2000) + 20
    edited = pdf[:position] + bytes([pdf[position] ^ 1]) + pdf[position + 1:]
    changed = verify(http, auth, agent, edited)
    assert (changed["authentic"], changed["verdict"]) == (False, "modified")
    assert not changed["signatures"][0]["good"] and not changed["signatures"][0]["intact"]
    assert "Digest Mismatch" in pdfsig(nss, edited, tmp_path)

    # validly sealed by the center's real seal, but not the archived original: refused. The original signed once
    # more, and another document given the voucher's number — each passes pdfsig, neither is the original.
    from hpf import bootstrap
    from hpf.seal.signing import SEAL_BOX

    sealer = bootstrap.pdf_sealer()
    resigned = sealer._sign(pdf, sealer._center_seal, voucher["voucher_no"], "CenterSealAgain", SEAL_BOX)
    other = bootstrap.pdf_sealer().seal(_another_document(voucher["voucher_no"]), voucher["voucher_no"], ())
    for forged in (resigned, other):
        assert "Signature is Valid." in pdfsig(nss, forged, tmp_path)
        answer = verify(http, auth, agent, forged)
        assert (answer["authentic"], answer["verdict"], answer["identical_to_archive"]) == \
            (False, "not_original", False), answer
        assert all(s["good"] for s in answer["signatures"])

    # the QR code's lookup: issued by the center, with the digest to compare; a forged number is not
    qr = http.get(f"/seal/vouchers/{voucher['voucher_no']}/verification", headers=auth("regulator01"))
    assert qr.status_code == 200 and qr.json()["sha256"] == voucher["sha256"]
    forged_number = http.get("/seal/vouchers/HJHD-RMT-999999999999-209901/verification",
                             headers=auth("regulator01"))
    assert forged_number.status_code == 403  # an outsider cannot tell a forged number from another's voucher

    # 扫码验真 without an account: the code printed on the paper (and in its QR code) with the number
    public_check_of_a_voucher(http, auth, platform, voucher, pdftext(pdf, tmp_path))

    # the payment confirmation (缴款确认单) of the same list
    confirmation = issue(http, auth, agent, "payment_confirmation", remittance_id)
    assert confirmation.status_code == 201 and confirmation.json()["voucher_no"] == f"JKQR-{remittance_id}"

    # another unit's agent gets neither
    other = new_unit()
    add_user(SandboxUser("agent-other", "pw", "unit_agent", ["unit_agent"], "别家经办人",
                         unit_account=other["unit_account"]))
    assert issue(http, auth, "agent-other", "remittance_receipt", remittance_id).status_code == 403
    assert http.get(f"/seal/vouchers/{voucher['voucher_no']}", headers=auth("agent-other")).status_code == 403


@pytest.mark.feature("8.1.2")
def test_a_depositor_prints_their_deposit_statement(platform, http, auth, new_unit, new_account, add_user, fund,
                                                    tmp_path):
    unit, account, _ = posted_list(http, auth, new_unit, new_account, add_user, fund)
    holder = f"holder-{account['account_no']}"
    add_user(SandboxUser(holder, "pw", "depositor", ["depositor"], "李华", id_number=account["full_id_number"],
                         default_channel="app"))
    issued = issue(http, auth, holder, "deposit_statement", account["account_no"])
    assert issued.status_code == 201, issued.text
    today = datetime.now(SHANGHAI)
    assert issued.json()["voucher_no"] == f"GRMX-{account['account_no']}-{today.year}-{today:%Y%m%d}"
    pdf = httpx.get(issued.json()["download_url"]).content
    text = pdftext(pdf, tmp_path)
    assert "住房公积金个人缴存明细" in text and this_month() in text and "1,632.00" in text
    assert account["full_id_number"] not in text  # the ID number is masked on the paper too
    assert verify(http, auth, holder, pdf)["verdict"] == "authentic"

    # a closed year is one voucher for good; a unit agent and a stranger get no statement
    last_year = issue(http, auth, holder, "deposit_statement", account["account_no"], year=today.year - 1)
    assert last_year.status_code == 201 and last_year.json()["voucher_no"].endswith(f"-{today.year - 1}")
    assert issue(http, auth, f"agent-{unit['unit_account']}", "deposit_statement",
                 account["account_no"]).status_code == 403
    add_user(SandboxUser("stranger-gr", "pw", "depositor", ["depositor"], "王五", id_number=fresh_resident_id()))
    assert issue(http, auth, "stranger-gr", "deposit_statement", account["account_no"]).status_code == 403
    bad_year = issue(http, auth, holder, "deposit_statement", account["account_no"], year=today.year + 1)
    assert (bad_year.status_code, bad_year.json()["code"]) == (400, "STATEMENT_YEAR_INVALID")


@pytest.mark.feature("8.1.3")
@pytest.mark.feature("S.8.2")
def test_a_paid_withdrawal_gets_its_voucher_co_signed_at_the_counter(platform, http, auth, deposited_account,
                                                                     add_user, nss, tmp_path):
    _, account = deposited_account()
    requested = http.post(f"/ledger/accounts/{account['account_no']}/withdrawals", headers=auth("clerk01"),
                          json=purchase_request("CTR-VOUCHER-0001", "300.00"))
    assert requested.status_code == 202, requested.text
    withdrawal_id = requested.json()["withdrawal_id"]
    eventually(lambda: withdrawal(http, auth, withdrawal_id).get("status") == "02")

    issued = issue(http, auth, "clerk01", "withdrawal_voucher", withdrawal_id)
    assert issued.status_code == 201, issued.text
    pdf = httpx.get(issued.json()["download_url"]).content
    checked = verify(http, auth, "clerk01", pdf)
    # 加签: the clerk's personal signature first, then the center's seal over the whole file
    assert checked["verdict"] == "authentic"
    assert [(s["field"], s["signer"]) for s in checked["signatures"]] == [
        ("Cosign1", "王敏"), ("CenterSeal", "鹰潭市住房公积金管理中心")]
    assert all(s["trusted"] and s["timestamped"] for s in checked["signatures"])
    report = pdfsig(nss, pdf, tmp_path)
    assert report.count("Signature is Valid.") == 2 and report.count("Certificate is Trusted.") == 2, report
    text = pdftext(pdf, tmp_path)
    assert "住房公积金提取凭证" in text and "叁佰元整" in text and withdrawal_id in text

    # the holder fetches the same file from the APP
    add_user(SandboxUser("wd-voucher-holder", "pw", "depositor", ["depositor"], "李华",
                         id_number=account["full_id_number"], default_channel="app"))
    mine = http.get(f"/seal/vouchers/TQPZ-{withdrawal_id}", headers=auth("wd-voucher-holder"))
    assert mine.status_code == 200 and mine.json()["sha256"] == issued.json()["sha256"]


@pytest.mark.feature("S.8.1")
def test_while_the_seal_system_is_down_nothing_is_issued_and_a_retry_succeeds(platform, http, auth, new_unit,
                                                                              new_account, add_user, fund):
    # (payment confirmations and statements are issued on request only: the archive's own collection of the
    # posted list does not race these requests)
    unit, account, remittance_id = posted_list(http, auth, new_unit, new_account, add_user, fund)
    agent = f"agent-{unit['unit_account']}"
    platform.seal.inject(unavailable=True)
    try:
        down = issue(http, auth, agent, "payment_confirmation", remittance_id)
    finally:
        platform.seal.inject(unavailable=False)
    assert (down.status_code, down.json()["code"]) == (503, "SEAL_SYSTEM_UNAVAILABLE")
    # nothing issued: the agent is told as of any voucher not theirs to see (403), and staff that it is not there
    assert http.get(f"/seal/vouchers/JKQR-{remittance_id}", headers=auth(agent)).status_code == 403
    assert http.get(f"/seal/vouchers/JKQR-{remittance_id}", headers=auth("clerk01")).status_code == 404
    assert http.get(f"/archive/records/JKQR-{remittance_id}", headers=auth("clerk01")).status_code == 404
    assert issue(http, auth, agent, "payment_confirmation", remittance_id).status_code == 201

    platform.seal.inject(revoked=["YTGJJ-YWZYZ"])
    try:
        statement = issue(http, auth, "clerk01", "deposit_statement", account["account_no"])
    finally:
        platform.seal.inject(revoked=[])
    assert (statement.status_code, statement.json()["code"]) == (422, "SEAL_REFUSED")
    voucher_no = f"GRMX-{account['account_no']}-{datetime.now(SHANGHAI):%Y-%Y%m%d}"
    assert http.get(f"/archive/records/{voucher_no}", headers=auth("clerk01")).status_code == 404


@pytest.mark.feature("7.5.3")
@pytest.mark.feature("7.5.1")
def test_archived_files_sit_in_their_own_locked_store_with_their_metadata(platform, http, auth, new_unit,
                                                                           new_account, add_user, fund):
    unit, _, remittance_id = posted_list(http, auth, new_unit, new_account, add_user, fund)
    voucher = issue(http, auth, f"agent-{unit['unit_account']}", "payment_confirmation", remittance_id).json()
    record = http.get(f"/archive/records/{voucher['voucher_no']}", headers=auth("auditor01"))
    assert record.status_code == 200, record.text
    r = record.json()
    assert (r["category"], r["retention"], r["source"], r["media_type"]) == ("GJ", "D30", "generated",
                                                                             "application/pdf")
    assert r["business_id"] == remittance_id and r["sha256"] == voucher["sha256"] and len(r["sm3"]) == 64
    assert r["retain_until"][:4] == str(datetime.now(SHANGHAI).year + 30) and r["creator"] == "unit_agent:unit_web"
    snapshot = http.get(f"/archive/records/{voucher['voucher_no']}.data", headers=auth("auditor01")).json()
    assert snapshot["media_type"] == "application/json" and snapshot["business_id"] == remittance_id

    # the bucket: the archive's own, versioned, each file locked in compliance mode until its retention ends
    bucket = platform.physical["ArchiveBucket"]
    s3 = client("s3")
    key = next(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"files/GJ/{voucher['voucher_no']}/")
               ["Contents"])
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"].year == int(
        r["retain_until"][:4])
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError):
        s3.delete_object(Bucket=bucket, Key=key, VersionId=head["VersionId"])
    with pytest.raises(ClientError):  # nor written over: the key is taken
        s3.put_object(Bucket=bucket, Key=key, Body=b"replacement", IfNoneMatch="*")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    # staff of another office do not see it
    assert http.get(f"/archive/records/{voucher['voucher_no']}", headers=auth("clerk-gx")).status_code == 403


def collected(http, auth, voucher_no: str) -> dict[str, Any]:
    """The archive's record once its own collection has filed it (nobody asked for the voucher)."""
    response = eventually(lambda: (r := http.get(f"/archive/records/{voucher_no}", headers=auth("auditor01")))
                          .status_code == 200 and r, timeout=30)
    return response.json()


@pytest.mark.feature("7.5.5")
def test_an_online_list_is_collected_into_the_archive_when_it_posts(platform, http, auth, new_unit, new_account,
                                                                     add_user, fund):
    unit = new_unit()
    new_account(unit["unit_account"], base="5000.00")
    agent = f"online-agent-{unit['unit_account']}"
    add_user(SandboxUser(agent, "pw", "unit_agent", ["unit_agent"], "经办人", unit_account=unit["unit_account"],
                         default_channel="unit_web"))
    recorded = http.post(f"/ledger/units/{unit['unit_account']}/remittances", json={"month": this_month()},
                         headers=auth(agent))  # the unit web hall (网上业务)
    assert recorded.status_code == 202, recorded.text
    fund(recorded.json())
    remittance_id = recorded.json()["remittance_id"]
    record = collected(http, auth, f"HJHD-{remittance_id}")
    assert (record["creator"], record["business_id"], record["category"]) == ("hpf-archive-collector",
                                                                             remittance_id, "GJ")
    snapshot = http.get(f"/archive/records/HJHD-{remittance_id}.data", headers=auth("auditor01")).json()
    assert snapshot["media_type"] == "application/json"
    # the unit prints the collected original; nothing is sealed again
    printed = issue(http, auth, agent, "remittance_receipt", remittance_id).json()
    assert printed["sha256"] == record["sha256"]
    assert len([s for s in platform.seal.signatures if s["document_no"] == f"HJHD-{remittance_id}"]) == 1


@pytest.mark.feature("7.5.4")
def test_a_counter_withdrawal_is_collected_with_its_clerks_co_signature(platform, http, auth, deposited_account):
    _, account = deposited_account()
    requested = http.post(f"/ledger/accounts/{account['account_no']}/withdrawals", headers=auth("clerk01"),
                          json=purchase_request("CTR-COLLECT-0001", "200.00"))
    assert requested.status_code == 202, requested.text
    withdrawal_id = requested.json()["withdrawal_id"]
    record = collected(http, auth, f"TQPZ-{withdrawal_id}")
    assert record["creator"] == "hpf-archive-collector" and record["category"] == "TQ"
    url = http.get(f"/seal/vouchers/TQPZ-{withdrawal_id}", headers=auth("clerk01")).json()["download_url"]
    checked = verify(http, auth, "clerk01", httpx.get(url).content)
    assert checked["verdict"] == "authentic"
    assert [s["signer"] for s in checked["signatures"]] == ["王敏", "鹰潭市住房公积金管理中心"]  # 加签 by the clerk


def _another_document(number: str) -> bytes:
    """A PDF/A page of our own making that claims a voucher's number (its Subject)."""
    import io

    from reportlab.pdfgen import canvas

    from hpf.seal.pdfa import mark_pdfa
    from hpf.seal.render import FONT, _register_font

    _register_font()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, initialFontName=FONT)
    mark_pdfa(page, "住房公积金汇（补）缴回单", "鹰潭市住房公积金管理中心", number)
    page.setFont(FONT, 14)
    page.drawString(72, 720, "住房公积金汇（补）缴回单 — 另一份文件")
    page.save()
    return buffer.getvalue()


def public_check_of_a_voucher(http, auth, platform, voucher: dict, printed: str) -> None:
    from hpf import bootstrap
    from tests.integration.conftest import operation_records

    number = voucher["voucher_no"]
    code = bootstrap.public_verification().code_of(number)
    assert f"验证码 {code}" in printed
    url = f"/seal/public/vouchers/{number}"
    answer = http.get(url, params={"code": code})  # no Authorization header at all
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert list(body)[0] == "verified" and body["verified"] is True
    assert body["sha256"] == voucher["sha256"] and body["archival_code"] == voucher["archival_code"]
    assert body["org"] == "鹰潭市住房公积金管理中心" and "*" in body["holder"]
    page = http.get(url, params={"code": code.lower().replace("-", "")}, headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html") and "本中心出具的电子凭证" in page.text
    # a wrong code answers as a number never issued: nothing to enumerate
    wrong = http.get(url, params={"code": "AAAA-AAAA"}).json()
    unknown = http.get("/seal/public/vouchers/HJHD-RMT-999999999999-209901", params={"code": code}).json()
    assert wrong == {**unknown, "voucher_no": number} and wrong["verified"] is False and wrong["sha256"] is None
    assert http.get(url, params={"code": "0000"}).status_code == 400
    # every check is recorded, verified or not
    mine = [r for r in operation_records(http, auth) if r["target"] == f"voucher_no={number}"
            and r["action"] == "GET /public/vouchers/{voucher_no}"]
    assert {r["error_code"] for r in mine} == {None, "NOT_VERIFIED"} and {r["channel"] for r in mine} == {"public"}
    # and limited: a script gets 429 within a minute's allowance (30), a person never does
    statuses = [http.get(url, params={"code": code}).status_code for _ in range(65)]
    assert 429 in statuses and statuses[0] == 200
    limited = http.get(url, params={"code": code})
    assert limited.status_code != 429 or limited.json()["code"] == "RATE_LIMITED"
