"""Apply e-seals to a PDF as PAdES B-T signatures with a visible seal image, keys held by the seal system.

What stays loaded between documents, per seal: its certificates, its image already compressed, and the constant
parts of its CMS (``signature_container``); the seal system client keeps its connection. Each document then costs
one round trip to the seal system per signature (the signature and its time stamp together, where the system
offers it; else two). The PDF side — field, visible seal, byte range, incremental update — is
``incremental``; pyHanko validates what we write (``verification``). The order on a counter voucher is the clerk's
co-signature (加签) first, then the center's seal: each signature covers everything before it, so the seal, last,
covers the whole file and any later change breaks it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from hpf.seal.incremental import SealImage, SignatureField, prepare_signature
from hpf.seal.port import SealMaterial, SealSystem
from hpf.seal.render import COSIGN_BOXES, SEAL_BOX
from hpf.seal.signature_container import SealSignatureTemplate, fresh_nonce, time_stamp_token

# Room for the CMS: a time-stamp token and two certificate chains come to ~5 KB; it is hex-encoded into /Contents,
# so every reserved byte costs two in the file (pyHanko reserved the same 8 KB).
BYTES_RESERVED = 8192
SIGNED_AT = "江西省鹰潭市"


@dataclass(frozen=True)
class _LoadedSeal:
    material: SealMaterial
    image: SealImage
    template: SealSignatureTemplate


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
        name = seal.material.name
        prepared = prepare_signature(pdf, SignatureField(field_name, box, name, f"{name} 电子签章", SIGNED_AT),
                                     seal.image, BYTES_RESERVED)
        signed_attributes = seal.template.signed_attributes(prepared.digest())
        nonce = fresh_nonce()
        stamped = self._system.sign_and_stamp(seal_code, hashlib.sha256(signed_attributes).digest(), document_no,
                                              nonce)
        token = time_stamp_token(stamped.time_stamp_response, hashlib.sha256(stamped.signature).digest(), nonce)
        return prepared.filled(seal.template.content_info(signed_attributes, stamped.signature, token))

    def _loaded(self, seal_code: str) -> _LoadedSeal:
        found = self._seals.get(seal_code)
        if found is None:
            material = self._system.material(seal_code)
            found = _LoadedSeal(material, SealImage.from_png(material.image_png),
                                SealSignatureTemplate.for_chain(material.certificates))
            with self._lock:
                self._seals[seal_code] = found
        return found
