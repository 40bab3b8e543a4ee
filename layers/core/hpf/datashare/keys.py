"""证书管理 (6.3.2): the keys the center holds for each counterpart that signs or encrypts in the national algorithms
(a dialect with ``signature: sm2-sm3``): our SM2 signing key, the counterpart's SM2 public key that its answers are
verified with, and the SM4 transport key both sides encrypt the bodies with.

Each key goes pending → active → retired. A new key of ours (or a new SM4 key) waits, pending, until the
counterpart has it and both switch at the agreed time: activating it retires the one it replaces. A counterpart's
new public key is activated beside its old one (answers verify against either) until the old one is retired — so a
switch on their side at a slightly different minute loses no answer. Private and SM4 keys are stored sealed
(配置加密, hpf.datashare.gm.ConfigSealer) and opened only to sign or encrypt; what the console shows of any key is
its SM3 fingerprint, its validity and who did what, and why.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from hpf.common.clock import Clock, business_date
from hpf.common.errors import Conflict, NotFound, TransientFailure, ValidationFailed
from hpf.datashare import gm
from hpf.datashare.dialect import dialects
from hpf.datashare.ports import KeyStore
from hpf.identity.principal import Principal

KEY_KINDS = {"own_sm2": "本方SM2签名密钥", "peer_sm2": "对方SM2验签公钥", "sm4": "SM4传输密钥"}
KEY_STATES = {"pending": "待启用", "active": "在用", "retired": "已停用"}
MAX_VALID_DAYS = 5 * 366
EXPIRY_WARNING = timedelta(days=30)


class KeysMissing(TransientFailure):
    """The counterpart's keys are not all active and valid: its sources take the paper way until they are."""

    code = "KEYS_NOT_READY"
    message = "接入密钥未就绪"


@dataclass(frozen=True)
class KeyRecord:
    key_id: str  # <gateway>.<kind>.<yyyymmddHHMMSS>.<random>: sorts by gateway, then kind, then age
    gateway: str
    kind: str
    public_key: str  # SM2 keys: 04‖x‖y in hex; SM4: ""
    sealed: str  # our SM2 private key, or the SM4 key, sealed; a counterpart's public key: ""
    fingerprint: str  # SM3 of the public key (or of the SM4 key): what both sides read aloud to compare
    created_at: datetime
    valid_until: date
    state: str
    by: str
    reason: str
    changed_at: datetime | None = None
    changed_by: str = ""


@dataclass(frozen=True)
class GatewayKeys:
    """What a request to the counterpart needs, opened: to sign, to verify answers, to encrypt."""

    private_key: str
    public_key: str
    peer_public_keys: tuple[str, ...]
    transport_key: str


@dataclass(frozen=True)
class Created:
    record: KeyRecord
    handover: str  # what the administrator hands to the counterpart: our public key, or the new SM4 key (once)


