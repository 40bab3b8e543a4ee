"""``hpf archive verify``: check everything the archive claims, and name what fails (7.5.9).

  - the log: indexes 0..n-1 without a gap;
  - every record: its log entry exists, states the same metadata, and the stored bytes still have the digests
    (SHA-256 and SM3) the entry states;
  - every file entry has its record (a crash between log and index is repaired by the next filing; listed);
  - every stored version of an archived file's key is the one its record names (a version planted on top of an
    archived file is what a plain read of the key would return: named, though the original stays intact);
  - every signed tree head: its signature holds with a trusted certificate, its root is the root of the log's
    first ``size`` entries as they are now, and each head is consistent with the one before.

A change to an object's bytes, to a record's metadata, to a log entry or to a tree head is each caught by a
different check above; the tamper tests change each and expect it named.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from hpf.archive import merkle
from hpf.archive.ports import ArchiveIndex, LogStore, ObjectCorrupt, ObjectStore
from hpf.archive.service import leaf_fields, sm3_hex
from hpf.archive.treehead import signature_holds, tree_heads


@dataclass(frozen=True)
class Finding:
    check: str  # log_gap | entry_missing | metadata_differs | bytes_differ | object_missing | record_missing |
    #             text_differs | tree_head_signature | tree_head_root | tree_head_inconsistent | extra_version
    subject: str  # what it is about: a document key, an index, a tree head size
    detail: str


@dataclass
class VerificationReport:
    entries: int = 0
    records: int = 0
    tree_heads: int = 0
    findings: list[Finding] = field(default_factory=list)
    # Stored files no record points to: the loser of two simultaneous first filings of one document (both stored,
    # the first log entry won). Not tampering — the winner is intact — but listed so none goes unexplained.
    unreferenced: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings


def verify_archive(objects: ObjectStore, index: ArchiveIndex, log: LogStore, trust_roots_der: list[bytes],
                   texts: Any = None) -> VerificationReport:
    report = VerificationReport()
    entries = log.entries()
    report.entries = len(entries)
    for position, entry in enumerate(entries):
        if entry.index != position:
            report.findings.append(Finding("log_gap", str(position), f"第 {position} 条日志缺失（下一条为 {entry.index}）"))
            break
    by_index = {e.index: e for e in entries}
    parsed = {e.index: json.loads(e.leaf) for e in entries}  # once: the nightly check reads every entry
    steps: dict[str, list[dict]] = {}  # document key → its logged lifecycle steps, in order
    logged_texts: dict[str, dict] = {}  # document key → its recognised text's logged digest
    for entry in entries:
        stated = parsed[entry.index]
        if stated.get("type") == "status":
            steps.setdefault(stated["document_key"], []).append(stated)
        elif stated.get("type") == "text":
            logged_texts[stated["document_key"]] = stated
    if texts is not None:
        from hpf.archive.text import verify_texts

        for document_key in verify_texts(texts, logged_texts):
            report.findings.append(Finding("text_differs", document_key, "识别文本与固化摘要不一致"))
    recorded: set[int] = set()
    records = index.all()
    referenced = {r.object_key for r in records}
    report.unreferenced = [key for key in objects.keys("files/") if key not in referenced]
    named = {(r.object_key, r.object_version) for r in records}
    for key, version in objects.versions("files/"):
        if key in referenced and (key, version) not in named:
            report.findings.append(Finding("extra_version", key, f"档案文件存在记录之外的版本 {version}"))
    for record in records:
        report.records += 1
        recorded.add(record.log_index)
        logged = by_index.get(record.log_index)
        if logged is None or logged.key != record.document_key:
            report.findings.append(Finding("entry_missing", record.document_key, "固化日志中没有该档案的条目"))
            continue
        stated = parsed[logged.index]
        logged_steps = steps.get(record.document_key, [])
        if logged_steps:  # the lifecycle moves the state and may lengthen the retention: expect the last step's
            stated = {**stated, "retain_until": logged_steps[-1]["retain_until"]}
        differing = sorted(k for k, v in leaf_fields(record).items() if stated.get(k) != v)
        expected_status = logged_steps[-1]["to"] if logged_steps else "collected"
        if record.status.value != expected_status or record.transitions != len(logged_steps):
            differing.append("status")
        if differing:
            report.findings.append(Finding("metadata_differs", record.document_key,
                                           f"元数据与固化日志不一致：{', '.join(differing)}"))
        try:
            content = objects.get(stated["object_key"], stated["object_version"])
        except KeyError:
            report.findings.append(Finding("object_missing", record.document_key, "档案文件不存在"))
            continue
        except ObjectCorrupt:
            report.findings.append(Finding("bytes_differ", record.document_key, "档案文件与存储校验和不一致"))
            continue
        if hashlib.sha256(content).hexdigest() != stated["sha256"] or sm3_hex(content) != stated["sm3"]:
            report.findings.append(Finding("bytes_differ", record.document_key, "档案文件内容与固化摘要不一致"))
    for entry in entries:
        if entry.index not in recorded and parsed[entry.index].get("type") is None:  # a file's entry
            report.findings.append(Finding("record_missing", entry.key, f"固化日志第 {entry.index} 条没有档案记录"))
    _check_tree_heads(objects, entries, trust_roots_der, report)
    return report


def _check_tree_heads(objects: ObjectStore, entries: list, trust_roots_der: list[bytes],
                      report: VerificationReport) -> None:
    leaves = [merkle.leaf_hash(e.leaf) for e in entries]
    heads, unreadable = tree_heads(objects)
    for key in unreadable:
        report.tree_heads += 1
        report.findings.append(Finding("tree_head_signature", key, "树头文件损坏或无法解析"))
    previous = None
    for head in heads:
        report.tree_heads += 1
        name = f"STH-{head.size}"
        if not signature_holds(head, trust_roots_der):
            report.findings.append(Finding("tree_head_signature", name, "树头签名无效或证书不受信任"))
            continue
        if head.size > len(leaves) or merkle.root(leaves[:head.size]).hex() != head.root:
            report.findings.append(Finding("tree_head_root", name, "日志现有内容与已签名的树头不符（日志被改动）"))
            continue
        if previous is not None and previous.size > 0:
            proof = merkle.consistency_proof(previous.size, leaves[:head.size])
            if not merkle.verify_consistency(previous.size, bytes.fromhex(previous.root), head.size,
                                             bytes.fromhex(head.root), proof):
                report.findings.append(Finding("tree_head_inconsistent", name, "与上一树头不一致"))
        previous = head
