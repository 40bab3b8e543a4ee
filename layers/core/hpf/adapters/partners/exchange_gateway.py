"""httpx client of an exchange gateway (port ``hpf.datashare.ports.SourceGateway``), in the dialect of
dialects.yaml. The well-kept libraries do the resilience (docs/datashare.md says why these):

- stamina (over tenacity) retries what is worth retrying — a connection that failed, a timeout, a 5xx — twice,
  with jittered backoff, inside a time budget a counter clerk can wait; never a refusal or a "no record".
- pybreaker keeps a circuit per source: after five failures in a row the source is not asked for thirty
  seconds (the clerk is told at once to take the paper path), then one trial call decides.

The gateway's answer is read tolerantly: fields and envelope members it adds are kept or ignored, never an error;
what cannot be read as the envelope at all (an HTML maintenance page with status 200) is the source being down.

A counterpart in the national algorithms (a dialect with ``signature: sm2-sm3``) gets the exact body bytes signed
with our SM2 key, the body SM4-encrypted when it asks, and its answers verified against its public key before they
are believed: the keys come from 证书管理 at each call (``keys``), so an activation takes effect on the next query.
An error envelope may come in clear and unsigned (a gateway refuses before it decrypts); a success may not.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx
import pybreaker
import stamina

from hpf.datashare import gm
from hpf.datashare.catalog import Source
from hpf.datashare.dialect import Dialect
from hpf.datashare.governance import Endpoint
from hpf.datashare.keys import GatewayKeys, KeysMissing
from hpf.datashare.model import DataShareThrottled, SourceUnavailable

TIMEOUT = httpx.Timeout(5.0, connect=2.0)
MAX_PAGES = 20  # a subject's records fit in far fewer; more means the key matched what it should not


class _Alerting(pybreaker.CircuitBreakerListener):
    """告警 (S.6.2): a source's circuit opening is an error in the log and one DataShareCircuitOpened — the
    operators' alarm watches it (infra/areas/datashare.yaml); its closing again is logged too."""

    def state_change(self, cb: pybreaker.CircuitBreaker, old_state: Any, new_state: Any) -> None:
        from hpf.observability.logging import get_logger
        from hpf.observability.metrics import count

        logger = get_logger("hpf-datashare")
        if getattr(new_state, "name", new_state) == "open":
            logger.error("shared-data source cut off", extra={"source": cb.name, "after": cb.fail_max})
            count("DataShareCircuitOpened")
        elif getattr(new_state, "name", new_state) == "closed" and getattr(old_state, "name", old_state) != "closed":
            logger.info("shared-data source back", extra={"source": cb.name})


class SubmissionUnanswered(Exception):
    """A submission went out and no answer came back: whether it arrived is unknown."""


class _Transient(Exception):
    """A failure worth one more try (transport, timeout, 5xx)."""


class _Silent(_Transient):
    """Sent, and no answer in time: worth another try for a query; for a submission, its fate is unknown."""


class _Refused(Exception):
    """The gateway refused the center itself (signature, client, interface): configuration, not the source."""


