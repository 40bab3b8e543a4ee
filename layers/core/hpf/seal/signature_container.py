"""The CMS SignedData a seal puts into a PDF: PAdES baseline B-T (ETSI EN 319 142-1), detached, one signer.

Signed attributes: content type, the document's byte-range digest, and signing-certificate-v2 naming the seal's
certificate by hash and by issuer and serial (no signing time: PAdES takes it from the signature dictionary's
``/M``). Unsigned: the time-stamp token over the signature value (B-T). Certificates: the seal's chain, as the
seal system gave it.

Everything that is the same for every signature of one seal is encoded once (``SealSignatureTemplate``); a
document then costs a digest, two framings and the two calls to the seal system. The PDF side (field, appearance,
byte range, incremental update) is ``incremental``; pyHanko's general CMS builder, which this replaces, re-encoded
the certificates for every document (see ``hpf.common.der``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509

from hpf.common.der import SEQUENCE, context, integer, octet_string, oid, set_of, tlv
from hpf.seal.port import SealUnavailable

ID_DATA = "1.2.840.113549.1.7.1"
ID_SIGNED_DATA = "1.2.840.113549.1.7.2"
ID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
ID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
ID_SIGNATURE_TIME_STAMP_TOKEN = "1.2.840.113549.1.9.16.2.14"
SHA256 = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
SHA256_WITH_RSA = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}).dump()
_TRUE = b"\x01\x01\xff"


def _attribute(type_oid: str, value: bytes) -> bytes:
    return tlv(SEQUENCE, oid(type_oid), set_of(value))


@dataclass(frozen=True)
class SealSignatureTemplate:
    """The constant parts of one seal's signatures, DER-encoded once."""

    certificates: bytes
    signer_id: bytes
    content_type: bytes
    signing_certificate: bytes

    @classmethod
    def for_chain(cls, chain: Sequence[bytes]) -> SealSignatureTemplate:
        """``chain``: DER certificates, the seal's own first (``SealMaterial.certificates``)."""
        seal = asn1_x509.Certificate.load(chain[0])
        issuer_serial = {"issuer": [asn1_x509.GeneralName(name="directory_name", value=seal.issuer)],
                         "serial_number": seal.serial_number}
        signing_certificate = tsp.SigningCertificateV2({"certs": [tsp.ESSCertIDv2({
            "hash_algorithm": {"algorithm": "sha256"}, "cert_hash": hashlib.sha256(chain[0]).digest(),
            "issuer_serial": issuer_serial})]})
        return cls(
            certificates=b"".join(chain),
            signer_id=cms.IssuerAndSerialNumber({"issuer": seal.issuer, "serial_number": seal.serial_number}).dump(),
            content_type=_attribute(ID_CONTENT_TYPE, oid(ID_DATA)),
            signing_certificate=_attribute(cms.CMSAttributeType.unmap("signing_certificate_v2"),
                                           signing_certificate.dump()))

    def signed_attributes(self, document_digest: bytes) -> bytes:
        """The DER SET whose SHA-256 the seal system signs (RFC 5652 5.4: the SET OF tag, not the [0])."""
        message_digest = _attribute(ID_MESSAGE_DIGEST, octet_string(document_digest))
        return set_of(self.content_type, message_digest, self.signing_certificate)

    def content_info(self, signed_attributes: bytes, signature: bytes, time_stamp_token: bytes) -> bytes:
        unsigned = tlv(context(1), _attribute(ID_SIGNATURE_TIME_STAMP_TOKEN, time_stamp_token))
        signer_info = tlv(SEQUENCE, integer(1), self.signer_id, SHA256, bytes((context(0),)) + signed_attributes[1:],
                          SHA256_WITH_RSA, octet_string(signature), unsigned)
        signed_data = tlv(SEQUENCE, integer(1), set_of(SHA256), tlv(SEQUENCE, oid(ID_DATA)),
                          tlv(context(0), self.certificates), set_of(signer_info))
        return tlv(SEQUENCE, oid(ID_SIGNED_DATA), tlv(context(0), signed_data))


def fresh_nonce() -> int:
    return secrets.randbits(63)


def message_imprint(digest: bytes) -> bytes:
    """RFC 3161 MessageImprint of a SHA-256 digest (DER)."""
    return tlv(SEQUENCE, SHA256, octet_string(digest))


def time_stamp_request(digest: bytes, nonce: int) -> bytes:
    """An RFC 3161 TimeStampReq over a SHA-256 digest, asking for the TSA's certificate."""
    return tlv(SEQUENCE, integer(1), message_imprint(digest), integer(nonce), _TRUE)


def time_stamp_token(response_der: bytes, digest: bytes, nonce: int) -> bytes:
    """The token of a granted response that answers this request (its imprint and nonce), as DER.

    A response that is not granted, or answers another request, means the authority is not doing its job: the
    seal is not applied, and the caller may retry (the voucher request is idempotent)."""
    try:
        response = tsp.TimeStampResp.load(response_der)
        status = response["status"]["status"].native
        token = response["time_stamp_token"]
        info = token["content"]["encap_content_info"]["content"].parsed
        answered = (info["message_imprint"]["hashed_message"].native, info["nonce"].native)
    except (ValueError, TypeError, KeyError) as error:
        raise SealUnavailable(details={"time_stamp": "unreadable response"}) from error
    if status not in {"granted", "granted_with_mods"}:
        raise SealUnavailable(details={"time_stamp": status})
    if answered != (digest, nonce):
        raise SealUnavailable(details={"time_stamp": "answers another request"})
    return token.dump()
