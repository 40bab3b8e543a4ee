"""The identity sandbox's browser sign-in: OAuth 2 authorization code with PKCE (RFC 6749 §4.1, RFC 7636), the
way the provincial unified identity system signs people in to a web page (our assumption of its shape).

- ``GET  /oauth/authorize``   the sign-in page (统一身份认证登录), or straight back with a code when the browser
                              already has a sign-in session here (a reload of the front end signs in silently)
- ``POST /oauth/authorize``   the page's form: right password → 302 to the client's redirect URI with ``code`` and
                              ``state``; wrong → the page again with the reason
- ``GET  /oauth/logout``      ends the browser's sign-in session and returns to a registered address

The code works once, for 60 s, only with the verifier whose S256 challenge came with it, for the same client and
redirect URI (``redeem``). Clients are registered with their redirect URIs and the channel they sign people in
from; an unregistered client or redirect URI gets an error page, never a redirect (RFC 6749 §4.1.2.1). The
token and revocation endpoints answer the registered front ends' origins (CORS), since a page calls them.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Request, Response

CODE_LIFETIME_SECONDS = 60
SESSION_COOKIE = "jxsfrz_session"


@dataclass(frozen=True)
class BrowserClient:
    client_id: str
    name: str  # shown on the sign-in page: 住房公积金业务系统（柜台） …
    redirect_uris: tuple[str, ...]
    channel: str

    @property
    def origins(self) -> set[str]:
        return {_origin(uri) for uri in self.redirect_uris}


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    username: str
    expires_at: float


class BrowserSignIn:
    def __init__(self, check_password: Any, sign_in: Any):
        """``check_password(username, password) -> bool``; ``sign_in(username, channel) -> (access, refresh)``."""
        self._check_password, self._sign_in = check_password, sign_in
        self.clients: dict[str, BrowserClient] = {}
        self._codes: dict[str, _Code] = {}
        self._sessions: dict[str, str] = {}  # browser session id → username
        self._lock = threading.Lock()

    def register(self, client: BrowserClient) -> None:
        with self._lock:
            self.clients[client.client_id] = client

    def allowed_origin(self, origin: str | None) -> str | None:
        return origin if origin and any(origin in c.origins for c in self.clients.values()) else None

    # -- the authorization endpoint ----------------------------------------------------------------------
    def authorize(self, request: Request) -> Response:
        params = request.form if request.method == "POST" else request.args
        client = self.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if client is None or redirect_uri not in client.redirect_uris:
            return _page("无法登录", "<p>登录请求来自未登记的应用或回调地址，请从住房公积金中心的正式入口进入。</p>", 400)
        state = params.get("state", "")
        challenge, method = params.get("code_challenge", ""), params.get("code_challenge_method", "")
        if params.get("response_type") != "code":
            return _redirect(redirect_uri, error="unsupported_response_type", state=state)
        if method != "S256" or not 43 <= len(challenge) <= 128:
            return _redirect(redirect_uri, error="invalid_request", state=state,
                             error_description="PKCE (S256) is required")
        if request.method == "GET":
            with self._lock:
                username = self._sessions.get(request.cookies.get(SESSION_COOKIE, ""))
            if username is not None:
                return _redirect(redirect_uri, code=self._new_code(client, redirect_uri, challenge, username),
                                 state=state)
            return _sign_in_page(client, params, "")
        username, password = params.get("username", ""), params.get("password", "")
        if not self._check_password(username, password):
            return _sign_in_page(client, params, "用户名或密码错误")
        session = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[session] = username
        response = _redirect(redirect_uri, code=self._new_code(client, redirect_uri, challenge, username), state=state)
        response.set_cookie(SESSION_COOKIE, session, httponly=True, samesite="Lax", path="/oauth")
        return response

    def logout(self, request: Request) -> Response:
        target = request.args.get("post_logout_redirect_uri", "")
        with self._lock:
            self._sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
            registered = any(target in c.redirect_uris for c in self.clients.values())
        response = (Response(status=302, headers={"Location": target}) if registered
                    else _page("已退出", "<p>您已退出统一身份认证。</p>", 200))
        response.delete_cookie(SESSION_COOKIE, path="/oauth")
        return response

    # -- the token endpoint's authorization_code grant ---------------------------------------------------------
    def redeem(self, params: dict[str, str]) -> tuple[str, str, str] | str:
        """The code's (username, channel) and its tokens — or the RFC 6749 §5.2 error code."""
        with self._lock:
            code = self._codes.pop(params.get("code", ""), None)  # used once, whatever happens next
        if code is None or code.expires_at < time.time():
            return "invalid_grant"
        if params.get("client_id") != code.client_id or params.get("redirect_uri") != code.redirect_uri:
            return "invalid_grant"
        verifier = params.get("code_verifier", "")
        if not 43 <= len(verifier) <= 128 or _s256(verifier) != code.challenge:
            return "invalid_grant"
        channel = self.clients[code.client_id].channel
        access, refresh = self._sign_in(code.username, channel)
        return code.username, access, refresh

    def _new_code(self, client: BrowserClient, redirect_uri: str, challenge: str, username: str) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._codes = {k: v for k, v in self._codes.items() if v.expires_at > now}
            self._codes[code] = _Code(client.client_id, redirect_uri, challenge, username,
                                      now + CODE_LIFETIME_SECONDS)
        return code


def cors(response: Response, origin: str | None) -> Response:
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Vary"] = "Origin"
    return response


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def _redirect(redirect_uri: str, **query: str) -> Response:
    separator = "&" if "?" in redirect_uri else "?"
    return Response(status=302, headers={"Location": redirect_uri + separator + urlencode(
        {k: v for k, v in query.items() if v})})


def _sign_in_page(client: BrowserClient, params: Any, error: str) -> Response:
    hidden = "".join(f'<input type="hidden" name="{name}" value="{html.escape(params.get(name, ""))}">'
                     for name in ("response_type", "client_id", "redirect_uri", "state", "code_challenge",
                                  "code_challenge_method", "scope"))
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    body = f"""<p>登录到：{html.escape(client.name)}</p>{message}
<form method="post" action="/oauth/authorize">{hidden}
<label for="username">用户名</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">密码</label><input id="password" name="password" type="password" autocomplete="current-password"
 required>
<button type="submit">登录</button></form>"""
    return _page("江西省统一身份认证（沙箱）", body, 200)


def _page(title: str, body: str, status: int) -> Response:
    document = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;max-width:360px;margin:10vh auto;padding:0 16px}}label,input,button{{display:block;
width:100%;box-sizing:border-box}}input{{margin:4px 0 12px;padding:8px}}button{{padding:10px;background:#1f5fbf;color:#fff;
border:0}}.error{{color:#b00020}}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"""
    response = Response(document, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action *"
    return response
