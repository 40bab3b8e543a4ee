"""The solidification trail (数据固化留痕) on the local platform: a signed tree head, an auditor's inclusion proof
checked offline, ``hpf archive verify`` over the real stores — and the tamper campaign: each kind of change made
beneath the platform (storage bytes, an index record, a log entry, a tree head) is named, then undone."""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any

import pytest

from hpf.adapters.aws.clients import client
from hpf.archive import merkle
from hpf.archive.treehead import TreeHead, signature_holds
from hpf.local.aws import ACCOUNT
from tests.integration.conftest import operation_records
from tests.integration.test_vouchers import issue, posted_list


def archive_cli(platform: Any, action: str, capsys: pytest.CaptureFixture, month: str | None = None
                ) -> tuple[int, str]:
    import os

    from hpf.cli import main

    os.environ["HPF_STATE_DIR"] = str(platform.state_dir)
    try:
        status = main(["archive", action, *(["--month", month] if month else [])])
    finally:
        os.environ.pop("HPF_STATE_DIR")
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def stored(platform: Any, key: str) -> Any:
    """The embedded S3's own object: changing it is what a storage-level intruder would do (the API refuses)."""
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT]["global"].get_object(platform.physical["ArchiveBucket"], key)


@contextmanager
def changed_object(platform: Any, key: str, content: bytes):
    fake = stored(platform, key)
    original = fake.value
    fake.value = content
    try:
        yield
    finally:
        fake.value = original


@contextmanager
def planted_version(platform: Any, key: str, content: bytes):
    """A new version written over an archived file through the API — Object Lock keeps old versions, it does not
    forbid new ones; a plain read of the key would now return the planted bytes. Removed afterwards beneath the API
    (the bucket's default retention locks it too, as it would in the cloud)."""
    from moto.s3.models import s3_backends

    bucket = platform.physical["ArchiveBucket"]
    planted = client("s3").put_object(Bucket=bucket, Key=key, Body=content)["VersionId"]
    try:
        yield
    finally:
        store = s3_backends[ACCOUNT]["global"].buckets[bucket].keys
        store.setlist(key, [v for v in store.getlist(key) if v.version_id != planted])


@contextmanager
def changed_item(platform: Any, pk: str, sk: str, attribute: str, value: str):
    table = platform.physical["ArchiveTable"]
    db = client("dynamodb")
    key = {"pk": {"S": pk}, "sk": {"S": sk}}
    original = db.get_item(TableName=table, Key=key)["Item"][attribute]
    db.update_item(TableName=table, Key=key, UpdateExpression="SET #a = :v", ExpressionAttributeNames={"#a": attribute},
                   ExpressionAttributeValues={":v": {"S": value}})
    try:
        yield
    finally:
        db.update_item(TableName=table, Key=key, UpdateExpression="SET #a = :v",
                       ExpressionAttributeNames={"#a": attribute}, ExpressionAttributeValues={":v": original})


