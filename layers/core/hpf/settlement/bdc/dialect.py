"""A bank front's dialect of the BDC interface, as configuration: ``BankProfile``.

Real fronts (前置机) do not all speak the interface the same way: the 2018 bank-side numbering (BDC2xx) for the
business the center-side numbering calls BDC1xx (domain facts §1.2–1.3), other names for some fields (the result
query's original date and serial, separate principal and interest host serials in a payment reply, the list of
the line-number query), business types extended with four-digit codes, a HandKey of another size, a vendor cipher,
0x00 rather than spaces after the frame flag, another XML declaration.

The platform works in one vocabulary — ours, ``spec.py`` — and a profile translates at the wire, both ways:

    ours ──outgoing()──► theirs ──► XML ──► cipher ──► frame          (what we send: strict, validated as ours first)
    ours ◄──incoming()── theirs ◄── XML ◄── cipher ◄── frame          (what we read: tolerant, see message.py)

The bank sandbox runs a profile the same way round (``incoming(strict=True)`` for what it receives: a bank that
renamed a field does not accept ours), so a test against a sandbox on a foreign profile checks that we really
speak that dialect. A profile is a YAML file (``profiles/<name>.yaml`` here, or a path of the deployment's); every
key is optional and defaults to ours. ``docs/interfaces/settlement.md`` walks through writing one.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from hpf.settlement.bdc.message import BdcMessage, MalformedMessage

PROFILES = Path(__file__).with_name("profiles")
DECLARATIONS = ("single", "double", "none")


@dataclass(frozen=True)
class CodeDialect:
    """One code field in a bank's dialect: the values it adds (with their meaning) and the ones it writes its own
    way (ours → theirs)."""

    extra: Mapping[str, str] = field(default_factory=dict)
    ours_to_theirs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BankProfile:
    name: str = "ours"
    tx_codes: Mapping[str, str] = field(default_factory=dict)  # our code → theirs
    fields: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # our tx code or "*" → {ours: theirs}
    codes: Mapping[str, CodeDialect] = field(default_factory=dict)  # field name (ours) → its code dialect
    padding: bytes = b" "  # the frame header's nine bytes after the flag
    declaration: str = "single"  # <?xml version='1.0' …?> (lxml's), "double" quotes, or "none"
    encoding: str = "GBK"
    hand_key_encoding: str = "hex"  # hex | base64
    hand_key_length: int = 96  # characters of HandKey (ours: hex of IV + one wrapped SM4 key = 48 bytes)
    cipher: str = "sm4"  # a name of the cipher registry (ciphers.py)
    reply_extras: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # what the bank adds to replies
    lacks: frozenset[str] = frozenset()  # our transaction codes this bank does not offer (e.g. BDC200)

    def offers(self, tx_code: str) -> bool:
        return tx_code not in self.lacks

    # -- loading -------------------------------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BankProfile:
        unknown = set(data) - {"name", "description", "tx_codes", "fields", "codes", "frame", "xml", "hand_key",
                               "cipher", "reply_extras", "lacks"}
        if unknown:
            raise ValueError(f"unknown profile keys: {sorted(unknown)}")
        frame, xml, hand_key = data.get("frame") or {}, data.get("xml") or {}, data.get("hand_key") or {}
        padding = bytes.fromhex(str(frame.get("padding", "20")))
        declaration = xml.get("declaration", "single")
        if len(padding) != 1 or declaration not in DECLARATIONS or \
                hand_key.get("encoding", "hex") not in ("hex", "base64"):
            raise ValueError("frame.padding is one byte in hex, xml.declaration one of "
                             f"{DECLARATIONS}, hand_key.encoding hex or base64")
        return cls(
            name=str(data.get("name", "ours")),
            tx_codes={str(k): str(v) for k, v in (data.get("tx_codes") or {}).items()},
            fields={str(tx): {str(k): str(v) for k, v in names.items()}
                    for tx, names in (data.get("fields") or {}).items()},
            codes={str(f): CodeDialect({str(k): str(v) for k, v in (c.get("extra") or {}).items()},
                                       {str(k): str(v) for k, v in (c.get("ours_to_theirs") or {}).items()})
                   for f, c in (data.get("codes") or {}).items()},
            padding=padding, declaration=declaration, encoding=str(xml.get("encoding", "GBK")),
            hand_key_encoding=str(hand_key.get("encoding", "hex")), hand_key_length=int(hand_key.get("length", 96)),
            cipher=str(data.get("cipher", "sm4")),
            reply_extras={str(tx): {str(k): str(v) for k, v in extras.items()}
                          for tx, extras in (data.get("reply_extras") or {}).items()},
            lacks=frozenset(str(tx) for tx in (data.get("lacks") or [])),
        )

    # -- translation -----------------------------------------------------------------------------------------------
    def their_tx(self, ours: str) -> str:
        return self.tx_codes.get(ours, ours)

    def outgoing(self, message: BdcMessage) -> BdcMessage:
        """Ours → theirs: transaction code, field and list names, code values."""
        tx = message.tx_code
        names = self._names(tx)

        def rename(values: Mapping[str, str]) -> dict[str, str]:
            return {names.get(k, k): self._code_out(k, v) for k, v in values.items()}

        head = rename(message.head)
        head["TxCode"] = self.their_tx(tx)
        return BdcMessage(head, rename(message.body),
                          {names.get(n, n): [rename(r) for r in records] for n, records in message.lists.items()})

    def incoming(self, message: BdcMessage, *, strict: bool = False) -> BdcMessage:
        """Theirs → ours. ``strict`` (a bank receiving): a code or name of ours that this dialect replaced is
        refused, as that bank would refuse it. Otherwise (the center reading a reply) it is taken as it comes."""
        theirs = message.tx_code
        tx = self._our_tx(theirs)
        if strict and tx == theirs and theirs in self.tx_codes:
            raise MalformedMessage("UNKNOWN_TX", f"本行交易码为{self.tx_codes[theirs]}，不受理{theirs}")
        names = self._names(tx)
        back = {theirs_name: ours for ours, theirs_name in names.items()}
        replaced = set(names) - set(back)

        def rename(values: Mapping[str, str]) -> dict[str, str]:
            if strict and replaced & set(values):
                raise MalformedMessage("UNKNOWN_FIELD", f"本行报文无字段{', '.join(sorted(replaced & set(values)))}")
            renamed = {back.get(k, k): v for k, v in values.items()}
            return {k: self._code_in(k, v) for k, v in renamed.items()}

        head = rename(message.head)
        head["TxCode"] = tx
        return BdcMessage(head, rename(message.body),
                          {back.get(n, n): [rename(r) for r in records] for n, records in message.lists.items()})

    def extra_codes(self) -> dict[str, set[str]]:
        """Code values valid in this dialect beyond our tables, per field (ours) — validation accepts them."""
        return {name: set(c.extra) for name, c in self.codes.items() if c.extra}

    # -- HandKey -------------------------------------------------------------------------------------------------
    def encode_hand_key(self, raw: bytes) -> str:
        text = raw.hex().upper() if self.hand_key_encoding == "hex" else base64.b64encode(raw).decode("ascii")
        if len(text) != self.hand_key_length:
            raise ValueError(f"HandKey of {len(text)} characters; profile {self.name} has {self.hand_key_length}")
        return text

    def decode_hand_key(self, text: str) -> bytes:
        if len(text) != self.hand_key_length:
            raise MalformedMessage("BAD_FORMAT", f"HandKey长度{len(text)}，应为{self.hand_key_length}")
        try:
            return bytes.fromhex(text) if self.hand_key_encoding == "hex" else base64.b64decode(text, validate=True)
        except (ValueError, binascii.Error):
            raise MalformedMessage("BAD_FORMAT", f"HandKey不是{self.hand_key_encoding}编码") from None

    # -- internals ------------------------------------------------------------------------------------------------
    def _our_tx(self, theirs: str) -> str:
        for ours, their_code in self.tx_codes.items():
            if their_code == theirs:
                return ours
        return theirs

    def _names(self, tx: str) -> dict[str, str]:
        return {**self.fields.get("*", {}), **self.fields.get(tx, {})}

    def _code_out(self, name: str, value: str) -> str:
        dialect = self.codes.get(name)
        return dialect.ours_to_theirs.get(value, value) if dialect else value

    def _code_in(self, name: str, value: str) -> str:
        dialect = self.codes.get(name)
        if dialect is None:
            return value
        return next((ours for ours, theirs in dialect.ours_to_theirs.items() if theirs == value), value)


OURS = BankProfile()


@lru_cache(maxsize=32)
def _bundled(name: str) -> BankProfile:
    import yaml

    path = PROFILES / f"{name}.yaml"
    if not path.is_file():
        raise ValueError(f"no bank profile {name!r} (bundled: {sorted(p.stem for p in PROFILES.glob('*.yaml'))})")
    return BankProfile.from_dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_profile(spec: str | Mapping[str, Any] | None) -> BankProfile:
    """A link's profile from its configuration: absent (ours), a bundled name, a YAML file's path, or inline."""
    if spec is None or spec == "" or spec == "ours":
        return OURS
    if isinstance(spec, Mapping):
        return BankProfile.from_dict(spec)
    if spec.endswith((".yaml", ".yml")):
        import yaml

        return BankProfile.from_dict(yaml.safe_load(Path(spec).read_text(encoding="utf-8")))
    return _bundled(spec)
