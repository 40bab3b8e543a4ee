"""Check a PDF's e-seals with pyHanko's validator: each signature intact (the signed bytes unchanged), valid
(the signature matches), trusted (its certificate chains to the seal system's root we were configured with —
never to a root the file brings), time-stamped, and the last one covering the whole file (nothing appended
after sealing). poppler's ``pdfsig`` is the independent second opinion in the tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from hpf.common.errors import ValidationFailed


@dataclass(frozen=True)
class SignatureCheck:
    field: str
    signer: str
    intact: bool
    valid: bool
    trusted: bool
    timestamped: bool
    signed_at: datetime | None
    covers_whole_file: bool

    @property
    def good(self) -> bool:
        return self.intact and self.valid and self.trusted and self.timestamped


@dataclass(frozen=True)
class PdfCheck:
    document_no: str | None
    signatures: tuple[SignatureCheck, ...]

    @property
    def sealed_and_unmodified(self) -> bool:
        return bool(self.signatures) and all(s.good for s in self.signatures) and self.signatures[-1].covers_whole_file


def check_pdf(pdf: bytes, trust_roots_der: list[bytes]) -> PdfCheck:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    if not pdf.startswith(b"%PDF-"):
        raise ValidationFailed("上传的文件不是PDF", code="PDF_MALFORMED")
    roots = [asn1_x509.Certificate.load(der) for der in trust_roots_der]
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        document_no = _document_no(reader)
        checks = []
        for embedded in reader.embedded_signatures:
            status = validate_pdf_signature(embedded, ValidationContext(trust_roots=roots, allow_fetching=False))
            timestamp = status.timestamp_validity
            checks.append(SignatureCheck(
                field=embedded.field_name, signer=status.signing_cert.subject.native.get("common_name", ""),
                intact=status.intact, valid=status.valid, trusted=status.trusted,
                timestamped=bool(timestamp and timestamp.intact and timestamp.valid and timestamp.trusted),
                signed_at=timestamp.timestamp if timestamp else status.signer_reported_dt,
                covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE))
    except (PdfError, ValueError, KeyError, TypeError) as error:
        raise ValidationFailed("PDF文件已损坏或结构不正确", code="PDF_MALFORMED",
                               details={"error": type(error).__name__}) from None
    return PdfCheck(document_no, tuple(checks))


def _document_no(reader) -> str | None:
    info = reader.trailer_view.get("/Info")
    subject = info.get_object().get("/Subject") if info is not None else None
    return str(subject) if subject else None
