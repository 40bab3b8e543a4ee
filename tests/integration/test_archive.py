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
from tests.integration.test_vouchers import issue, posted_list


def archive_cli(platform: Any, action: str, capsys: pytest.CaptureFixture) -> tuple[int, str]:
    import os

    from hpf.cli import main

    os.environ["HPF_STATE_DIR"] = str(platform.state_dir)
    try:
        status = main(["archive", action])
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