@pytest.mark.feature("7.5.9")
def test_signed_tree_heads_proofs_and_the_tamper_campaign(platform, http, auth, new_unit, new_account, add_user,
                                                         fund, capsys):
    unit, _, remittance_id = posted_list(http, auth, new_unit, new_account, add_user, fund)
    voucher = issue(http, auth, f"agent-{unit['unit_account']}", "remittance_receipt", remittance_id).json()
    no = voucher["voucher_no"]
    early = http.get(f"/archive/records/{no}/proof", headers=auth("auditor01"))
    if early.status_code == 422:  # no head yet covers it (the usual case: heads are signed at 00:10)
        assert early.json()["code"] == "NOT_YET_IN_TREE_HEAD"

    status, out = archive_cli(platform, "tree-head", capsys)
    assert status == 0 and "tree head signed" in out
    status, out = archive_cli(platform, "verify", capsys)
    assert status == 0 and "archive intact" in out, out

    # an auditor's proof, checked with nothing but hashes and the seal system's root certificate
    proof = http.get(f"/archive/records/{no}/proof", headers=auth("auditor01"))
    assert proof.status_code == 200, proof.text
    p = proof.json()
    head = TreeHead(**p["tree_head"])
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    root_der = x509.load_pem_x509_certificate(platform.seal.root_pem()).public_bytes(Encoding.DER)
    assert signature_holds(head, [root_der])
    assert merkle.verify_inclusion(bytes.fromhex(p["leaf_hash"]), p["record"]["log_index"], head.size,
                                   [bytes.fromhex(h) for h in p["path"]], bytes.fromhex(head.root))
    assert http.get(f"/archive/records/{no}/proof", headers=auth("clerk01")).status_code == 403

    # the log only grew: a later signed head is consistent with this one (the auditor checks with two roots)
    upload(http, auth, "UP-20261127-0501", "360602199001011237", "WDR-360600000001001-REQ-0501", PNG)
    status, _ = archive_cli(platform, "tree-head", capsys)
    assert status == 0
    heads = http.get("/archive/tree-heads", headers=auth("auditor01")).json()["tree_heads"]
    later = heads[-1]
    assert later["size"] > head.size
    consistency = http.get("/archive/tree-heads/consistency", params={"first": head.size, "second": later["size"]},
                           headers=auth("auditor01")).json()
    assert merkle.verify_consistency(head.size, bytes.fromhex(head.root), later["size"], bytes.fromhex(later["root"]),
                                     [bytes.fromhex(h) for h in consistency["path"]])
    assert signature_holds(TreeHead(**consistency["second"]), [root_der])
    missing = http.get("/archive/tree-heads/consistency", params={"first": 1, "second": 999999},
                       headers=auth("auditor01"))
    assert (missing.status_code, missing.json()["code"]) == (404, "TREE_HEAD_NOT_FOUND")

    record = p["record"]
    object_key = next(o["Key"] for o in client("s3").list_objects_v2(
        Bucket=platform.physical["ArchiveBucket"], Prefix=f"files/GJ/{no}/")["Contents"])
    entry_sk = f"E#{record['log_index']:012d}"
    entry = client("dynamodb").get_item(TableName=platform.physical["ArchiveTable"],
                                        Key={"pk": {"S": "LOG"}, "sk": {"S": entry_sk}})["Item"]
    rewritten_leaf = json.loads(entry["leaf"]["S"])
    rewritten_leaf["subject_name"] = "改写的单位"
    head_key = f"log/tree-heads/{head.size:012d}.json"
    forged_head = json.loads(stored(platform, head_key).value)
    forged_head["root"] = "00" * 32

    campaign = [
        ("bytes_differ", changed_object(platform, object_key, b"%PDF-1.7 a different file")),
        ("extra_version", planted_version(platform, object_key, b"%PDF-1.7 planted on top")),
        ("metadata_differs", changed_item(platform, f"DOC#{no}", "RECORD", "subject_name", "改写的单位")),
        ("tree_head_root", changed_item(platform, "LOG", entry_sk, "leaf",
                                        json.dumps(rewritten_leaf, ensure_ascii=False, sort_keys=True,
                                                   separators=(",", ":")))),
        ("tree_head_signature", changed_object(platform, head_key, json.dumps(forged_head).encode())),
    ]
    detected = []
    for expected, tampering in campaign:
        with tampering:
            status, out = archive_cli(platform, "verify", capsys)
        assert status == 1, out
        assert f"FAIL {expected}" in out, out
        detected.append(expected)
    assert len(detected) == len(campaign)  # 100 %

    status, out = archive_cli(platform, "verify", capsys)
    assert status == 0 and "archive intact" in out, out


def upload(http, auth, upload_id: str, subject: str, business_id: str, content: bytes, media_type="image/png",
           user="clerk01"):
    import base64

    return http.post("/archive/uploads", headers=auth(user), json={
        "upload_id": upload_id, "title": "身份证扫描件", "category": "TQ", "retention": "D30",
        "business_id": business_id, "subject": subject, "subject_name": "李华", "media_type": media_type,
        "content_base64": base64.b64encode(content).decode()})


def scan(*lines: str, size: tuple[int, int] = (900, 260)) -> bytes:
    """A page as a counter scanner gives it: black text on white, PNG."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    from hpf.seal.fonts import font_file

    page = Image.new("RGB", size, "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(font_file(), 34, index=0)
    for i, line in enumerate(lines):
        draw.text((30, 30 + 90 * i), line, font=font, fill="black")
    out = io.BytesIO()
    page.save(out, format="PNG")
    return out.getvalue()


PNG = scan()  # a blank page


def scanned_pdf(*lines: str) -> bytes:
    """A scanner's PDF: the page is an image, there is no text layer."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(scan(*lines))).convert("RGB").save(out, format="PDF", resolution=150)
    return out.getvalue()


