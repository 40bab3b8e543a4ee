"""Verifying the tokens of the Jiangxi unified identity authentication (江西省统一身份认证).

Tokens are ES256 JWTs. The verifier trusts the keys of a JWKS document: in the cloud it is read from the
parameter store (the identity system's published keys, rotated there by operators), locally from the identity
sandbox. Verification is offline — no call to the identity system per request.
"""

from __future__ import annotations

import json
from typing import Any

from hpf.common.errors import Unauthenticated
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role

AUDIENCE = "hpf-platform"
ALGORITHMS = ["ES256"]


class TokenVerifier:
    def __init__(self, jwks: dict[str, Any], issuer: str, *, leeway_seconds: int = 30):
        import jwt  # PyJWT; imported here so modules that only name the verifier stay light

        self._jwt = jwt
        self._issuer = issuer
        self._leeway = leeway_seconds
        self._keys = {
            key["kid"]: jwt.PyJWK.from_dict(key, algorithm="ES256").key for key in jwks.get("keys", [])
        }
        if not self._keys:
            raise ValueError("the JWKS holds no keys")

    @classmethod
    def from_json(cls, jwks_json: str, issuer: str) -> "TokenVerifier":
        return cls(json.loads(jwks_json), issuer)

    def verify(self, token: str) -> Principal:
        jwt = self._jwt
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(header.get("kid", ""))
            if key is None:
                raise Unauthenticated("登录凭证的签名密钥未知", code="TOKEN_KEY_UNKNOWN")
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=AUDIENCE,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("登录已过期，请重新登录", code="TOKEN_EXPIRED") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated("登录凭证无效", code="TOKEN_INVALID") from exc
        return principal_from_claims(claims)


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
        channel=channel,
        token_id=claims["jti"],
    )
