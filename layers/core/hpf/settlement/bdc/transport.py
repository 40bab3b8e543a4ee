"""The framed TCP transport and the session cipher.

A frame (domain facts §1.8) is a 16-byte header — the sender's 6-character node number, a flag byte ('1' clear:
probe and sign-in; '0' encrypted business message), 9 bytes of padding (spaces ours, 0x00 at some banks: the
link's profile says which; what we read may have either) — then the body's length as 4 bytes in network
order, then the body (the GBK XML message, encrypted under the session key when the flag is '0').

The cipher is not visible in any public code (a closed vendor library did it). Ours, by default: SM4-CBC with a
random IV sent before the ciphertext and PKCS#7 padding; sign-in (BDC001) returns ``HandKey`` — the new session
key encrypted under the center–bank master key, hex-encoded. Which cipher a link uses is its profile's choice from
the registry in ``ciphers.py`` (ours, none, or a plug-in).
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass
from typing import Protocol

HEADER_LEN = 16
MAX_BODY = 16 * 1024 * 1024


class FrameError(ConnectionError):
    """The peer sent something that is not a frame, or closed the connection mid-frame."""


@dataclass(frozen=True)
class Frame:
    node: str
    encrypted: bool
    body: bytes
    padding: bytes = b" " * 9  # the header's last nine bytes, as they came


def encode_frame(node: str, encrypted: bool, body: bytes, padding: bytes = b" ") -> bytes:
    if len(node) != 6 or not node.isascii():
        raise ValueError(f"a node number has 6 ASCII characters: {node!r}")
    header = (node + ("0" if encrypted else "1")).encode("ascii").ljust(HEADER_LEN, padding)
    return header + struct.pack(">I", len(body)) + body


def read_frame(sock: socket.socket) -> Frame:
    header = _read_exactly(sock, HEADER_LEN + 4)
    node, flag = header[:6].decode("ascii", "replace"), header[6:7]
    if flag not in (b"0", b"1"):
        raise FrameError(f"bad frame flag {flag!r}")
    (length,) = struct.unpack(">I", header[HEADER_LEN:])
    if length > MAX_BODY:
        raise FrameError(f"frame body of {length} bytes exceeds {MAX_BODY}")
    return Frame(node, flag == b"0", _read_exactly(sock, length), header[7:HEADER_LEN])


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    chunks, remaining = [], n
    while remaining:
        chunk = sock.recv(remaining)
        if not chunk:
            raise FrameError("connection closed by peer")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class SessionCipher(Protocol):
    def encrypt(self, plain: bytes) -> bytes: ...
    def decrypt(self, data: bytes) -> bytes: ...


class CipherError(ValueError):
    pass


class Sm4Cipher:
    """SM4-CBC, random IV first, PKCS#7 padding (cryptography's SM4)."""

    def __init__(self, key: bytes):
        if len(key) != 16:
            raise ValueError("an SM4 key has 16 bytes")
        self._key = key

    def encrypt(self, plain: bytes) -> bytes:
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        iv = os.urandom(16)
        padder = padding.PKCS7(128).padder()
        encryptor = Cipher(algorithms.SM4(self._key), modes.CBC(iv)).encryptor()
        return iv + encryptor.update(padder.update(plain) + padder.finalize()) + encryptor.finalize()

    def decrypt(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        if len(data) < 32 or len(data) % 16:
            raise CipherError("ciphertext length is not IV + whole blocks")
        decryptor = Cipher(algorithms.SM4(self._key), modes.CBC(data[:16])).decryptor()
        padded = decryptor.update(data[16:]) + decryptor.finalize()
        try:
            unpadder = padding.PKCS7(128).unpadder()
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise CipherError("bad padding: wrong session key?") from None


def new_session_key() -> bytes:
    return os.urandom(16)


def wrap_session_key(master: SessionCipher, session_key: bytes) -> str:
    return master.encrypt(session_key).hex().upper()


def unwrap_session_key(master: SessionCipher, hand_key: str) -> bytes:
    try:
        return master.decrypt(bytes.fromhex(hand_key))
    except ValueError as error:
        raise CipherError(f"HandKey cannot be unwrapped: {error}") from None
