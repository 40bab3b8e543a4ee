"""证书管理 and the national algorithms: SM3/SM4 against published vectors, SM2 across two implementations, the
keys' lifecycle and sealing, and a national-algorithm bank's gateway (CCB's dialect) spoken to over HTTP — signed,
encrypted, its answers verified — with what happens when a key does not match."""

from __future__ import annotations

from datetime import datetime

import pytest
import stamina

from hpf.adapters.partners.exchange_gateway import ExchangeGatewayClient
from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import Conflict, ValidationFailed
from hpf.datashare import gm
from hpf.datashare.catalog import catalog
from hpf.datashare.dialect import dialects
from hpf.datashare.keys import KeyRecord, KeyService, KeysMissing
from hpf.datashare.model import SourceUnavailable
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role
from hpf.sandbox.bigdata import CLIENT_ID, ExchangeGatewaySandbox
from hpf.sandbox.server import BackgroundServer

ADMIN = Principal("admin01", "staff", frozenset({Role.DATA_ADMIN}), "钱进", org="360600", channel=Channel.WEB)
PERSON = "360602199003150021"


class MemoryKeys:
    def __init__(self) -> None:
        self.items: dict[str, KeyRecord] = {}

    def add(self, record: KeyRecord) -> None:
        assert record.key_id not in self.items
        self.items[record.key_id] = record

    def save(self, record: KeyRecord) -> None:
        self.items[record.key_id] = record

    def get(self, key_id: str) -> KeyRecord | None:
        return self.items.get(key_id)

    def of_gateway(self, gateway: str) -> list[KeyRecord]:
        return sorted((r for r in self.items.values() if r.gateway == gateway), key=lambda r: r.created_at)

    def all(self) -> list[KeyRecord]:
        return sorted(self.items.values(), key=lambda r: r.created_at)


def test_sm3_and_sm4_match_the_standards_vectors():
    assert gm.sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"  # GB/T 32905 A.1
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex("0123456789abcdeffedcba9876543210")  # GB/T 32907 A.1: the key is also the plaintext
    block = Cipher(algorithms.SM4(key), modes.ECB()).encryptor().update(key)
    assert block.hex() == "681edf34d206965e86b3e94f536e4246"
    sealed = gm.sm4_cbc_encrypt(key.hex(), "报文".encode())
    assert gm.sm4_cbc_decrypt(key.hex(), sealed) == "报文".encode()
    with pytest.raises(gm.CryptoRefused):
        gm.sm4_cbc_decrypt("00" * 16, sealed)


def test_an_sm2_signature_of_ours_verifies_in_gmssl_and_theirs_in_ours():
    from gmssl import sm2

    private, public = gm.sm2_keypair()
    theirs = sm2.CryptSM2(private_key=private, public_key=public[2:])
    assert theirs.verify_with_sm3(gm.sm2_sign(private, public, b"message"), b"message")
    assert gm.sm2_verify(public, b"message", theirs.sign_with_sm3(b"message"))
    assert not gm.sm2_verify(public, b"messagE", theirs.sign_with_sm3(b"message"))
    assert gm.sm2_public_key(public[2:].upper()) == public  # pasted without 04, in capitals
    for wrong in ("04" + "11" * 64, "zz", public[:-2]):
        with pytest.raises(gm.CryptoRefused):
            gm.sm2_public_key(wrong)


def test_a_sealed_secret_opens_only_with_its_key_and_for_what_it_is():
    sealer = gm.ConfigSealer(gm.sm4_key())
    sealed = sealer.seal("secret", "ccb.own_sm2.1")
    assert "secret" not in sealed and sealer.open(sealed, "ccb.own_sm2.1") == "secret"
    for other, context in ((sealer, "ccb.sm4.1"), (gm.ConfigSealer(gm.sm4_key()), "ccb.own_sm2.1")):
        with pytest.raises(gm.CryptoRefused):
            other.open(sealed, context)


@pytest.fixture
def keys() -> tuple[KeyService, MemoryKeys, FixedClock]:
    store, clock = MemoryKeys(), FixedClock(datetime(2026, 11, 30, 10, tzinfo=SHANGHAI))
    return KeyService(store, gm.ConfigSealer(gm.sm4_key()), clock), store, clock


def ready(service: KeyService, peer_public: str, transport: str = "") -> None:
    for kind in ("own_sm2", "sm4", "peer_sm2"):
        made = service.create("ccb", kind, 30, "交换密钥", ADMIN, public_key=peer_public, transport_key=transport)
        service.activate(made.record.key_id, "双方确认", ADMIN)


def test_keys_are_pending_until_activated_and_a_new_one_of_ours_replaces_the_old(keys):  # type: ignore[no-untyped-def]
    service, store, clock = keys
    _, peer = gm.sm2_keypair()
    own = service.create("ccb", "own_sm2", 30, "首次对接", ADMIN)
    assert own.record.state == "pending" and own.handover == own.record.public_key
    assert own.record.fingerprint == gm.sm3_hex(bytes.fromhex(own.record.public_key))
    with pytest.raises(KeysMissing, match="本方SM2签名密钥"):
        service.ring("ccb")
    ready(service, peer, transport="00112233445566778899aabbccddeeff")
    ring = service.ring("ccb")
    assert ring.transport_key == "00112233445566778899aabbccddeeff" and ring.peer_public_keys == (peer,)
    assert all(ring.private_key not in r.sealed for r in store.items.values())  # sealed, never in clear
    service.activate(own.record.key_id, "轮换", ADMIN)  # the first one, pending all along, now replaces
    states = {r.key_id: r.state for r in store.items.values() if r.kind == "own_sm2"}
    assert list(states.values()).count("active") == 1 and states[own.record.key_id] == "active"
    assert service.ring("ccb").public_key == own.record.public_key
    with pytest.raises(Conflict):
        service.activate(own.record.key_id, "再次", ADMIN)


