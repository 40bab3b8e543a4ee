"""The e-seal sandbox's RFC 3161 time-stamp authority: TSTInfo signed as CMS SignedData with the TSA's key, which
is loaded once (loading an RSA key checks it, ~50 ms — per request that would make the sandbox, not the
platform, the bottleneck of every benchmark).

The token carries what validators look for: content type id-ct-TSTInfo, the message digest, the signing time and
an ESS signing-certificate-v2 attribute naming the TSA's certificate by its SHA-256; the TSA's certificate and
its issuer are embedded.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from datetime import UTC, datetime

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

POLICY = "1.3.6.1.4.1.99999.1.1"  # a private-arc policy id of the sandbox TSA (ours)


class TimeStampAuthority:
    def __init__(self, key: rsa.RSAPrivateKey, certificate_der: bytes, issuer_der: bytes):
        self._key = key
        self._certificate = asn1_x509.Certificate.load(certificate_der)
        self._issuer = asn1_x509.Certificate.load(issuer_der)
        self._serials = itertools.count(1)
        self._lock = threading.Lock()

    def respond(self, request: tsp.TimeStampReq) -> bytes:
        """A granted TimeStampResp (DER) for a request whose imprint the caller has already checked."""
        with self._lock:
            serial = next(self._serials)
        now = datetime.now(UTC)
        info = {"version": "v1", "policy": POLICY, "message_imprint": request["message_imprint"],
                "serial_number": serial, "gen_time": now, "accuracy": {"seconds": 1}, "ordering": False}
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]
        tst_info = tsp.TSTInfo(info).dump()
        signed_attrs = cms.CMSAttributes([
            _attribute("content_type", cms.ContentType("tst_info")),
            _attribute("signing_time", cms.Time({"utc_time": core.UTCTime(now)})),
            _attribute("signing_certificate_v2", tsp.SigningCertificateV2({"certs": [tsp.ESSCertIDv2({
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "cert_hash": hashlib.sha256(self._certificate.dump()).digest()})]})),
            _attribute("message_digest", core.OctetString(hashlib.sha256(tst_info).digest())),
        ])
        signature = self._key.sign(signed_attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
        sha256 = algos.DigestAlgorithm({"algorithm": "sha256"})
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
                "issuer": self._certificate.issuer, "serial_number": self._certificate.serial_number})}),
            "digest_algorithm": sha256,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
            "signed_attrs": signed_attrs, "signature": signature})
        signed_data = cms.SignedData({
            "version": "v3", "digest_algorithms": [sha256],
            "encap_content_info": {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info)},
            "certificates": [self._certificate, self._issuer], "signer_infos": [signer]})
        token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()


def _attribute(kind: str, value: object) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": kind, "values": [value]})
