"""The identity sandbox's browser sign-in (authorization code with PKCE) over HTTP, as a front end uses it."""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.test import Client

from hpf.sandbox.identity import IdentitySandbox, SandboxUser
from hpf.sandbox.identity_browser import BrowserClient

REDIRECT = "http://127.0.0.1:8080/app/"
VERIFIER = "k" * 43 + "-verifier"


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.fixture
def identity() -> IdentitySandbox:
    sandbox = IdentitySandbox()
    sandbox.add_user(SandboxUser("depositor01", "demo-depositor01", "depositor", ["depositor"], "李华",
                                 id_number="360602199001011237", default_channel="app"))
    sandbox.browser.register(BrowserClient("hpf-app", "鹰潭住房公积金手机APP", (REDIRECT,), "app"))
    return sandbox


def authorize(client: Client, **overrides: str):
    params = {"response_type": "code", "client_id": "hpf-app", "redirect_uri": REDIRECT, "state": "s1",
              "code_challenge": challenge(VERIFIER), "code_challenge_method": "S256", **overrides}
    return params, client.get("/oauth/authorize", query_string=params)


def signed_in_code(client: Client) -> str:
    params, page = authorize(client)
    assert page.status_code == 200 and "统一身份认证" in page.text and 'name="password"' in page.text
    answer = client.post("/oauth/authorize", data={**params, "username": "depositor01", "password": "demo-depositor01"})
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def redeem(client: Client, code: str, verifier: str = VERIFIER, origin: str = "http://127.0.0.1:8080"):
    return client.post("/oauth/token", headers={"Origin": origin}, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "client_id": "hpf-app",
        "code_verifier": verifier})


def test_a_code_with_its_verifier_gives_tokens_once_and_the_channel_is_the_clients(identity):
    import jwt

    client = Client(identity)
    code = signed_in_code(client)
    tokens = redeem(client, code)
    assert tokens.status_code == 200 and tokens.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8080"
    claims = jwt.decode(tokens.json["access_token"], options={"verify_signature": False})
    assert (claims["sub"], claims["channel"], claims["roles"]) == ("depositor01", "app", ["depositor"])
    again = redeem(client, code)
    assert (again.status_code, again.json["error"]) == (400, "invalid_grant")  # a code works once


def test_a_wrong_verifier_a_wrong_password_and_strangers_are_refused(identity):
    client = Client(identity)
    assert redeem(client, signed_in_code(client), verifier="x" * 50).json["error"] == "invalid_grant"
    client = Client(identity)  # another browser, not signed in
    params, _ = authorize(client)
    wrong = client.post("/oauth/authorize", data={**params, "username": "depositor01", "password": "nope"})
    assert wrong.status_code == 200 and "用户名或密码错误" in wrong.text
    # an unregistered redirect address gets a page, never a redirect carrying a code
    _, stranger = authorize(Client(identity), redirect_uri="https://evil.example/app/")
    assert stranger.status_code == 400 and "Location" not in stranger.headers
    # PKCE is required
    _, plain = authorize(Client(identity), code_challenge_method="plain")
    assert "error=invalid_request" in plain.headers["Location"]
    # the token endpoint answers only the registered front ends' origins
    client = Client(identity)
    other = redeem(client, signed_in_code(client), origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_signed_in_browser_comes_back_at_once_until_it_signs_out(identity):
    client = Client(identity)
    redeem(client, signed_in_code(client))
    _, silent = authorize(client)  # a reload of the page: the identity system's session answers
    assert silent.status_code == 302 and re.search(r"[?&]code=", silent.headers["Location"])
    out = client.get("/oauth/logout", query_string={"post_logout_redirect_uri": REDIRECT})
    assert out.status_code == 302 and out.headers["Location"] == REDIRECT
    _, after = authorize(client)
    assert after.status_code == 200 and 'name="password"' in after.text
