"""Verification of compact ES256 JWS tokens with ``cryptography`` alone.

Why not PyJWT here: importing it pulls in x509 and SSH key parsing (~100 ms), paid on every cold start of
every function, for a check that needs one curve and one hash. The sandbox issues its tokens with PyJWT, so
the tests cross-check two independent implementations. Only ES256 is accepted: a token naming any other
algorithm ("none", HS256 with the public key as secret…) is refused before any key is used.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


class TokenRejected(Exception):
    """``reason`` is one of: malformed, algorithm, unknown_key, signature, expired, claims."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def public_key_from_jwk(jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError(f"key {jwk.get('kid')} is not an EC P-256 key")
    x = int.from_bytes(_b64url(jwk["x"]), "big")
    y = int.from_bytes(_b64url(jwk["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def unverified_header(token: str) -> dict[str, Any]:
    try:
        header = json.loads(_b64url(token.split(".", 1)[0]))
    except (ValueError, IndexError) as exc:
        raise TokenRejected("malformed") from exc
    if not isinstance(header, dict):
        raise TokenRejected("malformed")
    return header


def verify_es256(token: str, keys: dict[str, ec.EllipticCurvePublicKey], *, issuer: str, audience: str,
                 leeway: int = 30, now: float | None = None) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenRejected("malformed")
    header = unverified_header(token)
    if header.get("alg") != "ES256":
        raise TokenRejected("algorithm", str(header.get("alg")))
    key = keys.get(str(header.get("kid", "")))
    if key is None:
        raise TokenRejected("unknown_key", str(header.get("kid")))
    try:
        signature = _b64url(parts[2])
        claims = json.loads(_b64url(parts[1]))
    except ValueError as exc:
        raise TokenRejected("malformed") from exc
    if len(signature) != 64 or not isinstance(claims, dict):
        raise TokenRejected("malformed")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise TokenRejected("signature") from exc
    _check_claims(claims, issuer, audience, leeway, time.time() if now is None else now)
    return claims


def _check_claims(claims: dict[str, Any], issuer: str, audience: str, leeway: int, now: float) -> None:
    for required in ("exp", "iat", "sub", "iss", "aud", "jti"):
        if required not in claims:
            raise TokenRejected("claims", f"{required} missing")
    if not isinstance(claims["exp"], (int, float)) or not isinstance(claims["iat"], (int, float)):
        raise TokenRejected("claims", "exp/iat not numeric")
    if now > claims["exp"] + leeway:
        raise TokenRejected("expired")
    if claims["iat"] > now + leeway or ("nbf" in claims and claims["nbf"] > now + leeway):
        raise TokenRejected("claims", "not valid yet")
    if claims["iss"] != issuer:
        raise TokenRejected("claims", "issuer")
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if audience not in audiences:
        raise TokenRejected("claims", "audience")