@pytest.mark.feature("7.5.6")
@pytest.mark.feature("7.5.13")
def test_counter_uploads_are_archived_viewed_with_a_trail_and_found_with_their_business(platform, http, auth,
                                                                                      add_user):
    from hpf.sandbox.identity import SandboxUser
    from tests.integration.conftest import fresh_resident_id

    person = fresh_resident_id()
    first = upload(http, auth, "UP-20261127-0001", person, "WDR-360600000001001-REQ-0001", PNG)
    assert first.status_code == 201, first.text
    record = first.json()
    assert (record["source"], record["category"], record["media_type"]) == ("uploaded", "TQ", "image/png")
    # the same upload again (a retry) is the same file
    assert upload(http, auth, "UP-20261127-0001", person, "WDR-360600000001001-REQ-0001", PNG).json()[
        "archival_code"] == record["archival_code"]
    contract = scanned_pdf("商品房买卖合同")
    second = upload(http, auth, "UP-20261127-0002", person, "WDR-360600000001001-REQ-0001", contract,
                    media_type="application/pdf").json()

    # refused: bytes that are not what they claim; a type the archive does not take
    lying = upload(http, auth, "UP-20261127-0003", person, "WDR-X-0001", b"MZ\x90\x00 not a png")
    assert (lying.status_code, lying.json()["code"]) == (400, "UPLOAD_CONTENT_MISMATCH")
    assert upload(http, auth, "UP-20261127-0004", person, "WDR-X-0001", PNG, user="auditor01").status_code == 403

    # related: the person's files, the business's files
    by_person = http.get("/archive/records", params={"subject": person}, headers=auth("clerk01")).json()
    assert [r["document_key"] for r in by_person["records"]] == ["UPL-UP-20261127-0001", "UPL-UP-20261127-0002"]
    by_business = http.get("/archive/records", params={"business_id": "WDR-360600000001001-REQ-0001"},
                           headers=auth("auditor01")).json()
    assert {r["document_key"] for r in by_business["records"]} == {"UPL-UP-20261127-0001", "UPL-UP-20261127-0002"}
    assert http.get("/archive/records", headers=auth("clerk01")).status_code == 400  # one of the two, required
    # staff of another office see none of them
    assert http.get("/archive/records", params={"subject": person}, headers=auth("clerk-gx")).json()["records"] == []

    # viewing: the holder and the counter, each view a recorded operation; a stranger is refused
    add_user(SandboxUser("arc-holder", "pw", "depositor", ["depositor"], "李华", id_number=person))
    view = http.post(f"/archive/records/{second['document_key']}/views", headers=auth("arc-holder"))
    assert view.status_code == 201, view.text
    assert httpx_get(view.json()["download_url"]) == contract
    add_user(SandboxUser("arc-stranger", "pw", "depositor", ["depositor"], "王五", id_number=fresh_resident_id()))
    assert http.post(f"/archive/records/{second['document_key']}/views",
                     headers=auth("arc-stranger")).status_code == 403
    assert any(o["action"] == "POST /records/{document_key}/views" and o["subject"] == "arc-holder"
               and o["target"] == f"document_key={second['document_key']}" and o["outcome"] == 201
               for o in operation_records(http, auth))


def httpx_get(url: str) -> bytes:
    import httpx

    return httpx.get(url).content


