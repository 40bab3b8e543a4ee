"""The e-seal sandbox's RFC 3161 time-stamp authority: TSTInfo signed as CMS SignedData with the TSA's key, which
is loaded once (loading an RSA key checks it, ~50 ms — per request that would make the sandbox, not the
platform, the bottleneck of every benchmark).

The token carries what validators look for: content type id-ct-TSTInfo, the message digest, the signing time and
an ESS signing-certificate-v2 attribute naming the TSA's certificate by its SHA-256; the TSA's certificate and
its issuer are embedded. The parts that never change are encoded once with asn1crypto and each response is framed
with ``hpf.common.der`` (built whole with asn1crypto a response took 15 ms of the sandbox's CPU, as much as the
signer it serves); pyHanko and poppler read every token in the tests.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from datetime import UTC, datetime

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from hpf.common.der import SEQUENCE, context, integer, octet_string, oid, set_of, tlv

POLICY = "1.3.6.1.4.1.99999.1.1"  # a private-arc policy id of the sandbox TSA (ours)
ID_SIGNED_DATA, ID_TST_INFO = "1.2.840.113549.1.7.2", "1.2.840.113549.1.9.16.1.4"
ID_CONTENT_TYPE, ID_MESSAGE_DIGEST, ID_SIGNING_TIME = ("1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4",
                                                       "1.2.840.113549.1.9.5")
UTC_TIME, GENERALIZED_TIME = 0x17, 0x18
SHA256 = algos.DigestAlgorithm({"algorithm": "sha256"}).dump()
RSA = algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}).dump()
GRANTED = tlv(SEQUENCE, integer(0))


def _attribute(type_oid: str, value: bytes) -> bytes:
    return tlv(SEQUENCE, oid(type_oid), set_of(value))


class TimeStampAuthority:
    def __init__(self, key: rsa.RSAPrivateKey, certificate_der: bytes, issuer_der: bytes):
        self._key = key
        certificate = asn1_x509.Certificate.load(certificate_der)
        self._certificates = certificate_der + issuer_der
        self._signer_id = cms.IssuerAndSerialNumber({"issuer": certificate.issuer,
                                                     "serial_number": certificate.serial_number}).dump()
        self._content_type = _attribute(ID_CONTENT_TYPE, oid(ID_TST_INFO))
        self._signing_certificate = _attribute(
            cms.CMSAttributeType.unmap("signing_certificate_v2"), tsp.SigningCertificateV2({"certs": [tsp.ESSCertIDv2({
                "hash_algorithm": {"algorithm": "sha256"},
                "cert_hash": hashlib.sha256(certificate_der).digest()})]}).dump())
        self._serials = itertools.count(1)
        self._lock = threading.Lock()

    def respond(self, message_imprint: bytes, nonce: int | None) -> bytes:
        """A granted TimeStampResp (DER) for an imprint (its DER, already checked by the caller) and the nonce."""
        with self._lock:
            serial = next(self._serials)
        now = datetime.now(UTC)
        tst_info = tlv(SEQUENCE, integer(1), oid(POLICY), message_imprint, integer(serial),
                       tlv(GENERALIZED_TIME, now.strftime("%Y%m%d%H%M%SZ").encode()),
                       tlv(SEQUENCE, integer(1)),  # accuracy: one second; ordering left at its default, false
                       b"" if nonce is None else integer(nonce))
        signed_attributes = set_of(
            self._content_type, self._signing_certificate,
            _attribute(ID_SIGNING_TIME, tlv(UTC_TIME, now.strftime("%y%m%d%H%M%SZ").encode())),
            _attribute(ID_MESSAGE_DIGEST, octet_string(hashlib.sha256(tst_info).digest())))
        signature = self._key.sign(signed_attributes, padding.PKCS1v15(), hashes.SHA256())
        signer_info = tlv(SEQUENCE, integer(1), self._signer_id, SHA256,
                          bytes((context(0),)) + signed_attributes[1:], RSA, octet_string(signature))
        signed_data = tlv(SEQUENCE, integer(3), set_of(SHA256),
                          tlv(SEQUENCE, oid(ID_TST_INFO), tlv(context(0), octet_string(tst_info))),
                          tlv(context(0), self._certificates), set_of(signer_info))
        token = tlv(SEQUENCE, oid(ID_SIGNED_DATA), tlv(context(0), signed_data))
        return tlv(SEQUENCE, GRANTED, token)