def test_the_counterparts_old_and_new_public_keys_both_verify_until_the_old_is_retired(keys):  # type: ignore[no-untyped-def]
    service, store, clock = keys
    _, old = gm.sm2_keypair()
    _, new = gm.sm2_keypair()
    ready(service, old)
    made = service.create("ccb", "peer_sm2", 30, "银行换钥", ADMIN, public_key=new)
    service.activate(made.record.key_id, "银行换钥", ADMIN)
    assert set(service.ring("ccb").peer_public_keys) == {old, new}
    first = next(r for r in store.items.values() if r.public_key == old)
    service.retire(first.key_id, "银行已切换", ADMIN)
    assert service.ring("ccb").peer_public_keys == (new,)
    assert service.expiring(service.listing())  # thirty days: within the month's warning
    clock.advance(days=31)
    with pytest.raises(KeysMissing):
        service.ring("ccb")  # past their validity nothing signs


def test_a_key_is_refused_for_a_counterpart_in_shared_secrets_or_with_bad_material(keys):  # type: ignore[no-untyped-def]
    service, store, _ = keys
    for gateway, kind, material, code in (("bigdata", "own_sm2", {}, "KEY_GATEWAY_INVALID"),
                                          ("ccb", "rsa", {}, "KEY_KIND_INVALID"),
                                          ("ccb", "peer_sm2", {"public_key": "04" + "11" * 64}, "KEY_MATERIAL_INVALID"),
                                          ("ccb", "sm4", {"transport_key": "xyz"}, "KEY_MATERIAL_INVALID")):
        with pytest.raises(ValidationFailed) as refused:
            service.create(gateway, kind, 30, "测试", ADMIN, **material)
        assert refused.value.code == code
    assert store.items == {}


@pytest.fixture
def bank():  # type: ignore[no-untyped-def]
    sandbox = ExchangeGatewaySandbox("ccb")
    server = BackgroundServer(sandbox).start()
    sandbox.add_records("ccb_loan_repayments", [{"CRDT_NO": PERSON, "LN_ACCNO": "CCB-LN-9", "RPYMT_AMT": "2300.00"}])
    with stamina.set_testing(True, attempts=1):
        yield sandbox, server.url
    server.stop()


def test_a_national_algorithm_bank_is_asked_signed_and_encrypted_and_its_answer_verified(keys, bank):  # type: ignore[no-untyped-def]
    service, _, _ = keys
    sandbox, url = bank
    src = catalog()["ccb_loan_repayments"]
    ready(service, sandbox.public_key)
    ring = service.ring("ccb")
    client = ExchangeGatewayClient(url, CLIENT_ID, "", dialects()["ccb"], keys=lambda: service.ring("ccb"))
    with pytest.raises(SourceUnavailable):  # the bank has not yet been handed our public key
        client.fetch(src, {src.keys[0]: PERSON})
    sandbox.trust(CLIENT_ID, ring.public_key, ring.transport_key)
    [record] = client.fetch(src, {src.keys[0]: PERSON})
    assert record["LN_ACCNO"] == "CCB-LN-9" and sandbox.requests[-1]["outcome"] == "200"

    sandbox.transport_key = gm.sm4_key()  # the two sides' SM4 keys differ: the bank cannot read the request
    with pytest.raises(SourceUnavailable):
        ExchangeGatewayClient(url, CLIENT_ID, "", dialects()["ccb"], keys=lambda: service.ring("ccb")).fetch(
            src, {src.keys[0]: PERSON})
    assert sandbox.requests[-1]["outcome"] == "401"
    sandbox.transport_key = ring.transport_key
    _, stranger = gm.sm2_keypair()  # an answer signed by a key that is not the bank's is not believed
    impostor = ExchangeGatewayClient(url, CLIENT_ID, "", dialects()["ccb"],
                                     keys=lambda: type(ring)(ring.private_key, ring.public_key, (stranger,),
                                                             ring.transport_key))
    with pytest.raises(SourceUnavailable, match="数据源"):
        impostor.fetch(src, {src.keys[0]: PERSON})
    assert sandbox.requests[-1]["outcome"] == "200"  # the bank answered; we refused to believe it


def test_the_fixed_width_forms_survive_leading_zeros_in_both_libraries():
    """Found when the two implementations disagreed one call in a hundred: gmalg drops an integer's leading zero
    bytes (a short r or s, a short private key), gmssl's constructor strips "04" character by character (eating an
    x that begins with 0 or 4). Each case is sought out here rather than left to chance."""
    import os

    import gmalg

    from hpf.sandbox.bigdata import _gmssl

    while True:  # a public key whose x begins with the character 0 or 4: one in eight
        private, public = gm.sm2_keypair()
        if public[2] in "04":
            break
    message = os.urandom(32)
    assert len(private) == 64 and _gmssl(public=public).verify_with_sm3(gm.sm2_sign(private, public, message),
                                                                         message)
    while True:  # a signature whose r or s has a leading zero byte: one in 128
        r, s = gmalg.SM2(bytes.fromhex(private), gm.SM2_UID, bytes.fromhex(public)).sign(message)
        if len(r) < 32 or len(s) < 32:
            break
    padded = (r.rjust(32, b"\0") + s.rjust(32, b"\0")).hex()
    assert len(padded) == 128 and gm.sm2_verify(public, message, padded)
    assert _gmssl(public=public).verify_with_sm3(padded, message)