@pytest.mark.feature("7.5.11")
@pytest.mark.feature("7.5.12")
def test_an_archivist_files_extends_and_appraises_and_each_step_is_in_the_trail(platform, http, auth, capsys):
    from tests.integration.conftest import fresh_resident_id

    record = upload(http, auth, "UP-20261127-0101", fresh_resident_id(), "WDR-360600000001001-REQ-0101", PNG).json()
    key = record["document_key"]

    def step(event: str, reason: str = "按规定办理", years: int = 0, user: str = "archivist01"):
        body = {"event": event, "reason": reason, **({"years": years} if years else {})}
        return http.post(f"/archive/records/{key}/transitions", headers=auth(user), json=body)

    assert step("file", user="clerk01").status_code == 403  # the archivist's task
    filed = step("file", "年度归档").json()
    assert (filed["status"], filed["transitions"]) == ("filed", 1)
    refused = step("approve_disposal")
    assert (refused.status_code, refused.json()["code"]) == (422, "ARCHIVE_STATUS_TRANSITION_NOT_ALLOWED")
    extended = step("extend", "涉诉，延长保管", years=5).json()
    assert int(extended["retain_until"][:4]) == int(record["retain_until"][:4]) + 5
    # the bucket's lock follows the record
    s3 = client("s3")
    bucket = platform.physical["ArchiveBucket"]
    object_key = next(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"files/TQ/{key}/")["Contents"])
    assert s3.head_object(Bucket=bucket, Key=object_key)["ObjectLockRetainUntilDate"].year == int(
        extended["retain_until"][:4])
    early = step("propose_disposal", "提请销毁")  # decades before its retention ends
    assert (early.status_code, early.json()["code"]) == (422, "RETENTION_NOT_ENDING")
    leader_files = step("extend", "延长", years=1, user="leader01")  # the leader approves disposals, nothing else
    assert (leader_files.status_code, leader_files.json()["code"]) == (403, "FORBIDDEN_ROLE")
    bad = http.post(f"/archive/records/{key}/transitions", headers=auth("archivist01"),
                    json={"event": "extend", "reason": "缺年数"})
    assert (bad.status_code, bad.json()["code"]) == (400, "VALIDATION_FAILED")

    status, out = archive_cli(platform, "verify", capsys)
    assert status == 0 and "archive intact" in out, out


