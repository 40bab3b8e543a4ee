"""An example vendor session cipher, registered as a plug-in (entry point ``rsa-sm4-ecb`` of ``hpf.bdc_ciphers`` in
this project's ``pyproject.toml``) exactly as an integrator's own package would register theirs.

It is the shape several bank fronts use: at sign-in the bank encrypts a fresh 16-byte session key under the
*center's* RSA public key (1024-bit, OAEP) — a ``HandKey`` of 128 bytes, 256 hex characters — and bodies are
SM4 in ECB mode with PKCS#7 padding ("SM4/ECB/PKCS5Padding" in the vendors' Java). ECB leaks equal blocks; we
would not choose it, but a bank's front may, and the center must speak it.

Keys of the link: the center holds ``private_key`` (PEM, a secret of the deployment), the bank ``public_key``.
"""

from __future__ import annotations

from collections.abc import Mapping

from hpf.settlement.bdc.transport import CipherError, new_session_key


def _oaep():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


class Sm4EcbSession:
    def __init__(self, key: bytes):
        if len(key) != 16:
            raise CipherError("an SM4 session key has 16 bytes")
        self._key = key

    def encrypt(self, plain: bytes) -> bytes:
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        padder = padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.SM4(self._key), modes.ECB()).encryptor()
        return encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()

    def decrypt(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        if not data or len(data) % 16:
            raise CipherError("ciphertext length is not whole blocks")
        decryptor = Cipher(algorithms.SM4(self._key), modes.ECB()).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        try:
            unpadder = padding.PKCS7(128).unpadder()
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise CipherError("bad padding: wrong session key?") from None


class RsaSm4EcbSuite:
    encrypts = True

    def issue_session(self, keys: Mapping[str, str]) -> tuple[bytes, Sm4EcbSession]:
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        public = load_pem_public_key(_pem(keys, "public_key"))
        if not isinstance(public, RSAPublicKey):
            raise CipherError("the center's public key is not an RSA key")
        session_key = new_session_key()
        return public.encrypt(session_key, _oaep()), Sm4EcbSession(session_key)

    def open_session(self, keys: Mapping[str, str], hand_key: bytes) -> Sm4EcbSession:
        from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        private = load_pem_private_key(_pem(keys, "private_key"), password=None)
        if not isinstance(private, RSAPrivateKey):
            raise CipherError("the center's private key is not an RSA key")
        try:
            return Sm4EcbSession(private.decrypt(hand_key, _oaep()))
        except ValueError:
            raise CipherError("HandKey cannot be decrypted with the center's private key") from None


def _pem(keys: Mapping[str, str], name: str) -> bytes:
    try:
        return keys[name].encode("ascii")
    except KeyError:
        raise CipherError(f"the link's keys lack {name!r}") from None


def new_center_key_pair() -> tuple[str, str]:
    """A center RSA key pair (private PEM, public PEM) — for a sandbox bank, or to hand the public half to a bank."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return (private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode("ascii"),
            private.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii"))
