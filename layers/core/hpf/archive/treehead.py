"""Signed tree heads (签名树头): once a day the log's size and Merkle root, signed with the center's seal through
the seal system and stored write-once in the locked bucket. A tree head commits to every entry before it: an
entry changed afterwards no longer hashes to the signed root, and a head changed afterwards fails its
signature. Each head must also be consistent with the one before (the log only grew)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Protocol

from hpf.archive import merkle
from hpf.archive.model import Retention
from hpf.archive.ports import LogStore, ObjectCorrupt, ObjectStore
from hpf.archive.service import canonical, retain_until
from hpf.common.clock import Clock

if TYPE_CHECKING:
    from hpf.seal.port import SealSystem

PREFIX = "log/tree-heads/"


@dataclass(frozen=True)
class TreeHead:
    size: int
    root: str  # hex
    at: str  # ISO time
    seal_code: str
    signature: str  # base64 PKCS#1 v1.5 over SHA-256 of payload()
    certificate: str  # base64 DER of the seal's certificate

    def payload(self) -> bytes:
        return canonical({"size": self.size, "root": self.root, "at": self.at})

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def from_json(cls, body: bytes) -> TreeHead:
        return cls(**json.loads(body))


class TreeHeadSigner(Protocol):
    seal_code: str

    def sign(self, payload: bytes, name: str) -> tuple[bytes, bytes]:
        """(signature, the signer's certificate DER)."""
        ...


class SealSystemTreeHeadSigner:
    def __init__(self, system: SealSystem, seal_code: str):
        self._system, self.seal_code = system, seal_code

    def sign(self, payload: bytes, name: str) -> tuple[bytes, bytes]:
        signature = self._system.sign_digest(self.seal_code, hashlib.sha256(payload).digest(), name)
        return signature, self._system.material(self.seal_code).certificates[0]


def sign_tree_head(log: LogStore, objects: ObjectStore, signer: TreeHeadSigner, clock: Clock) -> TreeHead:
    leaves = [merkle.leaf_hash(e.leaf) for e in log.entries()]
    now = clock.now()
    unsigned = TreeHead(len(leaves), merkle.root(leaves).hex(), now.isoformat(), signer.seal_code, "", "")
    signature, certificate = signer.sign(unsigned.payload(), f"STH-{len(leaves)}")
    head = TreeHead(unsigned.size, unsigned.root, unsigned.at, signer.seal_code,
                    base64.b64encode(signature).decode(), base64.b64encode(certificate).decode())
    # One head per log size: a second run the same day over an unchanged log finds the first (write-once key).
    objects.put_json_once(f"{PREFIX}{head.size:012d}.json", head.to_json(),
                          retain_until(now.date(), Retention.PERMANENT))
    return head


def tree_heads(objects: ObjectStore) -> tuple[list[TreeHead], list[str]]:
    """The signed tree heads by size, and the keys of any that can no longer be read as one (corrupt or
    rewritten into something else): ``verify`` names those; a proof never uses them."""
    heads, unreadable = [], []
    for key in objects.keys(PREFIX):
        try:
            heads.append(TreeHead.from_json(objects.get_latest(key)))
        except (ObjectCorrupt, ValueError, TypeError):
            unreadable.append(key)
    return sorted(heads, key=lambda h: h.size), unreadable


def signature_holds(head: TreeHead, trust_roots_der: list[bytes]) -> bool:
    """The head's signature verifies with its certificate, and that certificate was issued by a trusted root."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(head.certificate))
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):  # the center's seal is RSA (PKCS#1 v1.5 over SHA-256)
            return False
        key.verify(base64.b64decode(head.signature), head.payload(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError, TypeError):
        return False
    for der in trust_roots_der:
        try:
            certificate.verify_directly_issued_by(x509.load_der_x509_certificate(der))
            return True
        except (InvalidSignature, ValueError, TypeError):
            continue
    return False
