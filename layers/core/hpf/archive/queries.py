"""Reading the archive: a record, and the proof that it is in the signed log (for auditors, 7.5.9)."""

from __future__ import annotations

from dataclasses import dataclass

from hpf.archive import merkle
from hpf.archive.model import ArchiveRecord
from hpf.archive.service import ArchiveService
from hpf.archive.treehead import TreeHead, tree_heads
from hpf.common.errors import BusinessRuleViolation, NotFound
from hpf.identity.principal import Principal


@dataclass(frozen=True)
class InclusionProof:
    record: ArchiveRecord
    leaf_hash: str
    tree_head: TreeHead
    path: tuple[str, ...]


def record_for(archive: ArchiveService, document_key: str, actor: Principal) -> ArchiveRecord:
    record = archive.get(document_key)
    actor.require_org(record.org)
    return record


def inclusion_proof(archive: ArchiveService, document_key: str, actor: Principal) -> InclusionProof:
    """The record's entry, its leaf hash and the audit path to the newest signed tree head that covers it.
    Reads the whole log (fine at the archive's size today; a stored tree of subtree hashes would make it
    logarithmic when the log reaches millions of entries)."""
    record = record_for(archive, document_key, actor)
    heads = [h for h in tree_heads(archive.objects)[0] if h.size > record.log_index]
    if not heads:
        raise BusinessRuleViolation("该档案尚未纳入已签名的树头（每日 00:10 签署）", code="NOT_YET_IN_TREE_HEAD")
    head = heads[-1]
    leaves = [merkle.leaf_hash(e.leaf) for e in archive.log.entries(0, head.size)]
    return InclusionProof(record, leaves[record.log_index].hex(), head,
                          tuple(p.hex() for p in merkle.inclusion_proof(record.log_index, leaves)))


@dataclass(frozen=True)
class ConsistencyProof:
    first: TreeHead
    second: TreeHead
    path: tuple[str, ...]


def signed_heads(archive: ArchiveService) -> list[TreeHead]:
    return tree_heads(archive.objects)[0]


def consistency_proof(archive: ArchiveService, first_size: int, second_size: int) -> ConsistencyProof:
    """That the log of ``second_size`` entries extends the one of ``first_size`` — both signed heads — unchanged:
    an auditor checks it with the two roots and the path (RFC 6962 2.1.2), no entries needed."""
    heads = {h.size: h for h in signed_heads(archive)}
    if first_size not in heads or second_size not in heads:
        raise NotFound("没有该大小的已签名树头", code="TREE_HEAD_NOT_FOUND")
    if not 0 < first_size <= second_size:
        raise BusinessRuleViolation("前一树头须不大于后一树头", code="TREE_HEAD_ORDER")
    leaves = [merkle.leaf_hash(e.leaf) for e in archive.log.entries(0, second_size)]
    return ConsistencyProof(heads[first_size], heads[second_size],
                            tuple(p.hex() for p in merkle.consistency_proof(first_size, leaves)))
