"""httpx client of an exchange gateway (port ``hpf.datashare.ports.SourceGateway``), in the dialect of
dialects.yaml. The well-kept libraries do the resilience (docs/datashare.md says why these):

- stamina (over tenacity) retries what is worth retrying — a connection that failed, a timeout, a 5xx — twice,
  with jittered backoff, inside a time budget a counter clerk can wait; never a refusal or a "no record".
- pybreaker keeps a circuit per source: after five failures in a row the source is not asked for thirty
  seconds (the clerk is told at once to take the paper path), then one trial call decides.

The gateway's answer is read tolerantly: fields and envelope members it adds are kept or ignored, never an error;
what cannot be read as the envelope at all (an HTML maintenance page with status 200) is the source being down.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx
import pybreaker
import stamina

from hpf.datashare.catalog import Source
from hpf.datashare.dialect import Dialect
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


class _Transient(Exception):
    """A failure worth one more try (transport, timeout, 5xx)."""


class _Refused(Exception):
    """The gateway refused the center itself (signature, client, interface): configuration, not the source."""


class ExchangeGatewayClient:
    def __init__(self, base_url: str, client_id: str, secret: str, dialect: Dialect, *, attempts: int = 3,
                 budget_seconds: float = 8.0, fail_max: int = 5, reset_seconds: float = 30.0):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=TIMEOUT)
        self._client_id, self._secret, self._dialect = client_id, secret, dialect
        self._attempts, self._budget = attempts, budget_seconds
        self._breakers: dict[str, pybreaker.CircuitBreaker] = {}
        self._fail_max, self._reset = fail_max, reset_seconds

    def fetch(self, source: Source, keys: dict[str, str]) -> list[dict[str, Any]]:
        breaker = self._breaker(source.code)
        try:
            return breaker.call(self._all_pages, source, keys)
        except pybreaker.CircuitBreakerError as open_circuit:
            raise SourceUnavailable(f"“{source.name}”连续不可用，已暂停调用", details={"source": source.code,
                                                                                "circuit": "open"}) from open_circuit
        except (_Transient, _Refused) as failed:
            raise SourceUnavailable(details={"source": source.code, "error": str(failed)}) from failed

    def status(self) -> dict[str, str]:
        return {code: str(b.current_state) for code, b in sorted(self._breakers.items())}

    # -- one source, every page ----------------------------------------------------------------------------------
    def _all_pages(self, source: Source, keys: dict[str, str]) -> list[dict[str, Any]]:
        p, e = self._dialect.paging, self._dialect.envelope
        records: list[dict[str, Any]] = []
        page = int(p["first"])
        for _ in range(MAX_PAGES):
            data = self._page(source, {**keys, p["page"]: page, p["size"]: int(p["max_size"])})
            chunk = (data or {}).get(e["records"]) or []
            if not isinstance(chunk, list):
                raise _Transient("records not a list")
            records += [r for r in chunk if isinstance(r, dict)]
            total = (data or {}).get(e["total"])
            if not chunk or (isinstance(total, int) and len(records) >= total) or len(chunk) < int(p["max_size"]):
                return records
            page += 1
        raise _Transient(f"more than {MAX_PAGES} pages")

    def _page(self, source: Source, body: dict[str, Any]) -> Any:
        for attempt in stamina.retry_context(on=_Transient, attempts=self._attempts, timeout=self._budget,
                                             wait_initial=0.2, wait_max=1.0):
            with attempt:
                return self._once(source, body)
        raise AssertionError("unreachable: stamina re-raises the last failure")

    def _once(self, source: Source, body: dict[str, Any]) -> Any:
        d, e = self._dialect, self._dialect.envelope
        try:
            response = self._http.request(d.method, d.url_path(source.interface), json=body,
                                          headers=self._signed())
        except httpx.TransportError as error:
            raise _Transient(type(error).__name__) from error
        if response.status_code >= 500:
            raise _Transient(f"HTTP {response.status_code}")
        try:
            envelope = response.json()
        except ValueError:
            raise _Transient("not JSON") from None
        if not isinstance(envelope, dict) or e["code"] not in envelope:
            raise _Transient("not the gateway's envelope")
        code = str(envelope[e["code"]])
        if code in e["ok"]:
            return envelope.get(e["data"])
        meaning = d.errors.get(code, "unavailable")
        message = str(envelope.get(e["message"], ""))
        if meaning == "throttled":
            raise DataShareThrottled(f"共享数据源“{source.name}”限流，请稍后再试", details={"source": source.code})
        if meaning == "refused" or meaning == "not_found":
            raise _Refused(f"{code} {message}")
        raise _Transient(f"{code} {message}")

    def _signed(self) -> dict[str, str]:
        d = self._dialect
        stamp = str(int(time.time() * 1000) if d.timestamp_unit == "ms" else int(time.time()))
        nonce = secrets.token_hex(12)
        h = d.headers
        return {h["client"]: self._client_id, h["timestamp"]: stamp, h["nonce"]: nonce,
                h["signature"]: d.sign(self._client_id, stamp, nonce, self._secret)}

    def _breaker(self, code: str) -> pybreaker.CircuitBreaker:
        # a throttled call says nothing about the source's health: it does not count towards opening the circuit
        if code not in self._breakers:
            self._breakers[code] = pybreaker.CircuitBreaker(fail_max=self._fail_max, reset_timeout=self._reset,
                                                            exclude=[DataShareThrottled], name=code,
                                                            listeners=[_Alerting()])
        return self._breakers[code]


class GatewayRouter:
    """服务路由 (6.3.9): each source reached through the client of its gateway (sources.yaml's ``gateway``) — the
    big-data center's exchange for the 21 government sources, each bank's open platform for its loan details."""

    def __init__(self, clients: dict[str, ExchangeGatewayClient]):
        self._clients = clients

    def fetch(self, source: Source, keys: dict[str, str]) -> list[dict[str, Any]]:
        client = self._clients.get(source.gateway)
        if client is None:
            raise SourceUnavailable(f"“{source.name}”的接入尚未配置，请按纸质材料办理",
                                    details={"source": source.code, "gateway": source.gateway})
        return client.fetch(source, keys)

    def status(self) -> dict[str, str]:
        return {code: state for client in self._clients.values() for code, state in client.status().items()}
