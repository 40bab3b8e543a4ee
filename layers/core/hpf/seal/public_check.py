"""扫码验真: anyone holding a paper voucher — a bank clerk, a landlord, a court — scans its QR code and learns,
without an account, whether the center issued it and what the paper should say.

Guarded three ways:
- a verification code printed on the voucher (and carried in its QR code): an HMAC of the voucher number under the
  center's key, so numbers cannot be enumerated — a wrong code answers exactly as a voucher that does not exist;
- a rate per caller address (``RateLimiter``): enough for a counter scanning all day, not for a script;
- a record of every check, verified or not, in the operation record (``PublicTrail``).

What it shows is what the paper already shows anyway, masked where it names a person: the title, number, date,
issuing office, the holder's name masked, the archival code, and the archived file's SHA-256 — so whoever also
has the PDF can compare it, and the full check of a file (``POST /seal/verifications``) says the rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hpf.common.errors import TooManyRequests

CHECKS_PER_MINUTE = 30


def verification_code(key: bytes, voucher_no: str) -> str:
    """Eight characters of base32 (no 0/1/8/9 to misread), grouped 4-4: printed and put in the QR code."""
    digest = hmac.new(key, voucher_no.encode("utf-8"), hashlib.sha256).digest()
    text = base64.b32encode(digest).decode("ascii")[:8]
    return f"{text[:4]}-{text[4:]}"


def _normalised(code: str) -> str:
    compact = code.strip().upper().replace("-", "").replace(" ", "")
    return f"{compact[:4]}-{compact[4:]}"


class RateLimiter(Protocol):
    def allow(self, caller: str, limit: int, window_seconds: int) -> bool: ...


class PublicTrail(Protocol):
    def __call__(self, voucher_no: str, caller: str, verified: bool, correlation_id: str) -> None: ...


class ArchivedVoucher(Protocol):
    """What the public check reads of an archive record (read-only: the archive's records are frozen)."""

    @property
    def document_key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def org(self) -> str: ...
    @property
    def subject_name(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def archival_code(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def media_type(self) -> str: ...


class VoucherFinder(Protocol):
    def find(self, document_key: str) -> ArchivedVoucher | None: ...


@dataclass(frozen=True)
class PublicAnswer:
    verified: bool
    voucher_no: str
    title: str = ""
    org: str = ""
    holder: str = ""  # masked
    issued_at: datetime | None = None
    archival_code: str = ""
    sha256: str = ""


class PublicVerification:
    def __init__(self, archive: VoucherFinder, key: bytes, limiter: RateLimiter, trail: PublicTrail,
                 org_names: dict[str, str], limit: int = CHECKS_PER_MINUTE):
        if len(key) < 16:
            raise ValueError("the verification-code key needs at least 16 bytes")
        self._archive, self._key, self._limiter, self._trail = archive, key, limiter, trail
        self._org_names, self._limit = org_names, limit

    def code_of(self, voucher_no: str) -> str:
        return verification_code(self._key, voucher_no)

    def check(self, voucher_no: str, code: str, caller: str, correlation_id: str = "") -> PublicAnswer:
        from hpf.observability.masking import mask_name

        if not self._limiter.allow(caller, self._limit, 60):
            raise TooManyRequests("验证过于频繁，请一分钟后再试")
        record = self._archive.find(voucher_no)
        verified = (record is not None and record.media_type == "application/pdf"
                    and hmac.compare_digest(_normalised(code), self.code_of(voucher_no)))
        self._trail(voucher_no, caller, verified, correlation_id)
        if not verified or record is None:
            return PublicAnswer(False, voucher_no)  # the same whether the number or the code is wrong
        return PublicAnswer(True, voucher_no, record.title, self._org_names.get(record.org, record.org),
                            mask_name(record.subject_name), record.created_at, record.archival_code, record.sha256)
