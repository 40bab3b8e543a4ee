"""A tree-head signer with its own key and a one-level CA (the seal system's place in unit tests)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class KeySigner:
    seal_code = "TEST-SEAL"

    def __init__(self) -> None:
        now = dt.datetime.now(dt.UTC)
        self._root_key = rsa.generate_private_key(65537, 2048)
        self._key = rsa.generate_private_key(65537, 2048)
        valid = dict(not_valid_before=now - dt.timedelta(days=1), not_valid_after=now + dt.timedelta(days=30))
        root = (x509.CertificateBuilder().subject_name(_name("test root")).issuer_name(_name("test root"))
                .public_key(self._root_key.public_key()).serial_number(1)
                .not_valid_before(valid["not_valid_before"]).not_valid_after(valid["not_valid_after"])
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(self._root_key, hashes.SHA256()))
        leaf = (x509.CertificateBuilder().subject_name(_name("test seal")).issuer_name(root.subject)
                .public_key(self._key.public_key()).serial_number(2)
                .not_valid_before(valid["not_valid_before"]).not_valid_after(valid["not_valid_after"])
                .sign(self._root_key, hashes.SHA256()))
        self.root_der = root.public_bytes(serialization.Encoding.DER)
        self._leaf_der = leaf.public_bytes(serialization.Encoding.DER)

    def sign(self, payload: bytes, name: str) -> tuple[bytes, bytes]:
        return self._key.sign(payload, padding.PKCS1v15(), hashes.SHA256()), self._leaf_der
