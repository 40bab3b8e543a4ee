"""The exchange gateway's client against its sandbox over HTTP: the dialect's signature (checked against vectors
computed by openssl), paging, tolerance of what the gateway adds, and each fault the sandbox injects."""

from __future__ import annotations

import time

import httpx
import pytest
import stamina

from hpf.adapters.partners.exchange_gateway import ExchangeGatewayClient
from hpf.datashare import gm
from hpf.datashare.catalog import catalog
from hpf.datashare.dialect import dialects
from hpf.datashare.keys import GatewayKeys
from hpf.datashare.model import DataShareThrottled, SourceUnavailable
from hpf.sandbox.bigdata import CLIENT_ID, CLIENT_SECRET, ExchangeGatewaySandbox
from hpf.sandbox.server import BackgroundServer

PERSON = "360602199003150021"


def test_the_signature_is_the_published_rule():
    d = dialects()["bigdata"]
    # printf 'YTGJJ-HPF1700000000000n0nce' | openssl dgst -sha256 -hmac 'sandbox-bigdata-secret' -binary | base64
    assert d.sign(CLIENT_ID, "1700000000000", "n0nce", CLIENT_SECRET) == "3ORmv2qlbYpfoxEldsyU/7WEKa8/XLH83YBUW1N+/HM="
    sm3 = type(d)(**{**d.__dict__, "signature": "hmac-sm3-hex"})
    assert sm3.sign(CLIENT_ID, "1700000000000", "n0nce", CLIENT_SECRET) == \
        "71625f00dc618c8a3510290d35486bbeac18923d644458ae55b6b9a7c473ebe1"  # openssl dgst -sm3 -hmac


@pytest.fixture
def gateway():  # type: ignore[no-untyped-def]
    sandbox = ExchangeGatewaySandbox()
    server = BackgroundServer(sandbox).start()
    with stamina.set_testing(True, attempts=2):
        yield sandbox, server.url
    server.stop()


def client(url: str, secret: str = CLIENT_SECRET, **options) -> ExchangeGatewayClient:  # type: ignore[no-untyped-def]
    return ExchangeGatewayClient(url, CLIENT_ID, secret, dialects()["bigdata"], **options)


def test_a_source_answers_every_page_and_what_the_gateway_adds_is_kept(gateway):  # type: ignore[no-untyped-def]
    sandbox, url = gateway
    src = catalog()["social_security_card"]
    sandbox.add_records("social_security_card", [{"SFZH": PERSON, "XM": "李华", "SBKH": f"C{n:04d}"} for n in range(150)])
    records = client(url).fetch(src, {"SFZH": PERSON})
    assert len(records) == 150 and records[0]["GXSJ"]  # two pages of 100; the update time the gateway adds
    assert client(url).fetch(src, {"SFZH": "360602199001010011"}) == []  # no record is an answer


def test_the_gateway_refuses_a_wrong_signature_a_stale_clock_and_a_replayed_nonce(gateway):  # type: ignore[no-untyped-def]
    sandbox, url = gateway
    with pytest.raises(SourceUnavailable):
        client(url, secret="wrong").fetch(catalog()["photo"], {"SFZH": PERSON})
    d = dialects()["bigdata"]
    stale = str(int((time.time() - 3600) * 1000))
    signed = {"X-Client-Id": CLIENT_ID, "X-Timestamp": stale, "X-Nonce": "n1",
              "X-Signature": d.sign(CLIENT_ID, stale, "n1", CLIENT_SECRET)}
    body = {"SFZH": PERSON, "PAGE": 1, "PAGENUM": 10}
    assert httpx.post(f"{url}/gateway/api/1/gaj_rxzp", json=body, headers=signed).json()["msg"] == "时间戳已过期"
    now = str(int(time.time() * 1000))
    fresh = {**signed, "X-Timestamp": now, "X-Signature": d.sign(CLIENT_ID, now, "n1", CLIENT_SECRET)}
    assert httpx.post(f"{url}/gateway/api/1/gaj_rxzp", json=body, headers=fresh).json()["code"] == "200"
    assert "随机数已使用" in httpx.post(f"{url}/gateway/api/1/gaj_rxzp", json=body, headers=fresh).json()["msg"]
    assert httpx.post(f"{url}/gateway/api/1/gaj_rxzp", json={**body, "PAGENUM": 1000},
                      headers={**fresh, "X-Nonce": "n2", "X-Signature": d.sign(CLIENT_ID, now, "n2", CLIENT_SECRET)}
                      ).json()["code"] == "400"