class ExchangeGatewayClient:
    def __init__(self, base_url: str, client_id: str, secret: str, dialect: Dialect, *, attempts: int = 3,
                 budget_seconds: float = 8.0, fail_max: int = 5, reset_seconds: float = 30.0,
                 keys: Callable[[], GatewayKeys] | None = None, timeout: httpx.Timeout = TIMEOUT):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._client_id, self._secret, self._dialect, self._keys = client_id, secret, dialect, keys
        self._attempts, self._budget = attempts, budget_seconds
        self._breakers: dict[str, pybreaker.CircuitBreaker] = {}
        self._fail_max, self._reset = fail_max, reset_seconds

    def fetch(self, source: Source, keys: dict[str, str]) -> list[dict[str, Any]]:
        ring = self._ring(source.name, source.code)
        breaker = self._breaker(source.code)
        try:
            return breaker.call(self._all_pages, source, keys, ring)
        except pybreaker.CircuitBreakerError as open_circuit:
            raise SourceUnavailable(f"“{source.name}”连续不可用，已暂停调用", details={"source": source.code,
                                                                                "circuit": "open"}) from open_circuit
        except (_Transient, _Refused) as failed:
            raise SourceUnavailable(details={"source": source.code, "error": str(failed)}) from failed

    def status(self) -> dict[str, str]:
        return {code: str(b.current_state) for code, b in sorted(self._breakers.items())}

    def moved_to(self, base_url: str, client_id: str) -> ExchangeGatewayClient:
        """The same counterpart at another address (服务注册): its own circuits, the same secret, dialect and keys."""
        return ExchangeGatewayClient(base_url, client_id, self._secret, self._dialect, attempts=self._attempts,
                                     budget_seconds=self._budget, fail_max=self._fail_max, reset_seconds=self._reset,
                                     keys=self._keys, timeout=self._http.timeout)

    # -- one source, every page ----------------------------------------------------------------------------------
    def submit(self, interface: str, label: str, body: dict[str, Any]) -> Any:
        """One submission (电子信息上报), sent once: a refusal or a transport failure before sending raises
        SourceUnavailable (nothing was taken); no answer in time raises SubmissionUnanswered (it may have been)."""
        ring = self._ring(label, interface)
        try:
            return self._once(interface, body, ring)
        except _Silent as silent:
            raise SubmissionUnanswered(label) from silent
        except (_Transient, _Refused) as failed:
            raise SourceUnavailable(f"“{label}”未被接收：{failed}", details={"interface": interface}) from failed

    def _ring(self, label: str, code: str) -> GatewayKeys | None:
        if not self._dialect.national:
            return None
        try:
            if self._keys is None:
                raise KeysMissing("全部密钥")
            return self._keys()
        except KeysMissing as missing:  # not the source's failure: its circuit is not touched
            raise SourceUnavailable(f"“{label}”的接入密钥未就绪（{missing.message}），请按纸质材料办理",
                                    details={"source": code, "keys": missing.message}) from missing

    def _all_pages(self, source: Source, keys: dict[str, str], ring: GatewayKeys | None) -> list[dict[str, Any]]:
        p, e = self._dialect.paging, self._dialect.envelope
        records: list[dict[str, Any]] = []
        page = int(p["first"])
        for _ in range(MAX_PAGES):
            data = self._page(source, {**keys, p["page"]: page, p["size"]: int(p["max_size"])}, ring)
            chunk = (data or {}).get(e["records"]) or []
            if not isinstance(chunk, list):
                raise _Transient("records not a list")
            records += [r for r in chunk if isinstance(r, dict)]
            total = (data or {}).get(e["total"])
            if not chunk or (isinstance(total, int) and len(records) >= total) or len(chunk) < int(p["max_size"]):
                return records
            page += 1
        raise _Transient(f"more than {MAX_PAGES} pages")

    def _page(self, source: Source, body: dict[str, Any], ring: GatewayKeys | None) -> Any:
        for attempt in stamina.retry_context(on=_Transient, attempts=self._attempts, timeout=self._budget,
                                             wait_initial=0.2, wait_max=1.0):
            with attempt:
                return self._once(source.interface, body, ring)
        raise AssertionError("unreachable: stamina re-raises the last failure")

    def _once(self, interface: str, body: dict[str, Any], ring: GatewayKeys | None) -> Any:
        d, e = self._dialect, self._dialect.envelope
        payload = json.dumps(body, ensure_ascii=False).encode()
        if ring is not None and d.encryption_field:
            payload = json.dumps({d.encryption_field: gm.sm4_cbc_encrypt(ring.transport_key, payload)}).encode()
        try:
            response = self._http.request(d.method, d.url_path(interface), content=payload,
                                          headers={"Content-Type": "application/json", **self._signed(payload, ring)})
        except httpx.TimeoutException as error:
            raise _Silent(type(error).__name__) from error
        except httpx.TransportError as error:
            raise _Transient(type(error).__name__) from error
        if response.status_code >= 500:
            raise _Transient(f"HTTP {response.status_code}")
        try:
            envelope = response.json()
        except ValueError:
            raise _Transient("not JSON") from None
        signed = ring is not None and self._answer_signed(response, ring)
        if ring is not None and d.encryption_field and isinstance(envelope, dict) and d.encryption_field in envelope:
            try:
                envelope = json.loads(gm.sm4_cbc_decrypt(ring.transport_key, str(envelope[d.encryption_field])))
            except (gm.CryptoRefused, ValueError):
                raise _Refused("应答无法解密（SM4密钥不一致）") from None
        if not isinstance(envelope, dict) or e["code"] not in envelope:
            raise _Transient("not the gateway's envelope")
        code = str(envelope[e["code"]])
        if code in e["ok"]:
            if ring is not None and d.response_signature and not signed:
                raise _Refused("应答验签失败（对方公钥不符或应答被改动）")
            return envelope.get(e["data"])
        meaning = d.errors.get(code, "unavailable")
        message = str(envelope.get(e["message"], ""))
        if meaning == "throttled":
            raise DataShareThrottled("共享数据源限流，请稍后再试", details={"interface": interface})
        if meaning == "refused" or meaning == "not_found":
            raise _Refused(f"{code} {message}")
        raise _Transient(f"{code} {message}")

    def _signed(self, payload: bytes, ring: GatewayKeys | None) -> dict[str, str]:
        d = self._dialect
        stamp = str(int(time.time() * 1000) if d.timestamp_unit == "ms" else int(time.time()))
        nonce = secrets.token_hex(12)
        h = d.headers
        if ring is not None:
            signature = gm.sm2_sign(ring.private_key, ring.public_key,
                                    d.signed_message(self._client_id, stamp, nonce, payload))
        else:
            signature = d.sign(self._client_id, stamp, nonce, self._secret)
        return {h["client"]: self._client_id, h["timestamp"]: stamp, h["nonce"]: nonce, h["signature"]: signature}

    def _answer_signed(self, response: httpx.Response, ring: GatewayKeys) -> bool:
        header = self._dialect.response_signature
        signature = response.headers.get(header, "") if header else ""
        return bool(signature) and any(gm.sm2_verify(key, response.content, signature)
                                       for key in ring.peer_public_keys)

    def _breaker(self, code: str) -> pybreaker.CircuitBreaker:
        # a throttled call says nothing about the source's health: it does not count towards opening the circuit
        if code not in self._breakers:
            self._breakers[code] = pybreaker.CircuitBreaker(fail_max=self._fail_max, reset_timeout=self._reset,
                                                            exclude=[DataShareThrottled], name=code,
                                                            listeners=[_Alerting()])
        return self._breakers[code]


