"""Sandbox of the Jiangxi unified identity authentication (江西省统一身份认证).

It speaks a small OAuth2-like interface (our assumption of the provincial system's shape; the official one is
not public — docs/interfaces/identity.md):

- ``GET  /.well-known/jwks.json``          the public keys tokens are signed with
- ``POST /oauth/token``                    ``{"grant_type":"password","username","password","channel"}`` → token
- ``POST /admin/users``                    register a user (sandbox administration, needs the admin key)
- ``POST /admin/faults``                   inject faults: ``{"unavailable": true}``, ``{"delay_ms": 500}``,
                                           ``{"expired_tokens": true}`` (issue tokens already expired)
- ``POST /oauth/revoke``                   ``{"jti"}`` — recorded; ``GET /oauth/revoked`` lists revocations

State (users, issued token ids, revocations, faults) lives in memory for the life of the process.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from werkzeug.wrappers import Request, Response

from hpf.identity.roles import Channel, Role
from hpf.identity.tokens import AUDIENCE

ISSUER = "https://sandbox.jxzwfw.local/identity"
KINDS = {"staff", "depositor", "unit_agent", "developer", "terminal", "partner"}


@dataclass
class SandboxUser:
    username: str
    password: str
    kind: str
    roles: list[str]
    name: str
    org: str | None = None
    id_number: str | None = None
    unit_account: str | None = None
    default_channel: str = Channel.WEB.value

    def validate(self) -> list[str]:
        problems = []
        if self.kind not in KINDS:
            problems.append(f"kind must be one of {sorted(KINDS)}")
        for role in self.roles:
            if role not in {r.value for r in Role}:
                problems.append(f"unknown role {role}")
        if not self.roles:
            problems.append("at least one role")
        if self.kind in {"staff", "terminal"} and not self.org:
            problems.append("staff and terminals need an org")
        if self.kind == "depositor" and not self.id_number:
            problems.append("depositors need an id_number")
        if self.kind == "unit_agent" and not self.unit_account:
            problems.append("unit agents need a unit_account")
        return problems


@dataclass
class TokenIssuer:
    """Holds the signing key; issues ES256 tokens."""

    issuer: str = ISSUER
    lifetime_seconds: int = 8 * 3600
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    kid: str = field(default_factory=lambda: "sandbox-" + secrets.token_hex(4))

    def jwks(self) -> dict[str, Any]:
        import jwt

        public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))
        public.update({"kid": self.kid, "use": "sig", "alg": "ES256"})
        return {"keys": [public]}

    def issue(self, user: SandboxUser, channel: str, *, expired: bool = False) -> tuple[str, dict[str, Any]]:
        import jwt

        now = int(time.time())
        if expired:
            now -= self.lifetime_seconds + 3600
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": user.username,
            "iat": now,
            "exp": now + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
            "kind": user.kind,
            "roles": user.roles,
            "name": user.name,
            "channel": channel,
        }
        for optional in ("org", "id_number", "unit_account"):
            value = getattr(user, optional)
            if value:
                claims[optional] = value
        token = jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": self.kid})
        return token, claims


class IdentitySandbox:
    def __init__(self, issuer: TokenIssuer | None = None, admin_key: str | None = None):
        self.issuer = issuer or TokenIssuer()
        self.admin_key = admin_key or secrets.token_urlsafe(16)
        self.users: dict[str, SandboxUser] = {}
        self.issued: list[dict[str, Any]] = []
        self.revoked: set[str] = set()
        self.faults: dict[str, Any] = {}
        self._lock = threading.Lock()

    # -- state -------------------------------------------------------------------------------------------
    def add_user(self, user: SandboxUser) -> None:
        problems = user.validate()
        if problems:
            raise ValueError("; ".join(problems))
        with self._lock:
            self.users[user.username] = user

    def token_for(self, username: str, channel: str | None = None) -> str:
        user = self.users[username]
        token, claims = self.issuer.issue(user, channel or user.default_channel,
                                          expired=bool(self.faults.get("expired_tokens")))
        with self._lock:
            self.issued.append({"jti": claims["jti"], "sub": claims["sub"], "iat": claims["iat"]})
        return token

    # -- HTTP --------------------------------------------------------------------------------------------
    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        delay = self.faults.get("delay_ms")
        if delay:
            time.sleep(int(delay) / 1000)
        path, method = request.path, request.method
        if path.startswith("/admin/"):
            if request.headers.get("X-Admin-Key") != self.admin_key:
                return _json({"error": "forbidden", "error_description": "admin key required"}, 403)
            if path == "/admin/users" and method == "POST":
                return self._admin_add_user(request)
            if path == "/admin/faults" and method == "POST":
                body = _body(request)
                if not isinstance(body, dict):
                    return _json({"error": "invalid_request"}, 400)
                self.faults = {k: v for k, v in body.items() if v}
                return _json({"faults": self.faults})
            return _json({"error": "not_found"}, 404)
        if self.faults.get("unavailable"):
            return _json({"error": "temporarily_unavailable"}, 503)
        if path == "/.well-known/jwks.json" and method == "GET":
            return _json(self.issuer.jwks())
        if path == "/oauth/token" and method == "POST":
            return self._token(request)
        if path == "/oauth/revoke" and method == "POST":
            body = _body(request)
            if not isinstance(body, dict) or not isinstance(body.get("jti"), str):
                return _json({"error": "invalid_request", "error_description": "jti required"}, 400)
            self.revoked.add(body["jti"])
            return _json({"revoked": body["jti"]})
        if path == "/oauth/revoked" and method == "GET":
            return _json({"revoked": sorted(self.revoked)})
        return _json({"error": "not_found"}, 404)

    def _token(self, request: Request) -> Response:
        body = _body(request)
        if not isinstance(body, dict) or body.get("grant_type") != "password":
            return _json({"error": "unsupported_grant_type"}, 400)
        user = self.users.get(str(body.get("username", "")))
        if user is None or not secrets.compare_digest(user.password, str(body.get("password", ""))):
            return _json({"error": "invalid_grant", "error_description": "用户名或密码错误"}, 401)
        channel = body.get("channel") or user.default_channel
        if channel not in {c.value for c in Channel}:
            return _json({"error": "invalid_request", "error_description": "unknown channel"}, 400)
        token = self.token_for(user.username, channel)
        return _json({"access_token": token, "token_type": "Bearer",
                      "expires_in": self.issuer.lifetime_seconds})

    def _admin_add_user(self, request: Request) -> Response:
        body = _body(request)
        try:
            user = SandboxUser(**body) if isinstance(body, dict) else None
            if user is None:
                raise TypeError("object expected")
            self.add_user(user)
        except (TypeError, ValueError) as exc:
            return _json({"error": "invalid_request", "error_description": str(exc)}, 400)
        return _json({"username": user.username}, 201)


def _body(request: Request) -> Any:
    try:
        return json.loads(request.get_data() or b"null")
    except json.JSONDecodeError:
        return None


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")
