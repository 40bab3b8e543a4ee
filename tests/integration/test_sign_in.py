"""Signing in as an OAuth 2 client would (RFC 6749 form-encoded requests), renewing a short-lived staff token with
its refresh token, and a sign-out (RFC 7009 revocation) that the platform honours within its revocation list's age —
against the identity sandbox and the running platform."""

from __future__ import annotations

import time

import httpx
import pytest


def token_request(platform, **form: str) -> httpx.Response:
    return httpx.post(f"{platform.identity_url}/oauth/token", data=form, timeout=10)  # form-encoded


def test_a_form_encoded_sign_in_refresh_and_sign_out(platform, http):
    signed_in = token_request(platform, grant_type="password", username="finance01", password="demo-finance01")
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.headers["Cache-Control"] == "no-store"
    tokens = signed_in.json()
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900 and tokens["refresh_token"]
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert http.get("/settlement/instructions", params={"org": "360600", "day": "2026-11-30"},
                    headers=bearer).status_code == 200

    renewed = token_request(platform, grant_type="refresh_token", refresh_token=tokens["refresh_token"]).json()
    assert renewed["access_token"] != tokens["access_token"] and renewed["refresh_token"] != tokens["refresh_token"]
    reused = token_request(platform, grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")  # rotated: once only

    # Sign-out: the refresh token ends the session, and both access tokens of it stop working at the platform.
    assert httpx.post(f"{platform.identity_url}/oauth/revoke", data={"token": renewed["refresh_token"]},
                      timeout=10).status_code == 200
    for access in (tokens["access_token"], renewed["access_token"]):
        deadline = time.monotonic() + 10
        while True:
            answer = http.get("/settlement/instructions", params={"org": "360600", "day": "2026-11-30"},
                              headers={"Authorization": f"Bearer {access}"})
            if answer.status_code == 401 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert (answer.status_code, answer.json()["code"]) == (401, "TOKEN_REVOKED")
    after = token_request(platform, grant_type="refresh_token", refresh_token=renewed["refresh_token"])
    assert after.status_code == 400


@pytest.mark.parametrize("form, error", [
    ({"grant_type": "password", "username": "finance01", "password": "wrong"}, "invalid_grant"),
    ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
    ({"grant_type": "refresh_token", "refresh_token": "never-issued"}, "invalid_grant"),
])
def test_oauth_errors_are_as_rfc_6749_has_them(platform, form, error):
    answer = token_request(platform, **form)
    assert (answer.status_code, answer.json()["error"]) == (400, error)