@pytest.mark.feature("7.5.14")
@pytest.mark.feature("7.5.15")
@pytest.mark.feature("S.8.2")
def test_an_auditor_borrows_a_file_an_archivist_decides_and_alerts_follow(platform, http, auth, capsys):
    from tests.integration.conftest import fresh_resident_id

    record = upload(http, auth, "UP-20261127-0201", fresh_resident_id(), "WDR-360600000001001-REQ-0201", PNG).json()
    asked = http.post("/archive/borrowings", headers=auth("auditor01"), json={
        "request_id": "AUD-20261127-0001", "document_key": record["document_key"], "purpose": "年度稽核抽查提取材料",
        "days": 5})
    assert asked.status_code == 201, asked.text
    borrowing = asked.json()
    assert borrowing["status"] == "requested"
    bid = borrowing["borrowing_id"]
    early = http.post(f"/archive/borrowings/{bid}/views", headers=auth("auditor01"))
    assert (early.status_code, early.json()["code"]) == (422, "BORROWING_NOT_APPROVED")
    assert http.post(f"/archive/borrowings/{bid}/decision", headers=auth("auditor01"),
                     json={"approve": True, "note": "同意"}).status_code == 403  # not an archivist
    # how the archivist finds it: the office's requests awaiting a decision
    waiting = http.get("/archive/borrowings", headers=auth("archivist01")).json()["borrowings"]
    assert bid in [b["borrowing_id"] for b in waiting] and all(b["status"] == "requested" for b in waiting)
    assert http.get("/archive/borrowings", headers=auth("auditor01")).status_code == 403
    decided = http.post(f"/archive/borrowings/{bid}/decision", headers=auth("archivist01"),
                        json={"approve": True, "note": "同意，限阅5天"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved" and decided.json()["due_on"]
    # the approval's form: signed by each node — the applicant, the approver — then sealed (流程审批节点签名, S.8.2)
    form_no = decided.json()["approval_form"]
    form = http.get(f"/seal/vouchers/{form_no}", headers=auth("auditor01"))
    assert form.status_code == 200, form.text
    import base64

    checked = http.post("/seal/verifications", headers=auth("auditor01"), json={
        "pdf_base64": base64.b64encode(httpx_get(form.json()["download_url"])).decode()}).json()
    assert checked["verdict"] == "authentic"
    assert [s["signer"] for s in checked["signatures"]] == ["孙丽", "郑洁", "鹰潭市住房公积金管理中心"]
    view = http.post(f"/archive/borrowings/{bid}/views", headers=auth("auditor01"))
    assert view.status_code == 201 and httpx_get(view.json()["download_url"]) == PNG
    assert http.post(f"/archive/borrowings/{bid}/views", headers=auth("leader01")).status_code == 403  # not theirs
    again = http.post(f"/archive/borrowings/{bid}/decision", headers=auth("archivist01"),
                      json={"approve": False, "note": "重复审批"})
    assert (again.status_code, again.json()["code"]) == (422, "BORROWING_STATUS_TRANSITION_NOT_ALLOWED")
    assert bid not in [b["borrowing_id"] for b in http.get("/archive/borrowings", headers=auth("archivist01")).json()[
        "borrowings"]]  # decided: no longer waiting
    returned = http.post(f"/archive/borrowings/{bid}/return", headers=auth("auditor01"))
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert http.post(f"/archive/borrowings/{bid}/views", headers=auth("auditor01")).status_code == 422

    # alerts: the latest integrity check is on the page (and files collected today are not yet late)
    status, _ = archive_cli(platform, "verify", capsys)
    assert status == 0
    alerts = http.get("/archive/alerts", headers=auth("archivist01"))
    assert alerts.status_code == 200, alerts.text
    page = alerts.json()
    assert page["integrity"]["intact"] is True and page["integrity"]["entries"] > 0
    assert all(b["borrowing_id"] != bid for b in page["overdue_borrowings"])
    assert all(r["document_key"] != record["document_key"] for r in page["unfiled"])
    assert http.get("/archive/alerts", headers=auth("clerk01")).status_code == 403


@pytest.mark.feature("7.5.16")
def test_a_closed_month_is_bound_into_one_sealed_volume(platform, http, auth, capsys, tmp_path):
    from datetime import datetime, timedelta

    from hpf.common.clock import SHANGHAI
    from tests.pdf_tools import pdftext

    last_month_day = datetime.now(SHANGHAI).date().replace(day=1) - timedelta(days=1)
    month = last_month_day.strftime("%Y-%m")
    # finance reconciles a day of last month: the workbook is an accounting document of that month
    run = http.post("/settlement/reconciliations", headers=auth("finance01"),
                    json={"org": "360600", "day": last_month_day.isoformat()})
    assert run.status_code == 200, run.text
    subject = f"KJ{month.replace('-', '')}"
    filed = http.get("/archive/records", params={"subject": subject}, headers=auth("archivist01")).json()["records"]
    report = next(r for r in filed if r["document_key"].startswith(f"KJDZ-360600-{last_month_day:%Y%m%d}"))
    assert (report["category"], report["retention"]) == ("KJ", "D10")
    # the same findings again file nothing new
    http.post("/settlement/reconciliations", headers=auth("finance01"),
              json={"org": "360600", "day": last_month_day.isoformat()})
    again = http.get("/archive/records", params={"subject": subject}, headers=auth("archivist01")).json()["records"]
    assert [r["document_key"] for r in again] == [r["document_key"] for r in filed]

    status, out = archive_cli(platform, "bind-month", capsys, month)
    assert status == 0 and f"{month} bound" in out, out
    volume_key = f"KJJZ-{month.replace('-', '')}"
    volume = http.get(f"/archive/records/{volume_key}", headers=auth("archivist01")).json()
    assert (volume["category"], volume["retention"], volume["title"]) == ("KJ", "D30", "会计档案卷内目录")
    pdf = http.post(f"/archive/records/{volume_key}/views", headers=auth("archivist01")).json()["download_url"]
    text = pdftext(httpx_get(pdf), tmp_path).replace("\n", "")  # a narrow cell may wrap a title
    assert report["archival_code"] in text and f"KJPZ-{month.replace('-', '')}" not in text  # codes, not keys
    journal = http.get(f"/archive/records/KJPZ-{month.replace('-', '')}", headers=auth("archivist01")).json()
    assert journal["archival_code"] in text and "住房公积金记账凭证汇总表" in text
    # binding again finds the volume; this month cannot be bound before it ends
    status, out = archive_cli(platform, "bind-month", capsys, month)
    assert status == 0 and volume["archival_code"] in out
    status, out = archive_cli(platform, "bind-month", capsys, datetime.now(SHANGHAI).strftime("%Y-%m"))
    assert status == 1 and "MONTH_NOT_CLOSED" in out


@pytest.mark.feature("7.5.10")
def test_a_scanned_page_is_read_and_found_by_what_it_says(platform, http, auth):
    from tests.integration.conftest import eventually, fresh_resident_id

    page = scan("购房合同备案编号 赣鹰潭网签2026009876", "买受人 李华 房屋坐落 月湖区龙虎山大道88号")
    record = upload(http, auth, "UP-20261127-0301", fresh_resident_id(), "WDR-360600000001001-REQ-0301", page).json()

    def found() -> list:
        hits = http.get("/archive/search", params={"q": "赣鹰潭网签2026009876"}, headers=auth("clerk01")).json()
        return hits["hits"]

    hits = eventually(found, timeout=60)
    assert [h["record"]["document_key"] for h in hits] == [record["document_key"]]
    assert any("龙虎山大道" in line for line in hits[0]["lines"])
    assert http.get("/archive/search", params={"q": "赣鹰潭网签2026009876"},
                    headers=auth("clerk-gx")).json()["hits"] == []  # another office's scans are not searched
    assert http.get("/archive/search", params={"q": "购"}, headers=auth("clerk01")).status_code == 400

    # a scanner's PDF (image pages, no text layer) is read too
    pdf = scanned_pdf("不动产权证书 赣2026鹰潭市不动产权第0012345号")
    filed = upload(http, auth, "UP-20261127-0302", fresh_resident_id(), "WDR-360600000001001-REQ-0302", pdf,
                   media_type="application/pdf").json()
    pdf_hits = eventually(lambda: http.get("/archive/search", params={"q": "不动产权第0012345号"},
                                           headers=auth("clerk01")).json()["hits"], timeout=60)
    assert [h["record"]["document_key"] for h in pdf_hits] == [filed["document_key"]]
    broken = upload(http, auth, "UP-20261127-0303", fresh_resident_id(), "WDR-X-0303", b"%PDF-1.7 not really",
                    media_type="application/pdf")
    assert (broken.status_code, broken.json()["code"]) == (400, "UPLOAD_CONTENT_MISMATCH")


@pytest.mark.feature("7.5.7")
def test_a_counter_uses_a_depositors_shared_licence_under_their_authorization(platform, http, auth, add_user):
    from hpf.sandbox.identity import SandboxUser
    from tests.integration.conftest import fresh_resident_id

    holder = fresh_resident_id()
    platform.licences.add_licence(holder, "李华", "PROPERTY", "鹰潭市不动产登记中心")
    code = platform.licences.authorize(holder, ["PROPERTY"])
    request = {"licence_type": "PROPERTY", "holder_id": holder, "authorization_code": code,
               "business_id": "WDR-360600000001001-LIC-0001", "purpose": "购房提取核验不动产权"}
    used = http.post("/archive/licences", headers=auth("clerk01"), json=request)
    assert used.status_code == 201, used.text
    record = used.json()
    assert record["source"] == "shared_licence" and "不动产权证书" in record["title"]
    view = http.post(f"/archive/records/{record['document_key']}/views", headers=auth("clerk01")).json()
    assert httpx_get(view["download_url"]).startswith(b"%PDF-")
    # the library's own audit saw the center ask, for that purpose, and grant it
    assert platform.licences.queries[-1] == {"licence_type": "PROPERTY", "holder_id": holder, "requester": "YTGJJ",
                                             "purpose": "购房提取核验不动产权", "verdict": "granted"}

    # no authorization for that licence type: refused, and the attempt is still on record
    refused = http.post("/archive/licences", headers=auth("clerk01"), json={**request, "licence_type": "MARRIAGE"})
    assert (refused.status_code, refused.json()["code"]) == (422, "LICENCE_AUTHORIZATION_REFUSED")
    assert platform.licences.queries[-1]["verdict"] == "refused"
    # the holder themselves from the APP; another depositor cannot use this holder's code
    add_user(SandboxUser("lic-holder", "pw", "depositor", ["depositor"], "李华", id_number=holder))
    mine = http.post("/archive/licences", headers=auth("lic-holder"),
                     json={**request, "business_id": "WDR-360600000001001-LIC-0002"})
    assert mine.status_code == 201 and mine.json()["document_key"] == record["document_key"]
    # the APP does not know the holder's full number: left out, it is the signed-in depositor's own
    own = {k: v for k, v in request.items() if k != "holder_id"}
    assert http.post("/archive/licences", headers=auth("lic-holder"), json=own).status_code == 201
    staff_without = http.post("/archive/licences", headers=auth("clerk01"), json=own)
    assert (staff_without.status_code, staff_without.json()["code"]) == (400, "HOLDER_REQUIRED")
    add_user(SandboxUser("lic-other", "pw", "depositor", ["depositor"], "王五", id_number=fresh_resident_id()))
    assert http.post("/archive/licences", headers=auth("lic-other"), json=request).status_code == 403

    platform.licences.unavailable = True
    try:
        down = http.post("/archive/licences", headers=auth("clerk01"), json=request)
    finally:
        platform.licences.unavailable = False
    assert (down.status_code, down.json()["code"]) == (503, "LICENCE_LIBRARY_UNAVAILABLE")


@pytest.mark.feature("7.5.2")
def test_another_agency_uses_an_archived_file_under_a_recorded_approved_basis(platform, http, auth):
    from tests.integration.conftest import fresh_resident_id

    record = upload(http, auth, "UP-20261127-0401", fresh_resident_id(), "WDR-360600000001001-REQ-0401", PNG).json()
    request = {"request_id": "XC-20261127-0001", "document_key": record["document_key"], "days": 3,
               "purpose": "核查一笔异地提取的材料"}
    no_basis = http.post("/archive/borrowings", headers=auth("regulator01"), json=request)
    assert (no_basis.status_code, no_basis.json()["code"]) == (400, "BORROWING_BASIS_REQUIRED")
    asked = http.post("/archive/borrowings", headers=auth("regulator01"),
                      json={**request, "basis": "赣公积金监协〔2026〕17号"})
    assert asked.status_code == 201, asked.text
    b = asked.json()
    assert (b["borrower_kind"], b["basis"]) == ("partner", "赣公积金监协〔2026〕17号")
    assert http.post(f"/archive/borrowings/{b['borrowing_id']}/views", headers=auth("regulator01")).status_code == 422
    http.post(f"/archive/borrowings/{b['borrowing_id']}/decision", headers=auth("archivist01"),
              json={"approve": True, "note": "依协查函同意，限阅3日"})
    view = http.post(f"/archive/borrowings/{b['borrowing_id']}/views", headers=auth("regulator01"))
    assert view.status_code == 201 and httpx_get(view.json()["download_url"]) == PNG
    # the partner reaches nothing else: not the record directly, not another file
    assert http.get(f"/archive/records/{record['document_key']}", headers=auth("regulator01")).status_code == 403
    # the trail: request and decision in the solidification log, with the basis
    entries = client("dynamodb").query(
        TableName=platform.physical["ArchiveTable"], KeyConditionExpression="pk = :l",
        ExpressionAttributeValues={":l": {"S": "LOG"}})["Items"]
    steps = [leaf for leaf in (json.loads(i["leaf"]["S"]) for i in entries if "leaf" in i)
             if leaf.get("type") == "borrowing" and leaf["borrowing_id"] == b["borrowing_id"]]
    assert [(s["event"], s["basis"]) for s in steps] == [("request", "赣公积金监协〔2026〕17号"),
                                                         ("approve", "赣公积金监协〔2026〕17号")]
    # its approval form carries the approver's signature and the seal (the agency has none in the seal system)
    form = http.get(f"/seal/vouchers/JYSP-{b['borrowing_id']}", headers=auth("archivist01")).json()
    import base64

    checked = http.post("/seal/verifications", headers=auth("archivist01"), json={
        "pdf_base64": base64.b64encode(httpx_get(form["download_url"])).decode()}).json()
    assert [s["signer"] for s in checked["signatures"]] == ["郑洁", "鹰潭市住房公积金管理中心"]


def test_concurrent_appends_to_the_solidification_log_are_gap_free_and_once_each(platform):
    """Many filings at once all move one head: each gets its own index, none is lost or doubled — and a key
    appended twice (a retried filing racing itself) gets one entry."""
    import threading
    from datetime import datetime

    from hpf.adapters.aws.archive_store import DynamoLogStore
    from hpf.common.clock import SHANGHAI

    log = DynamoLogStore(platform.physical["ArchiveTable"])
    before = len(log.entries())
    keys = [f"CONCURRENT-{i:03d}" for i in range(40)]
    errors: list[BaseException] = []

    def append(share: list[str]) -> None:
        try:
            for key_name in share:
                log.append(key_name, json.dumps({"type": "test", "key": key_name}).encode(), datetime.now(SHANGHAI))
        except BaseException as error:  # noqa: BLE001 — reported below, not swallowed
            errors.append(error)

    # eight writers; every key is given to two of them, so each key is also raced against itself
    shares = [keys[i::4] for i in range(4)] * 2
    threads = [threading.Thread(target=append, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = log.entries()
    assert [e.index for e in entries] == list(range(len(entries)))  # gap-free
    added = [e.key for e in entries[before:] if e.key.startswith("CONCURRENT-")]
    assert sorted(added) == keys  # each once


@pytest.mark.feature("7.5.12")
@pytest.mark.feature("7.5.15")
def test_years_later_the_alerts_are_raised_and_a_disposal_is_carried_through(platform, http, auth, moved_clock,
                                                                            capsys):
    """The whole life of a file on the platform's clock: collected and not filed for 31 days (an alert), lent and
    not returned (an alert), then ten years on its retention ends within 180 days (an alert), the archivist
    proposes its disposal, the leader approves once it ended, and the signed disposal record (销毁清册) is issued."""
    from datetime import date, timedelta

    from tests.integration.conftest import fresh_resident_id

    today = moved_clock.now().date()
    late = upload(http, auth, "UP-20261130-0301", fresh_resident_id(), "WDR-360600000001001-REQ-0301", PNG).json()
    ten = http.post("/archive/uploads", headers=auth("clerk01"), json={
        "upload_id": "UP-20261130-0302", "title": "提取申请书", "category": "TQ", "retention": "D10",
        "business_id": "WDR-360600000001001-REQ-0302", "subject": fresh_resident_id(), "subject_name": "李华",
        "media_type": "image/png", "content_base64": __import__("base64").b64encode(PNG).decode()}).json()
    lent = http.post("/archive/borrowings", headers=auth("auditor01"), json={
        "request_id": "AUD-20261130-0301", "document_key": late["document_key"], "purpose": "稽核抽查提取材料",
        "days": 3}).json()
    assert http.post(f"/archive/borrowings/{lent['borrowing_id']}/decision", headers=auth("archivist01"),
                     json={"approve": True, "note": "同意"}).status_code == 200

    def alerts() -> dict:
        answer = http.get("/archive/alerts", headers=auth("archivist01"))
        assert answer.status_code == 200, answer.text
        return answer.json()

    def keys(found: list) -> set:
        return {r["document_key"] for r in found}

    def borrowings(found: list) -> set:
        return {b["borrowing_id"] for b in found}

    now = alerts()
    assert late["document_key"] not in keys(now["unfiled"])
    assert lent["borrowing_id"] not in borrowings(now["overdue_borrowings"])
    moved_clock.move_to(today + timedelta(days=31))
    later = alerts()
    assert {late["document_key"], ten["document_key"]} <= keys(later["unfiled"])  # collected, not filed for 31 days
    assert lent["borrowing_id"] in borrowings(later["overdue_borrowings"])  # due after 3 days, not returned

    def step(key: str, event: str, user: str = "archivist01", reason: str = "按规定办理"):
        return http.post(f"/archive/records/{key}/transitions", headers=auth(user),
                         json={"event": event, "reason": reason})

    assert step(ten["document_key"], "file").status_code == 200
    ends = date.fromisoformat(ten["retain_until"])
    moved_clock.move_to(ends - timedelta(days=100))
    assert ten["document_key"] in keys(alerts()["retention_ending"])  # within 180 days of its end
    proposed = step(ten["document_key"], "propose_disposal", reason="保管期满，无继续保存价值")
    assert proposed.status_code == 200 and proposed.json()["status"] == "disposal_proposed", proposed.text
    too_soon = step(ten["document_key"], "approve_disposal", user="leader01")
    assert (too_soon.status_code, too_soon.json()["code"]) == (422, "RETENTION_NOT_ENDED")
    moved_clock.move_to(ends + timedelta(days=1))
    disposed = step(ten["document_key"], "approve_disposal", user="leader01", reason="同意销毁")
    assert disposed.status_code == 200 and disposed.json()["status"] == "disposed", disposed.text
    record_no = "XHQC-" + ten["document_key"].replace(".", "-")
    form = http.get(f"/seal/vouchers/{record_no}", headers=auth("archivist01"))
    assert form.status_code == 200, form.text
    checked = http.post("/seal/verifications", headers=auth("archivist01"), json={
        "pdf_base64": __import__("base64").b64encode(httpx_get(form.json()["download_url"])).decode()}).json()
    assert checked["authentic"] and [s["signer"] for s in checked["signatures"]] == \
        ["郑洁", "周强", "鹰潭市住房公积金管理中心"]  # proposer, approver, the center's seal
    assert ten["document_key"] not in keys(alerts()["retention_ending"])  # appraised: no longer pending
