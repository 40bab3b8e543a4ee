"""The port to the Jiangxi unified e-seal system (江西省统一电子印章系统, S.8.1).

The system holds the seals' keys: the center's business seal (公积金业务专用章) and staff members' personal
signatures. The platform never holds a seal key. It asks for a seal's certificates and image once, then sends
only the digest of what it signs (the PDF never leaves), and gets time stamps from the system's RFC 3161
authority. The official interface is not public: the shape is ours (docs/interfaces/e-seal.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hpf.common.errors import BusinessRuleViolation, TransientFailure


@dataclass(frozen=True)
class SealMaterial:
    seal_code: str
    name: str
    kind: str  # "organisation" 单位印章 | "person" 个人签名
    certificates: tuple[bytes, ...]  # DER, the seal's own first, then its issuers
    image_png: bytes


@dataclass(frozen=True)
class StampedSignature:
    signature: bytes
    time_stamp_response: bytes  # an RFC 3161 TimeStampResp (DER) over the SHA-256 of the signature


class SealSystem(Protocol):
    def material(self, seal_code: str) -> SealMaterial: ...

    def sign_digest(self, seal_code: str, digest: bytes, document_no: str) -> bytes:
        """A PKCS#1 v1.5 signature over a SHA-256 digest, made with the seal's key."""
        ...

    def sign_and_stamp(self, seal_code: str, digest: bytes, document_no: str, nonce: int) -> StampedSignature:
        """The signature and the system's RFC 3161 time stamp over it, the stamp carrying ``nonce`` (PAdES B-T).
        One call where the system offers it, a signature then a time-stamp request otherwise (the client's
        dialect, docs/interfaces/e-seal.md)."""
        ...


class SealUnavailable(TransientFailure):
    code = "SEAL_SYSTEM_UNAVAILABLE"
    message = "电子印章系统暂时无法访问，请稍后重试"


class SealRefused(BusinessRuleViolation):
    """The seal system said no: an unknown or revoked seal, a person without a registered signature."""

    code = "SEAL_REFUSED"
    message = "电子印章系统拒绝签章"
