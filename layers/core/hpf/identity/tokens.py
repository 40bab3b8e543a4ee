"""Verifying the tokens of the Jiangxi unified identity authentication (江西省统一身份认证).

Tokens are ES256 JWTs. The verifier trusts the keys of a JWKS document: in the cloud it is read from the
parameter store (the identity system's published keys, rotated there by operators), locally from the identity
sandbox. Verification is offline — no call to the identity system per request.

Revocation reaches the platform through the identity system's revocation list (token ids), fetched at most every
``revocation_max_age`` seconds per warm function: a token signed out or withdrawn stops working within that time
(30 s), not at its expiry. Staff tokens are short-lived (15 minutes) and renewed with a refresh token, so even a
revocation list that cannot be fetched — the last one is kept, and fetching is tried again shortly; requests are
not refused for it — leaves a withdrawn staff token usable for minutes, not a working day.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any

from hpf.common.errors import Unauthenticated
from hpf.identity.jws import TokenRejected, public_key_from_jwk, unverified_header, verify_es256
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role

AUDIENCE = "hpf-platform"


class TokenVerifier:
    """Verifies tokens against the identity system's public keys.

    The keys come with the deployment (``HPF_IDENTITY_JWKS``) so a cold start verifies without any call. A
    token signed with a key it does not know makes it ask ``refresh_keys`` (the parameter store) once per
    ``refresh_interval`` — that is how a key rotated by operators is picked up without a deployment.
    """

    def __init__(self, jwks: dict[str, Any], issuer: str, *, leeway_seconds: int = 30,
                 refresh_keys: Callable[[], dict[str, Any]] | None = None, refresh_interval: float = 60.0,
                 revoked_tokens: Callable[[], Collection[str]] | None = None, revocation_max_age: float = 30.0,
                 monotonic: Callable[[], float] = time.monotonic):
        self._revoked_tokens = revoked_tokens
        self._revocation_max_age = revocation_max_age
        self._monotonic = monotonic
        self._revoked: frozenset[str] = frozenset()
        self._revoked_at: float | None = None
        self._issuer = issuer
        self._leeway = leeway_seconds
        self._refresh_keys = refresh_keys
        self._refresh_interval = refresh_interval
        self._refreshed_at: float | None = None
        self._keys = _keys_of(jwks)
        if not self._keys and refresh_keys is None:
            raise ValueError("the JWKS holds no keys and there is nowhere to refresh them from")

    def verify(self, token: str) -> Principal:
        try:
            if unverified_header(token).get("kid") not in self._keys:
                self._maybe_refresh()
            claims = verify_es256(token, self._keys, issuer=self._issuer, audience=AUDIENCE, leeway=self._leeway)
        except TokenRejected as rejected:
            if rejected.reason == "expired":
                raise Unauthenticated("登录已过期，请重新登录", code="TOKEN_EXPIRED") from None
            if rejected.reason == "unknown_key":
                raise Unauthenticated("登录凭证的签名密钥未知", code="TOKEN_KEY_UNKNOWN") from None
            raise Unauthenticated("登录凭证无效", code="TOKEN_INVALID") from None
        if claims.get("jti") in self._revocations():
            raise Unauthenticated("登录已注销或已被停用，请重新登录", code="TOKEN_REVOKED")
        return principal_from_claims(claims)

    def _revocations(self) -> frozenset[str]:
        if self._revoked_tokens is None:
            return self._revoked
        now = self._monotonic()
        if self._revoked_at is None or now - self._revoked_at >= self._revocation_max_age:
            try:
                self._revoked = frozenset(self._revoked_tokens())
                self._revoked_at = now
            except Exception:  # the identity system unreachable: keep the last list, ask again in 5 s
                self._revoked_at = now - self._revocation_max_age + 5.0
                from hpf.observability.logging import get_logger

                get_logger("hpf-identity").warning("revocation list not fetched; the last one stays in force")
        return self._revoked

    def _maybe_refresh(self) -> None:
        if self._refresh_keys is None:
            return
        if self._refreshed_at is not None and time.monotonic() - self._refreshed_at < self._refresh_interval:
            return
        self._refreshed_at = time.monotonic()
        self._keys = {**self._keys, **_keys_of(self._refresh_keys())}


def _keys_of(jwks: dict[str, Any]) -> dict[str, Any]:
    return {key["kid"]: public_key_from_jwk(key) for key in jwks.get("keys", [])}


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    try:
        roles = frozenset(Role(r) for r in claims.get("roles", []))
        channel = Channel(claims.get("channel", Channel.SYSTEM))
    except ValueError as exc:
        raise Unauthenticated("登录凭证中的角色或渠道无效", code="TOKEN_INVALID") from exc
    return Principal(
        subject=claims["sub"],
        kind=claims.get("kind", ""),
        roles=roles,
        name=claims.get("name", ""),
        org=claims.get("org"),
        id_number=claims.get("id_number"),
        unit_account=claims.get("unit_account"),
        credit_code=claims.get("credit_code"),
        channel=channel,
        token_id=claims["jti"],
    )
