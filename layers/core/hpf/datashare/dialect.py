"""An exchange gateway's dialect (dialects.yaml): how a request is signed, paged and answered. Read by the client
and by the sandbox; the signature is defined once here, from the gateway's published rule, and checked against a
vector computed outside Python (tests/unit/test_datashare_dialect.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

SIGNATURES = ("hmac-sha256-base64", "hmac-sm3-hex", "sm2-sm3")


@dataclass(frozen=True)
class Dialect:
    name: str
    path: str
    method: str
    headers: dict[str, str]  # client, timestamp, nonce, signature → the header's name
    signature: str
    timestamp_unit: str  # ms | s
    window_seconds: int
    paging: dict[str, Any]  # page, size (parameter names), first (the first page's number), max_size
    envelope: dict[str, Any]  # code, message, data, records, total (field names), ok (the codes of success)
    errors: dict[str, str]  # the gateway's code → refused | not_found | throttled | unavailable
    encryption_field: str | None = None  # SM4: the body travels as {field: Base64(IV‖SM4-CBC(JSON))}, both ways
    response_signature: str | None = None  # SM2: the header the counterpart signs its answers in

    @property
    def national(self) -> bool:
        """Signed with SM2 keys (证书管理) rather than a shared secret."""
        return self.signature == "sm2-sm3"

    @staticmethod
    def signed_message(client_id: str, timestamp: str, nonce: str, body: bytes) -> bytes:
        """What an SM2 signature covers: the caller, the time, the nonce and the SM3 of the exact body sent."""
        from hpf.datashare.gm import sm3_hex

        return f"{client_id}{timestamp}{nonce}{sm3_hex(body)}".encode()

    def sign(self, client_id: str, timestamp: str, nonce: str, secret: str) -> str:
        message = f"{client_id}{timestamp}{nonce}".encode()
        if self.signature == "hmac-sha256-base64":
            return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()
        if self.signature == "hmac-sm3-hex":
            return hmac.new(secret.encode(), message, "sm3").hexdigest()
        raise ValueError(f"unknown signature {self.signature!r}")

    def url_path(self, interface: str) -> str:
        return self.path.format(interface=interface)


@lru_cache(maxsize=1)
def dialects() -> dict[str, Dialect]:
    raw = yaml.safe_load(resources.files("hpf.datashare").joinpath("dialects.yaml").read_text(encoding="utf-8"))
    found = {}
    for name, d in raw["dialects"].items():
        if d["signature"] not in SIGNATURES:
            raise ValueError(f"{name}: signature {d['signature']!r}")
        found[name] = Dialect(name, d["path"], d["method"], dict(d["headers"]), d["signature"], d["timestamp_unit"],
                              int(d["window_seconds"]), dict(d["paging"]), dict(d["envelope"]),
                              {str(k): v for k, v in d["errors"].items()}, (d.get("encryption") or {}).get("field"),
                              d.get("response_signature"))
    return found
