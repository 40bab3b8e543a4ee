"""Token verification against the identity sandbox's keys, and masking of personal data in logs."""

from __future__ import annotations

import io
import json
import logging

import pytest

from hpf.common.errors import Unauthenticated
from hpf.identity.roles import Role
from hpf.identity.tokens import TokenVerifier
from hpf.observability.masking import mask, mask_text
from hpf.sandbox.identity import IdentitySandbox, SandboxUser, TokenIssuer


@pytest.fixture
def sandbox() -> IdentitySandbox:
    s = IdentitySandbox()
    s.add_user(SandboxUser("clerk", "pw", "staff", ["counter_clerk"], "王敏", org="360600"))
    return s


def verifier(s: IdentitySandbox) -> TokenVerifier:
    return TokenVerifier(s.issuer.jwks(), s.issuer.issuer)


def test_a_valid_token_becomes_a_principal(sandbox):
    principal = verifier(sandbox).verify(sandbox.token_for("clerk", "counter"))
    assert principal.roles == {Role.COUNTER_CLERK} and principal.org == "360600" and principal.is_staff


@pytest.mark.parametrize("mutate, code", [
    (lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"), "TOKEN_INVALID"),
    (lambda t: "not.a.token", "TOKEN_INVALID"),
])
def test_tampered_tokens_are_refused(sandbox, mutate, code):
    with pytest.raises(Unauthenticated) as error:
        verifier(sandbox).verify(mutate(sandbox.token_for("clerk")))
    assert error.value.code == code


def test_expired_tokens_and_foreign_keys_are_refused(sandbox):
    sandbox.faults = {"expired_tokens": True}
    with pytest.raises(Unauthenticated) as error:
        verifier(sandbox).verify(sandbox.token_for("clerk"))
    assert error.value.code == "TOKEN_EXPIRED"
    sandbox.faults = {}
    other = IdentitySandbox(TokenIssuer())
    other.add_user(SandboxUser("clerk", "pw", "staff", ["counter_clerk"], "x", org="360600"))
    with pytest.raises(Unauthenticated) as foreign:
        verifier(sandbox).verify(other.token_for("clerk"))
    assert foreign.value.code == "TOKEN_KEY_UNKNOWN"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_revoked_token_is_refused_once_the_list_is_asked_again(sandbox):
    """The revocation list is cached for its max age: a sign-out reaches every warm function within it."""
    clock, fetches = Clock(), []

    def revoked() -> set[str]:
        fetches.append(clock.now)
        return set(sandbox.revoked)

    checker = TokenVerifier(sandbox.issuer.jwks(), sandbox.issuer.issuer, revoked_tokens=revoked,
                            revocation_max_age=30, monotonic=clock)
    token = sandbox.token_for("clerk")
    assert checker.verify(token).subject == "clerk"
    sandbox.revoke(token)
    clock.now += 29
    assert checker.verify(token).subject == "clerk"  # within the cache's age
    clock.now += 1
    with pytest.raises(Unauthenticated) as error:
        checker.verify(token)
    assert error.value.code == "TOKEN_REVOKED" and len(fetches) == 2
    assert checker.verify(sandbox.token_for("clerk")).subject == "clerk"  # another token of the same user


def test_an_unreachable_revocation_list_keeps_the_last_one_and_is_asked_again_soon(sandbox):
    import jwt

    clock, state = Clock(), {"down": False, "calls": 0}
    token = sandbox.token_for("clerk")
    withdrawn = jwt.decode(token, options={"verify_signature": False})["jti"]

    def revoked() -> set[str]:
        state["calls"] += 1
        if state["down"]:
            raise ConnectionError("identity system unreachable")
        return {withdrawn}

    checker = TokenVerifier(sandbox.issuer.jwks(), sandbox.issuer.issuer, revoked_tokens=revoked,
                            revocation_max_age=30, monotonic=clock)
    with pytest.raises(Unauthenticated):
        checker.verify(token)
    state["down"] = True
    clock.now += 31
    with pytest.raises(Unauthenticated):  # the last list stays in force
        checker.verify(token)
    clock.now += 4
    checker.verify(sandbox.token_for("clerk"))
    assert state["calls"] == 2  # not asked again within 5 s of a failure
    clock.now += 1
    checker.verify(sandbox.token_for("clerk"))
    assert state["calls"] == 3


def test_staff_tokens_are_short_lived_and_renewed_by_a_rotating_refresh_token(sandbox):
    import jwt

    access, refresh = sandbox.sign_in("clerk")
    claims = jwt.decode(access, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 15 * 60
    sandbox.add_user(SandboxUser("li", "pw", "depositor", ["depositor"], "李华", id_number="360602199003150018"))
    depositor = jwt.decode(sandbox.sign_in("li")[0], options={"verify_signature": False})
    assert depositor["exp"] - depositor["iat"] == 8 * 3600


def test_sandbox_refuses_incomplete_users(sandbox):
    with pytest.raises(ValueError, match="org"):
        sandbox.add_user(SandboxUser("x", "pw", "staff", ["counter_clerk"], "x"))
    with pytest.raises(ValueError, match="unknown role"):
        sandbox.add_user(SandboxUser("y", "pw", "depositor", ["root"], "y", id_number="1"))


def test_masking_by_pattern_and_by_key():
    text = mask_text("身份证360602199001011237 手机13800001234 卡6222021234567890123")
    assert "360602199001011237" not in text and "13800001234" not in text and "6222021234567890123" not in text
    assert "1237" in text and "138****1234" in text and text.endswith("0123")
    masked = mask({"name": "李华", "id_number": "360602199001011237", "nested": [{"mobile": "13800001234"}],
                   "amount": "1200.00", "unit_account": "360600000001"})
    assert masked["name"] == "李*" and masked["id_number"].endswith("1237") and "3606021990" not in masked["id_number"]
    assert masked["nested"][0]["mobile"].endswith("1234") and masked["amount"] == "1200.00"
    assert masked["unit_account"] == "360600000001"  # account numbers are not personal data


def test_every_log_line_is_masked(monkeypatch):
    from hpf.observability.logging import get_logger

    logger = get_logger("hpf-test-masking")
    stream = io.StringIO()
    for handler in logger.handlers:
        monkeypatch.setattr(handler, "stream", stream, raising=False)
    logger.info("开户 360602199001011237", extra={"person_name": "张伟", "mobile": "13800001234"})
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert "360602199001011237" not in line["message"] and line["person_name"] == "张*"
    assert line["mobile"] == "*******1234"
    assert logging.getLogger("hpf-test-masking") is not None


def _forge(header: dict, claims: dict, signature: bytes = b"x" * 64) -> str:
    import base64

    def enc(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return ".".join([enc(json.dumps(header).encode()), enc(json.dumps(claims).encode()), enc(signature)])


def test_only_es256_is_accepted(sandbox):
    good = sandbox.token_for("clerk")
    import base64

    claims = json.loads(base64.urlsafe_b64decode(good.split(".")[1] + "=="))
    kid = sandbox.issuer.kid
    for header in ({"alg": "none", "kid": kid}, {"alg": "HS256", "kid": kid}, {"alg": "RS256", "kid": kid}):
        with pytest.raises(Unauthenticated) as error:
            verifier(sandbox).verify(_forge(header, claims, b""))
        assert error.value.code == "TOKEN_INVALID"
    with pytest.raises(Unauthenticated):  # right algorithm and key, forged signature
        verifier(sandbox).verify(_forge({"alg": "ES256", "kid": kid}, {**claims, "roles": ["auditor"]}))


def test_claims_are_checked(sandbox):
    from hpf.identity.jws import TokenRejected, public_key_from_jwk, verify_es256

    keys = {k["kid"]: public_key_from_jwk(k) for k in sandbox.issuer.jwks()["keys"]}
    token = sandbox.token_for("clerk")
    with pytest.raises(TokenRejected, match="issuer"):
        verify_es256(token, keys, issuer="https://elsewhere", audience="hpf-platform")
    with pytest.raises(TokenRejected, match="audience"):
        verify_es256(token, keys, issuer=sandbox.issuer.issuer, audience="another-system")
    with pytest.raises(TokenRejected, match="not valid yet"):
        verify_es256(token, keys, issuer=sandbox.issuer.issuer, audience="hpf-platform", now=0)


def test_a_rotated_key_is_fetched_from_the_store_once(sandbox):
    rotated = IdentitySandbox(TokenIssuer(issuer=sandbox.issuer.issuer))
    rotated.add_user(SandboxUser("clerk", "pw", "staff", ["counter_clerk"], "王敏", org="360600"))
    fetches = []

    def store():
        fetches.append(1)
        return rotated.issuer.jwks()

    v = TokenVerifier(sandbox.issuer.jwks(), sandbox.issuer.issuer, refresh_keys=store)
    assert v.verify(sandbox.token_for("clerk")).subject == "clerk" and not fetches
    assert v.verify(rotated.token_for("clerk")).subject == "clerk" and len(fetches) == 1
    stranger = IdentitySandbox(TokenIssuer(issuer=sandbox.issuer.issuer))
    stranger.add_user(SandboxUser("clerk", "pw", "staff", ["counter_clerk"], "x", org="360600"))
    with pytest.raises(Unauthenticated):
        v.verify(stranger.token_for("clerk"))
    assert len(fetches) == 1  # an unknown key does not hammer the store: one refresh per interval


def test_metrics_are_emf_lines(tmp_path, monkeypatch):
    from hpf.observability.metrics import count

    log = tmp_path / "functions.log"
    monkeypatch.setenv("HPF_LOG_FILE", str(log))
    document = count("RemittanceLinesPosted", 3)
    written = json.loads(log.read_text().splitlines()[-1])
    assert written == document and written["RemittanceLinesPosted"] == [3.0]
    assert written["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "HPF"