@pytest.mark.parametrize("mode", ["down", "wrong", "error"])
def test_a_source_down_or_answering_nonsense_is_unavailable(gateway, mode):  # type: ignore[no-untyped-def]
    sandbox, url = gateway
    sandbox.fault("marriage", mode)
    with pytest.raises(SourceUnavailable):
        client(url).fetch(catalog()["marriage"], {"SFZH": PERSON})
    sandbox.fault("marriage", None)
    assert client(url).fetch(catalog()["marriage"], {"SFZH": PERSON}) == []


def test_the_circuit_opens_after_repeated_failures_and_spares_the_source(gateway, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    sandbox, url = gateway
    metrics = tmp_path / "functions.log"
    monkeypatch.setenv("HPF_LOG_FILE", str(metrics))
    sandbox.fault("funeral", "down")
    c = client(url, fail_max=3, reset_seconds=60)
    for _ in range(3):
        with pytest.raises(SourceUnavailable):
            c.fetch(catalog()["funeral"], {"SFZH": PERSON})
    asked = len(sandbox.requests)
    with pytest.raises(SourceUnavailable, match="暂停调用"):
        c.fetch(catalog()["funeral"], {"SFZH": PERSON})
    assert len(sandbox.requests) == asked  # not asked while the circuit is open
    assert c.status()["funeral"] == "open"
    assert metrics.read_text(encoding="utf-8").count('"DataShareCircuitOpened"') >= 1  # what the alarm watches
    assert c.fetch(catalog()["marriage"], {"SFZH": PERSON}) == []  # another source is not affected


def test_the_gateways_own_limit_is_throttling_not_a_failure(gateway):  # type: ignore[no-untyped-def]
    sandbox, url = gateway
    sandbox.fault("low_income", "throttle")
    c = client(url, fail_max=1)
    for _ in range(3):
        with pytest.raises(DataShareThrottled):
            c.fetch(catalog()["low_income"], {"SFZH": PERSON})
    assert c.status()["low_income"] == "closed"


def national_keys(sandbox: ExchangeGatewaySandbox, client_id: str) -> GatewayKeys | None:
    """For a gateway in the national algorithms: our keys made and handed over, as 证书管理 would."""
    if not sandbox.dialect.national:
        return None
    private, public = gm.sm2_keypair()
    ring = GatewayKeys(private, public, (sandbox.public_key,), gm.sm4_key())
    sandbox.trust(client_id, public, ring.transport_key)
    return ring


@pytest.mark.parametrize("bank, code", [("icbc", "icbc_loan_repayments"), ("ccb", "ccb_loan_repayments"),
                                        ("boc", "boc_loan_repayments"), ("national", "national_loans")])
def test_each_banks_dialect_signs_pages_and_throttles_in_its_own_way(bank, code):
    sandbox = ExchangeGatewaySandbox(bank)
    server = BackgroundServer(sandbox).start()
    try:
        client_id, secret = next(iter(sandbox.clients.items()))
        ring = national_keys(sandbox, client_id)  # CCB signs in the national algorithms: keys, not a secret
        c = ExchangeGatewayClient(server.url, client_id, secret, dialects()[bank], keys=ring and (lambda: ring))
        src = catalog()[code]
        size = int(dialects()[bank].paging["max_size"])
        sandbox.add_records(code, [{src.keys[0]: PERSON, **{k: f"{k}-{n}" for k in list(src.fields)[1:]}}
                                   for n in range(size + 7)])
        records = c.fetch(src, {src.keys[0]: PERSON})
        assert len(records) == size + 7 and records[-1][list(src.fields)[2]].endswith(f"-{size + 6}")  # in order
        other = ring and GatewayKeys(*gm.sm2_keypair(), ring.peer_public_keys, ring.transport_key)  # not ours
        wrong = ExchangeGatewayClient(server.url, client_id, "not-the-secret", dialects()[bank],
                                      keys=other and (lambda: other))
        with pytest.raises(SourceUnavailable), stamina.set_testing(True, attempts=1):
            wrong.fetch(src, {src.keys[0]: PERSON})
        sandbox.fault(code, "throttle")  # the bank's own code for it (42900, FLOW01, TOO_MANY_REQUESTS)
        with pytest.raises(DataShareThrottled):
            c.fetch(src, {src.keys[0]: PERSON})
    finally:
        server.stop()