class KeyService:
    def __init__(self, store: KeyStore, sealer: gm.ConfigSealer, clock: Clock):
        self._store, self._sealer, self._clock = store, sealer, clock

    def create(self, gateway: str, kind: str, valid_days: int, reason: str, actor: Principal,
               public_key: str = "", transport_key: str = "") -> Created:
        """Generate our SM2 pair, import the counterpart's public key, or set the SM4 key (typed when the
        counterpart issued it, generated otherwise). Pending until activated."""
        if gateway not in dialects() or dialects()[gateway].signature != "sm2-sm3":
            raise ValidationFailed("该对接方不使用国密签名，无需密钥", code="KEY_GATEWAY_INVALID")
        if kind not in KEY_KINDS:
            raise ValidationFailed("密钥类型不正确", code="KEY_KIND_INVALID")
        if not 1 <= valid_days <= MAX_VALID_DAYS:
            raise ValidationFailed(f"有效期应为1至{MAX_VALID_DAYS}天", code="KEY_TERM_INVALID")
        if not reason.strip():
            raise ValidationFailed("请填写原因", code="CHANGE_REASON_REQUIRED")
        now = self._clock.now()
        key_id = f"{gateway}.{kind}.{now:%Y%m%d%H%M%S}.{secrets.token_hex(3)}"
        try:
            public, sealed, handover = self._material(key_id, kind, public_key, transport_key)
        except gm.CryptoRefused as refused:
            raise ValidationFailed(str(refused), code="KEY_MATERIAL_INVALID") from refused
        fingerprint = gm.sm3_hex(bytes.fromhex(public or handover))
        record = KeyRecord(key_id, gateway, kind, public, sealed, fingerprint, now,
                           business_date(self._clock) + timedelta(days=valid_days), "pending", actor.subject,
                           reason.strip())
        self._store.add(record)
        return Created(record, handover)

    def activate(self, key_id: str, reason: str, actor: Principal) -> KeyRecord:
        found = self._found(key_id)
        if found.state != "pending":
            raise Conflict("只有待启用的密钥可以启用", code="KEY_STATE_INVALID")
        if found.valid_until < business_date(self._clock):
            raise Conflict("密钥已过有效期", code="KEY_EXPIRED")
        if found.kind != "peer_sm2":  # ours and the SM4 key: one in use at a time
            for old in self._store.of_gateway(found.gateway):
                if old.kind == found.kind and old.state == "active":
                    self._store.save(self._changed(old, "retired", f"由 {key_id} 替换", actor))
        active = self._changed(found, "active", reason, actor)
        self._store.save(active)
        return active

    def retire(self, key_id: str, reason: str, actor: Principal) -> KeyRecord:
        found = self._found(key_id)
        if found.state == "retired":
            return found
        retired = self._changed(found, "retired", reason, actor)
        self._store.save(retired)
        return retired

    def listing(self) -> list[KeyRecord]:
        return self._store.all()

    def expiring(self, records: list[KeyRecord]) -> list[KeyRecord]:
        """Keys in use within a month of their end: the console warns, the operator's alarm too."""
        limit = business_date(self._clock) + EXPIRY_WARNING
        return [r for r in records if r.state == "active" and r.valid_until <= limit]

    def ring(self, gateway: str) -> GatewayKeys:
        today = business_date(self._clock)
        usable = [r for r in self._store.of_gateway(gateway) if r.state == "active" and r.valid_until >= today]
        own = [r for r in usable if r.kind == "own_sm2"]
        peers = tuple(r.public_key for r in usable if r.kind == "peer_sm2")
        transport = [r for r in usable if r.kind == "sm4"]
        if not (own and peers and transport):
            missing = [KEY_KINDS[k] for k, have in (("own_sm2", own), ("peer_sm2", peers), ("sm4", transport))
                       if not have]
            raise KeysMissing("、".join(missing))
        return GatewayKeys(self._sealer.open(own[-1].sealed, own[-1].key_id), own[-1].public_key, peers,
                           self._sealer.open(transport[-1].sealed, transport[-1].key_id))

    # -- helpers -----------------------------------------------------------------------------------------------------
    def _material(self, key_id: str, kind: str, public_key: str, transport_key: str) -> tuple[str, str, str]:
        """(public key, sealed secret, what to hand over)."""
        if kind == "own_sm2":
            private, public = gm.sm2_keypair()
            return public, self._sealer.seal(private, key_id), public
        if kind == "peer_sm2":
            public = gm.sm2_public_key(public_key)
            return public, "", public
        key = transport_key.strip().lower() or gm.sm4_key()
        if len(key) != 2 * gm.SM4_KEY_BYTES or any(c not in "0123456789abcdef" for c in key):
            raise gm.CryptoRefused("SM4密钥应为32位十六进制")
        return "", self._sealer.seal(key, key_id), key

    def _found(self, key_id: str) -> KeyRecord:
        found = self._store.get(key_id)
        if found is None:
            raise NotFound("没有该密钥", code="KEY_NOT_FOUND")
        return found

    def _changed(self, record: KeyRecord, state: str, reason: str, actor: Principal) -> KeyRecord:
        if not reason.strip():
            raise ValidationFailed("请填写原因", code="CHANGE_REASON_REQUIRED")
        return replace(record, state=state, changed_at=self._clock.now(), changed_by=actor.subject,
                       reason=f"{record.reason}；{reason.strip()}")
