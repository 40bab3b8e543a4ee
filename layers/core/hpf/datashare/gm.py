"""The national algorithms a counterpart may ask for (国密): SM2 signatures (gmalg, pure Python: cryptography has
no SM2), SM3 digests and SM4 encryption (cryptography, over OpenSSL). Conventions fixed here, once, because each
partner must agree on them (toolchain notes): the SM2 user id is the common default 1234567812345678; a public key
is the uncompressed point 04‖x‖y in hex (130 characters); a signature is r‖s in hex (128 characters); SM4
transport encryption is CBC with PKCS#7 padding and the IV in front, in Base64.

Configuration secrets (our SM2 private keys, the SM4 transport keys) are sealed with SM4-GCM under the deployment's
configuration key before they are stored (配置加密), and opened only to sign or encrypt a request."""

from __future__ import annotations

import base64
import os

import gmalg
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SM2_UID = b"1234567812345678"
SM4_KEY_BYTES = 16
# the SM2 curve (GB/T 32918.5): y² = x³ + ax + b over GF(p), a = p − 3
_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93


class CryptoRefused(ValueError):
    """A key, signature or ciphertext that is not what it should be."""


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def sm2_keypair() -> tuple[str, str]:
    """(private key hex, public key hex 04‖x‖y). gmalg gives the private key without its leading zero bytes (one
    key in 256): padded to its 32 bytes, as every partner's tools expect."""
    private, public = gmalg.SM2().generate_keypair()
    return private.rjust(32, b"\0").hex(), public.hex()


def sm2_public_key(text: str) -> str:
    """A public key as typed or pasted (hex, with or without the 04 prefix, any case): the canonical 04‖x‖y."""
    cleaned = "".join(text.split()).lower()
    if len(cleaned) == 128:
        cleaned = "04" + cleaned
    try:
        raw = bytes.fromhex(cleaned)
    except ValueError as error:
        raise CryptoRefused("不是十六进制的SM2公钥") from error
    if len(raw) != 65 or raw[0] != 4:
        raise CryptoRefused("SM2公钥应为非压缩点（04‖x‖y，65字节）")
    x, y = int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big")
    if not (x < _P and y < _P and (y * y - (x * x * x + (_P - 3) * x + _B)) % _P == 0):
        raise CryptoRefused("SM2公钥不在曲线上")
    return cleaned


def sm2_sign(private_hex: str, public_hex: str, message: bytes) -> str:
    """r‖s, each its full 32 bytes: gmalg drops an integer's leading zero bytes (r or s, about one signature in 128),
    which would shift s into r for whoever reads the fixed-width form."""
    r, s = gmalg.SM2(bytes.fromhex(private_hex), SM2_UID, bytes.fromhex(public_hex)).sign(message)
    return (r.rjust(32, b"\0") + s.rjust(32, b"\0")).hex()


def sm2_verify(public_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        raw = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    if len(raw) != 64:
        return False
    return bool(gmalg.SM2(pk=bytes.fromhex(public_hex), uid=SM2_UID).verify(message, raw[:32], raw[32:]))


def sm4_key() -> str:
    return os.urandom(SM4_KEY_BYTES).hex()


def sm4_cbc_encrypt(key_hex: str, plain: bytes) -> str:
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.SM4(bytes.fromhex(key_hex)), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()
                            ).decode()


def sm4_cbc_decrypt(key_hex: str, sealed: str) -> bytes:
    try:
        raw = base64.b64decode(sealed, validate=True)
        if len(raw) < 32 or len(raw) % 16:
            raise ValueError("length")
        decryptor = Cipher(algorithms.SM4(bytes.fromhex(key_hex)), modes.CBC(raw[:16])).decryptor()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(decryptor.update(raw[16:]) + decryptor.finalize()) + unpadder.finalize()
    except ValueError as error:
        raise CryptoRefused("SM4密文无法解密") from error


class ConfigSealer:
    """配置加密: secrets sealed with SM4-GCM under the deployment's configuration key (HPF_CONFIG_KEY, 32 hex);
    what is stored is nonce‖ciphertext‖tag in Base64, bound to what the secret is (``context``), so a sealed
    private key copied onto another record does not open."""

    def __init__(self, key_hex: str):
        try:
            self._key = bytes.fromhex(key_hex)
        except ValueError as error:
            raise ValueError("HPF_CONFIG_KEY is not hex") from error
        if len(self._key) != SM4_KEY_BYTES:
            raise ValueError("HPF_CONFIG_KEY must be 16 bytes (32 hex characters)")

    def seal(self, secret: str, context: str) -> str:
        nonce = os.urandom(12)
        encryptor = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(context.encode())
        sealed = encryptor.update(secret.encode()) + encryptor.finalize()
        return base64.b64encode(nonce + sealed + encryptor.tag).decode()

    def open(self, sealed: str, context: str) -> str:
        try:
            raw = base64.b64decode(sealed, validate=True)
            decryptor = Cipher(algorithms.SM4(self._key), modes.GCM(raw[:12], raw[-16:])).decryptor()
            decryptor.authenticate_additional_data(context.encode())
            return (decryptor.update(raw[12:-16]) + decryptor.finalize()).decode()
        except Exception as error:  # InvalidTag, bad Base64: either way the secret is not ours to open
            raise CryptoRefused("配置密文无法打开（配置密钥不符或密文被改动）") from error
