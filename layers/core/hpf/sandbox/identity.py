"""Sandbox of the Jiangxi unified identity authentication (江西省统一身份认证).

It speaks OAuth 2 as RFC 6749 has it (our assumption of the provincial system's shape; the official one is not
public — docs/interfaces/identity.md):

- ``GET  /.well-known/jwks.json``          the public keys tokens are signed with
- ``POST /oauth/token``                    form-encoded (RFC 6749 §4.3, §6; JSON accepted too):
                                           ``grant_type=password&username=…&password=…[&channel=…]`` or
                                           ``grant_type=refresh_token&refresh_token=…`` → an access token and a
                                           refresh token (rotated at each use). Staff access tokens live 15 minutes,
                                           others 8 hours; a refresh token 8 hours (a working day's sign-in).
- ``GET|POST /oauth/authorize``, ``GET /oauth/logout``  the browser sign-in (authorization code with PKCE,
                                           ``identity_browser``); the code is redeemed at ``/oauth/token`` with
                                           ``grant_type=authorization_code`` (RFC 6749 §4.1.3, RFC 7636 §4.5)
- ``POST /oauth/revoke``                   RFC 7009 ``token=<access or refresh token>`` (sign-out: a refresh token
                                           ends its whole session); ``{"jti"}`` as JSON for administrators
- ``GET  /oauth/revoked``                  the revocation list the platform polls (token ids)
- ``POST /admin/users``                    register a user (sandbox administration, needs the admin key)
- ``POST /admin/faults``                   inject faults: ``{"unavailable": true}``, ``{"delay_ms": 500}``,
                                           ``{"expired_tokens": true}`` (issue tokens already expired)

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
from hpf.sandbox.identity_browser import BrowserSignIn, cors

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
    credit_code: str | None = None  # developers: the legal person's unified social credit code
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
        if self.kind == "developer" and not self.credit_code:
            problems.append("developers need a credit_code")
        return problems


@dataclass
class TokenIssuer:
    """Holds the signing key; issues ES256 tokens."""

    issuer: str = ISSUER
    lifetime_seconds: int = 8 * 3600  # depositors, agents, developers, terminals, partners
    staff_lifetime_seconds: int = 15 * 60  # staff: short-lived, renewed with the refresh token

    def lifetime_of(self, user: SandboxUser) -> int:
        return self.staff_lifetime_seconds if user.kind == "staff" else self.lifetime_seconds
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
        lifetime = self.lifetime_of(user)
        if expired:
            now -= lifetime + 3600
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": user.username,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "kind": user.kind,
            "roles": user.roles,
            "name": user.name,
            "channel": channel,
        }
        for optional in ("org", "id_number", "unit_account", "credit_code"):
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
        self.refresh_tokens: dict[str, Session] = {}  # a refresh token → its sign-in session
        self.refresh_lifetime_seconds = 8 * 3600
        self.faults: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.browser = BrowserSignIn(self._password_is_right, self.sign_in)

    # -- state -------------------------------------------------------------------------------------------
    def add_user(self, user: SandboxUser) -> None:
        problems = user.validate()
        if problems:
            raise ValueError("; ".join(problems))
        with self._lock:
            self.users[user.username] = user

    def token_for(self, username: str, channel: str | None = None, session: Session | None = None) -> str:
        user = self.users[username]
        token, claims = self.issuer.issue(user, channel or user.default_channel,
                                          expired=bool(self.faults.get("expired_tokens")))
        with self._lock:
            self.issued.append({"jti": claims["jti"], "sub": claims["sub"], "iat": claims["iat"]})
            if session is not None:
                session.access_ids.append(claims["jti"])
        return token

    def sign_in(self, username: str, channel: str | None = None) -> tuple[str, str]:
        """A sign-in: an access token and the refresh token of a new session."""
        user = self.users[username]
        session = Session(user.username, channel or user.default_channel,
                          time.time() + self.refresh_lifetime_seconds)
        return self.token_for(user.username, session.channel, session), self._new_refresh(session)

    def _password_is_right(self, username: str, password: str) -> bool:
        user = self.users.get(username)
        return user is not None and secrets.compare_digest(user.password.encode(), password.encode())

    def revoke(self, token: str) -> None:
        """RFC 7009: an access token's id goes on the revocation list; a refresh token ends its session — it and
        every access token issued in it."""
        with self._lock:
            session = self.refresh_tokens.pop(token, None)
            if session is not None:
                self.revoked.update(session.access_ids)
                return
        import jwt

        try:
            jti = jwt.decode(token, options={"verify_signature": False}).get("jti")
        except jwt.PyJWTError:
            return  # RFC 7009 §2.2: an invalid token is not an error
        if isinstance(jti, str):
            with self._lock:
                self.revoked.add(jti)

    def _new_refresh(self, session: Session) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self.refresh_tokens[token] = session
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
        if path == "/oauth/authorize" and method in {"GET", "POST"}:
            return self.browser.authorize(request)
        if path == "/oauth/logout" and method == "GET":
            return self.browser.logout(request)
        origin = self.browser.allowed_origin(request.headers.get("Origin"))
        if path in {"/oauth/token", "/oauth/revoke"} and method == "OPTIONS":
            return cors(Response(status=204), origin)  # a front end's preflight
        if path == "/oauth/token" and method == "POST":
            return cors(self._token(request), origin)
        if path == "/oauth/revoke" and method == "POST":
            body = _params(request)
            if isinstance(body, dict) and isinstance(body.get("token"), str):
                self.revoke(body["token"])
                return cors(Response(status=200), origin)  # RFC 7009 §2.2: 200 whether or not the token was known
            if not isinstance(body, dict) or not isinstance(body.get("jti"), str):
                return _json({"error": "invalid_request", "error_description": "token required"}, 400)
            with self._lock:
                self.revoked.add(body["jti"])
            return _json({"revoked": body["jti"]})
        if path == "/oauth/revoked" and method == "GET":
            return _json({"revoked": sorted(self.revoked)})
        return _json({"error": "not_found"}, 404)

    def _token(self, request: Request) -> Response:
        body = _params(request)
        if not isinstance(body, dict):
            return _oauth_error("invalid_request", "表单或JSON请求体", 400)
        grant = body.get("grant_type")
        if grant == "refresh_token":
            return self._refresh(str(body.get("refresh_token", "")))
        if grant == "authorization_code":
            redeemed = self.browser.redeem({k: str(v) for k, v in body.items()})
            if isinstance(redeemed, str):
                return _oauth_error(redeemed, "授权码无效、已使用或已过期，或校验码不符，请重新登录", 400)
            username, access, refresh = redeemed
            return self._tokens(self.users[username], access, refresh)
        if grant != "password":
            return _oauth_error("unsupported_grant_type", "支持 authorization_code、password 与 refresh_token", 400)
        user = self.users.get(str(body.get("username", "")))
        if user is None or not self._password_is_right(user.username, str(body.get("password", ""))):
            return _oauth_error("invalid_grant", "用户名或密码错误", 400)  # RFC 6749 §5.2: 400, not 401
        channel = body.get("channel") or user.default_channel
        if channel not in {c.value for c in Channel}:
            return _oauth_error("invalid_request", "unknown channel", 400)
        access, refresh = self.sign_in(user.username, channel)
        return self._tokens(user, access, refresh)

    def _refresh(self, refresh_token: str) -> Response:
        with self._lock:
            session = self.refresh_tokens.pop(refresh_token, None)  # rotated: each refresh token works once
        if session is None or session.expires_at < time.time() or session.username not in self.users:
            return _oauth_error("invalid_grant", "刷新令牌无效或已过期，请重新登录", 400)
        user = self.users[session.username]
        return self._tokens(user, self.token_for(user.username, session.channel, session), self._new_refresh(session))

    def _tokens(self, user: SandboxUser, access: str, refresh: str) -> Response:
        response = _json({"access_token": access, "token_type": "Bearer", "refresh_token": refresh,
                          "expires_in": self.issuer.lifetime_of(user)})
        response.headers["Cache-Control"] = "no-store"  # RFC 6749 §5.1
        response.headers["Pragma"] = "no-cache"
        return response

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


@dataclass
class Session:
    """One sign-in: whose, from where, until when, and the access tokens issued in it (revoked with it)."""

    username: str
    channel: str
    expires_at: float
    access_ids: list[str] = field(default_factory=list)


def _params(request: Request) -> Any:
    """An OAuth request's parameters: form-encoded as RFC 6749 has them, or JSON."""
    if request.mimetype == "application/x-www-form-urlencoded":
        return {k: v for k, v in request.form.items()}
    return _body(request)


def _oauth_error(error: str, description: str, status: int) -> Response:
    response = _json({"error": error, "error_description": description}, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _body(request: Request) -> Any:
    try:
        return json.loads(request.get_data() or b"null")
    except json.JSONDecodeError:
        return None


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json")
