"""Session ciphers of a bank link, chosen by name from a registry: which cipher a bank's front uses is part of its
dialect (``BankProfile.cipher``), not of the code.

A cipher suite does two things at sign-in (BDC001). The bank's front *issues* a session — a new session key, and
``HandKey``: that key as the center can recover it — and the center *opens* the session from ``HandKey``. Both
ends then encrypt every business message under the session.

- ``sm4`` (ours, the default): SM4-CBC bodies, random IV first, PKCS#7; ``HandKey`` is the session key encrypted the
  same way under the center–bank master key (``keys["master_key"]``, 32 hex).
- ``none``: no encryption — for a link protected underneath (a dedicated line, an IPsec tunnel). Frames travel with
  the clear flag; sign-in still opens a session at the bank, and ``HandKey`` carries nothing we use.
- anything else: a plug-in, found through the Python entry-point group ``hpf.bdc_ciphers``. An integrator whose
  bank runs a vendor cipher ships a small package declaring, in its own ``pyproject.toml``::

      [project.entry-points."hpf.bdc_ciphers"]
      acme-3des = "acme_bdc.cipher:Acme3DesSuite"

  and names ``acme-3des`` in that bank's profile — no fork of this project. The entry point is a class (or
  factory) called with no arguments that returns an object with the ``CipherSuite`` methods below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Protocol

from hpf.settlement.bdc.transport import (
    CipherError,
    SessionCipher,
    Sm4Cipher,
    new_session_key,
    unwrap_session_key,
    wrap_session_key,
)

ENTRY_POINT_GROUP = "hpf.bdc_ciphers"


class CipherSuite(Protocol):
    encrypts: bool  # False: frames carry the clear flag (a link protected underneath)

    def issue_session(self, keys: Mapping[str, str]) -> tuple[bytes, SessionCipher]:
        """The bank's side of sign-in: a new session and its HandKey (raw bytes; the profile encodes them)."""
        ...

    def open_session(self, keys: Mapping[str, str], hand_key: bytes) -> SessionCipher:
        """The center's side: the session from the bank's HandKey. ``CipherError`` if it cannot be opened."""
        ...


class UnknownCipher(LookupError):
    pass


def _key(keys: Mapping[str, str], name: str) -> str:
    try:
        return keys[name]
    except KeyError:
        raise CipherError(f"the link's keys lack {name!r}") from None


class Sm4Suite:
    encrypts = True

    def issue_session(self, keys: Mapping[str, str]) -> tuple[bytes, SessionCipher]:
        session_key = new_session_key()
        wrapped = wrap_session_key(Sm4Cipher(bytes.fromhex(_key(keys, "master_key"))), session_key)
        return bytes.fromhex(wrapped), Sm4Cipher(session_key)

    def open_session(self, keys: Mapping[str, str], hand_key: bytes) -> SessionCipher:
        master = Sm4Cipher(bytes.fromhex(_key(keys, "master_key")))
        return Sm4Cipher(unwrap_session_key(master, hand_key.hex()))


class ClearSession:
    """The identity 'cipher' of a link protected underneath."""

    def encrypt(self, plain: bytes) -> bytes:
        return plain

    def decrypt(self, data: bytes) -> bytes:
        return data


class NoCipherSuite:
    encrypts = False

    def issue_session(self, keys: Mapping[str, str]) -> tuple[bytes, SessionCipher]:
        return new_session_key(), ClearSession()  # a session id the bank hands out; nothing is derived from it

    def open_session(self, keys: Mapping[str, str], hand_key: bytes) -> SessionCipher:
        return ClearSession()


_BUILT_IN: dict[str, Callable[[], CipherSuite]] = {"sm4": Sm4Suite, "none": NoCipherSuite}


def cipher_suite(name: str) -> CipherSuite:
    """The suite of that name: built in, or a plug-in of the entry-point group (looked up each time a link is
    configured — rarely — so a package installed after start-up is found by the next link)."""
    if name in _BUILT_IN:
        return _BUILT_IN[name]()
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == name:
            return entry.load()()
    raise UnknownCipher(f"no session cipher {name!r}: built in are {sorted(_BUILT_IN)}, plug-ins are "
                        f"{sorted(e.name for e in entry_points(group=ENTRY_POINT_GROUP))}")
