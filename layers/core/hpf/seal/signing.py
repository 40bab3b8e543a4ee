"""Apply e-seals to a PDF as PAdES B-T signatures with a visible seal image (pyHanko), keys held by the seal
system. Heavy to import (~0.7 s): only the seal functions load this module, and only when they sign or verify.

What stays loaded between documents, per seal: the parsed certificates, the seal image already compressed, and the
constant parts of its CMS (``signature_container``); the seal system client keeps its connection. Each document
then costs one round trip to the seal system per signature (the signature and its time stamp together, where
the system offers it; else two). pyHanko
lays out the PDF through its interrupted-signing API (prepare the field and byte range, digest; later embed the
CMS) — the API meant for keys held elsewhere, which is our case. The order on a counter voucher is the clerk's co-signature (加签)
first, then the center's seal: each signature covers everything before it, so the seal, last, covers the whole
file and any later change breaks it.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
import zlib
from dataclasses import dataclass
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hpf.seal.port import SealMaterial, SealSystem
from hpf.seal.render import COSIGN_BOXES, SEAL_BOX
from hpf.seal.signature_container import SealSignatureTemplate, fresh_nonce, time_stamp_token

# Room for the CMS with a time-stamp token and two certificate chains; fixed so pyHanko skips its trial signing.
BYTES_RESERVED = 16384
# The seal image fills its box, centred, no margin (pyHanko's default margin would shrink and warn).
FILL_BOX = SimpleBoxLayoutRule(x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID, margins=Margins())


@dataclass(frozen=True)
class _EncodedImage:
    """A seal image's pixels and alpha, Flate-compressed once (pyHanko would compress them for every document)."""

    image: Any  # the decoded PIL image: its size lays out the stamp
    colour: bytes
    alpha: bytes | None

    @classmethod
    def of(cls, image: Any) -> _EncodedImage:
        alpha = image.getchannel("A").tobytes() if image.mode.endswith("A") else None
        colour = image.convert("L" if image.mode in {"L", "LA"} else "RGB")
        return cls(image, zlib.compress(colour.tobytes()), None if alpha is None else zlib.compress(alpha))


class _PrecompressedImage(PdfImage):
    """pyHanko's image content over an ``_EncodedImage``: one per document (a PdfImage holds its writer)."""

    def __init__(self, encoded: _EncodedImage):
        super().__init__(encoded.image)
        self._encoded = encoded

    @property
    def image_ref(self) -> generic.IndirectObject:
        assert self.writer is not None
        encoded, (width, height) = self._encoded, self._encoded.image.size

        def xobject(data: bytes, colour_space: str, **extra: Any) -> generic.IndirectObject:
            entries = {pdf_name("/Type"): pdf_name("/XObject"), pdf_name("/Subtype"): pdf_name("/Image"),
                       pdf_name("/Width"): generic.NumberObject(width), pdf_name("/Height"): generic.NumberObject(height),
                       pdf_name("/ColorSpace"): pdf_name(colour_space),
                       pdf_name("/BitsPerComponent"): generic.NumberObject(8),
                       pdf_name("/Filter"): pdf_name("/FlateDecode"), **extra}
            assert self.writer is not None
            return self.writer.add_object(generic.StreamObject(generic.DictionaryObject(entries), encoded_data=data))

        extra = {} if encoded.alpha is None else {pdf_name("/SMask"): xobject(encoded.alpha, "/DeviceGray")}
        return xobject(encoded.colour, "/DeviceGray" if encoded.image.mode in {"L", "LA"} else "/DeviceRGB", **extra)


@dataclass(frozen=True)
class _LoadedSeal:
    material: SealMaterial
    certificate: asn1_x509.Certificate
    registry: SimpleCertificateStore
    image: _EncodedImage
    template: SealSignatureTemplate


class _SealSystemSigner(signers.Signer):
    """The seal's certificate for pyHanko's layout of the signature; the CMS itself is built by ``_sign`` through
    ``signature_container``, so pyHanko is never asked to sign."""

    def __init__(self, seal: _LoadedSeal):
        super().__init__(signing_cert=seal.certificate, cert_registry=seal.registry)

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        raise NotImplementedError("the seal's CMS is built by PdfSealer._sign")


class PdfSealer:
    def __init__(self, system: SealSystem, center_seal: str):
        self._system = system
        self._center_seal = center_seal
        self._seals: dict[str, _LoadedSeal] = {}
        self._lock = threading.Lock()

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
        style = StaticStampStyle(background=_PrecompressedImage(seal.image), border_width=0,
                                 background_layout=FILL_BOX)
        signer = signers.PdfSigner(meta, _SealSystemSigner(seal), stamp_style=style,
                                   new_field_spec=fields.SigFieldSpec(
                                       field_name, box=box, on_page=-1))  # type: ignore[arg-type]  # PDF points are reals
        prepared, _, output = asyncio.run(signer.async_digest_doc_for_signing(
            IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), bytes_reserved=BYTES_RESERVED))
        signed_attributes = seal.template.signed_attributes(prepared.document_digest)
        nonce = fresh_nonce()
        stamped = self._system.sign_and_stamp(seal_code, hashlib.sha256(signed_attributes).digest(), document_no,
                                              nonce)
        token = time_stamp_token(stamped.time_stamp_response, hashlib.sha256(stamped.signature).digest(), nonce)
        PdfTBSDocument.finish_signing(output, prepared,
                                      seal.template.content_info(signed_attributes, stamped.signature, token))
        assert isinstance(output, io.BytesIO)
        return output.getvalue()

    def _loaded(self, seal_code: str) -> _LoadedSeal:
        found = self._seals.get(seal_code)
        if found is None:
            from PIL import Image

            material = self._system.material(seal_code)
            certificates = [asn1_x509.Certificate.load(der) for der in material.certificates]
            image = Image.open(io.BytesIO(material.image_png))
            image.load()
            found = _LoadedSeal(material, certificates[0], SimpleCertificateStore.from_certs(certificates),
                                _EncodedImage.of(image), SealSignatureTemplate.for_chain(material.certificates))
            with self._lock:
                self._seals[seal_code] = found
        return found