class GatewayRouter:
    """服务路由 (6.3.9): each source reached through the client of its gateway (sources.yaml's ``gateway``) — the
    big-data center's exchange for the 21 government sources, each bank's open platform for its loan details — at
    the address registered for it (服务注册, 6.3.11) or else the deployment's. A registered address gets a client of
    its own, kept while it stays registered, with the deployment's secret, dialect and keys."""

    def __init__(self, clients: dict[str, ExchangeGatewayClient]):
        self._clients = clients
        self._registered: dict[tuple[str, str, str], ExchangeGatewayClient] = {}

    def fetch(self, source: Source, keys: dict[str, str], endpoint: Endpoint | None = None) -> list[dict[str, Any]]:
        client = self._clients.get(source.gateway)
        if client is None:
            raise SourceUnavailable(f"“{source.name}”的接入尚未配置，请按纸质材料办理",
                                    details={"source": source.code, "gateway": source.gateway})
        if endpoint is not None:
            where = (source.gateway, endpoint.url, endpoint.client_id)
            if where not in self._registered:
                self._registered[where] = client.moved_to(endpoint.url, endpoint.client_id)
            client = self._registered[where]
        return client.fetch(source, keys)

    def status(self) -> dict[str, str]:
        clients = [*self._clients.values(), *self._registered.values()]  # a registered address's circuits last
        return {code: state for client in clients for code, state in client.status().items()}

    def client(self, gateway: str) -> ExchangeGatewayClient:
        """The client of one gateway, for what is sent rather than asked (电子信息上报)."""
        return self._clients[gateway]
