"""Apply e-seals to a PDF as PAdES B-T signatures with a visible seal image (pyHanko), keys held by the seal
system. Heavy to import (~0.7 s): only the seal functions load this module, and only when they sign or verify.

What stays loaded between documents, per seal: the parsed certificates and the decoded seal image; the seal
system client keeps its connection. Each document then costs one digest round trip to the seal system and one
to its time-stamp authority per signature. The order on a counter voucher is the clerk's co-signature (加签)
first, then the center's seal: each signature covers everything before it, so the seal, last, covers the whole
file and any later change breaks it.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass
from typing import Any

from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hpf.seal.port import SealMaterial, SealSystem
from hpf.seal.render import COSIGN_BOXES, SEAL_BOX

# Room for the CMS with a time-stamp token and two certificate chains; fixed so pyHanko skips its trial signing.
BYTES_RESERVED = 16384
# The seal image fills its box, centred, no margin (pyHanko's default margin would shrink and warn).
FILL_BOX = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID, margins=Margins())


@dataclass(frozen=True)
class _LoadedSeal:
    material: SealMaterial
    certificate: asn1_x509.Certificate
    registry: SimpleCertificateStore
    image: Any  # PIL image, decoded once


class _SealSystemSigner(signers.Signer):
    """A pyHanko signer whose key is in the seal system: it sends the digest of the signed attributes."""

    def __init__(self, system: SealSystem, seal: _LoadedSeal, document_no: str):
        super().__init__(signing_cert=seal.certificate, cert_registry=seal.registry)
        self._system, self._seal_code, self._document_no = system, seal.material.seal_code, document_no

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:
            return bytes(256)  # an RSA-2048 signature's size; nothing is sent for a size estimate
        if digest_algorithm != "sha256":
            raise ValueError(f"the seal system signs SHA-256 digests, not {digest_algorithm}")
        return self._system.sign_digest(self._seal_code, hashlib.sha256(data).digest(), self._document_no)


class SealSystemTimeStamper(TimeStamper):
    """RFC 3161 through the seal system's time-stamp authority (over the port, so one client, one connection)."""

    def __init__(self, system: SealSystem):
        super().__init__()
        self._system = system

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return tsp.TimeStampResp.load(self._system.timestamp(req.dump()))


class PdfSealer:
    def __init__(self, system: SealSystem, center_seal: str):
        self._system = system
        self._center_seal = center_seal
        self._seals: dict[str, _LoadedSeal] = {}
        self._lock = threading.Lock()
        self._timestamper = SealSystemTimeStamper(system)

    def seal(self, pdf: bytes, document_no: str, cosigners: tuple[str, ...] = ()) -> bytes:
        """Co-signatures first (in the order given), then the center's seal over all of it."""
        if len(cosigners) > len(COSIGN_BOXES):
            raise ValueError(f"at most {len(COSIGN_BOXES)} co-signatures fit beside the seal")
        for index, seal_code in enumerate(cosigners):
            pdf = self._sign(pdf, seal_code, document_no, f"Cosign{index + 1}", COSIGN_BOXES[index])
        return self._sign(pdf, self._center_seal, document_no, "CenterSeal", SEAL_BOX)

    def _sign(self, pdf: bytes, seal_code: str, document_no: str, field_name: str,
              box: tuple[float, float, float, float]) -> bytes:
        seal = self._loaded(seal_code)
        meta = signers.PdfSignatureMetadata(
            field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason=f"{seal.material.name} 电子签章", location="江西省鹰潭市", name=seal.material.name)
        style = StaticStampStyle(background=PdfImage(seal.image), border_width=0, background_layout=FILL_BOX)
        signer = signers.PdfSigner(meta, _SealSystemSigner(self._system, seal, document_no),
                                   timestamper=self._timestamper, stamp_style=style,
                                   new_field_spec=fields.SigFieldSpec(
                                       field_name, box=box, on_page=-1))  # type: ignore[arg-type]  # PDF points are reals
        out = io.BytesIO()
        signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out,
                        bytes_reserved=BYTES_RESERVED)
        return out.getvalue()

    def _loaded(self, seal_code: str) -> _LoadedSeal:
        found = self._seals.get(seal_code)
        if found is None:
            from PIL import Image

            material = self._system.material(seal_code)
            certificates = [asn1_x509.Certificate.load(der) for der in material.certificates]
            image = Image.open(io.BytesIO(material.image_png))
            image.load()
            found = _LoadedSeal(material, certificates[0], SimpleCertificateStore.from_certs(certificates), image)
            with self._lock:
                self._seals[seal_code] = found
        return found
