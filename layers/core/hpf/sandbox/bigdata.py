"""Sandbox of an exchange gateway (the 鹰潭市大数据中心's 政务数据共享交换), speaking a dialect of dialects.yaml: the
requests signed as the dialect says (client id, millisecond timestamp within its window, a nonce used once, the
HMAC), the interfaces of sources.yaml, each answering its records a page at a time inside the gateway's envelope
(with the extra fields a real gateway adds: a request id, its own timestamp, an update time on each record).

It validates what it receives (signature, clock, replay, the interface's key, the page), keeps its records and a
log of every request, and injects faults per interface: ``down`` (HTTP 503), ``slow`` (answers after a delay),
``wrong`` (HTTP 200 with an envelope that is not one), ``throttle`` (the gateway's 429 code), ``error`` (its 500).

- ``POST <dialect path>``       the query (the interface from the path)
- ``POST /admin/records``       ``{"source": code, "records": [{...source field names...}]}``
- ``POST /admin/faults``        ``{"source": code | "*", "mode": "down"|"slow"|"wrong"|"throttle"|"error"|null,
                                   "seconds": n}``
- ``GET  /admin/requests``      the request log (interface, client, outcome)
- ``GET  /admin/keys``          a national-algorithm gateway's SM2 public key (what it hands the center)
- ``POST /admin/keys``          ``{"client": id, "public_key": hex, "transport_key": hex}``: the center's public key
                                 and the SM4 key, as the center hands them over

A gateway in the national algorithms (``signature: sm2-sm3``) verifies the center's SM2 signature over the exact
body, decrypts the SM4 body, and encrypts and signs its answers. It verifies and signs with gmssl, another
implementation than the client's gmalg: the two agreeing is a check, not an echo.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections import deque
from typing import Any

from werkzeug.wrappers import Request, Response

from hpf.datashare import gm
from hpf.datashare.catalog import Source, catalog
from hpf.datashare.dialect import Dialect, dialects
from hpf.datashare.report_specs import ReportSpec, report_specs

CLIENT_ID, CLIENT_SECRET = "YTGJJ-HPF", "sandbox-bigdata-secret"
# what the dialect's own codes mean; a fault answers with the dialect's code of that meaning (its 429 may be "42900")
_MEANINGS = {"refused": "401", "not_found": "404", "throttled": "429", "unavailable": "500"}
_STALE_NONCES = 10_000


class ExchangeGatewaySandbox:
    def __init__(self, dialect: str = "bigdata", clients: dict[str, str] | None = None):
        self.dialect: Dialect = dialects()[dialect]
        self.clients = clients or {CLIENT_ID: f"sandbox-{dialect}-secret"}
        self.sources: dict[str, Source] = {s.interface: s for s in catalog().values() if s.gateway == dialect}
        # what is reported to platforms behind this gateway (电子信息上报): the items each keeps, one per id
        self.reports: dict[str, ReportSpec] = {r.interface: r for r in report_specs().values() if r.gateway == dialect}
        self.reported: dict[str, dict[str, Any]] = {}
        self._records: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._faults: dict[str, tuple[str, float]] = {}
        self._nonces: deque[str] = deque(maxlen=_STALE_NONCES)
        self._seen: set[str] = set()
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        pattern = re.escape(self.dialect.path).replace(re.escape("{interface}"), r"(?P<interface>[A-Za-z0-9_.]+)")
        self._path = re.compile(f"^{pattern}$")
        # the national algorithms: our key pair, the clients' public keys and the SM4 key, handed over beforehand
        self._private_key, self.public_key = gm.sm2_keypair() if self.dialect.national else ("", "")
        self.trusted: dict[str, str] = {}
        self.transport_key = ""

    def trust(self, client: str, public_key: str, transport_key: str) -> None:
        """What the center hands over out of band: its SM2 public key and the SM4 key."""
        with self._lock:
            self.clients.setdefault(client, "")
            self.trusted[client] = gm.sm2_public_key(public_key)
            self.transport_key = transport_key

    # -- administration ------------------------------------------------------------------------------------------
    def add_records(self, code: str, records: list[dict[str, Any]]) -> None:
        """Records of a source in its own field names; each is found by the source's first key."""
        src = catalog()[code]
        with self._lock:
            for record in records:
                self._records.setdefault((src.interface, str(record[src.keys[0]])), []).append(dict(record))

    def fault(self, code: str, mode: str | None, seconds: float = 0.0) -> None:
        """A source's code, a report's (reports.yaml), or "*"."""
        interface = "*" if code == "*" else (report_specs()[code].interface if code in report_specs()
                                             else catalog()[code].interface)
        with self._lock:
            if mode:
                self._faults[interface] = (mode, seconds)
            else:
                self._faults.pop(interface, None)

    def asked(self, code: str) -> int:
        interface = catalog()[code].interface
        with self._lock:
            return sum(1 for r in self.requests if r["interface"] == interface and r["outcome"] == "200")

    # -- WSGI ------------------------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._dispatch(Request(environ))(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return self._envelope("400", "请求体不是合法的JSON")
        if request.path == "/admin/keys":
            if request.method == "POST":
                self.trust(body["client"], body["public_key"], body["transport_key"])
            return _json({"public_key": self.public_key})
        if request.path == "/admin/records" and request.method == "POST":
            self.add_records(body["source"], body["records"])
            return _json({"added": len(body["records"])}, 201)
        if request.path == "/admin/faults" and request.method == "POST":
            self.fault(body.get("source", "*"), body.get("mode"), float(body.get("seconds", 0)))
            return _json({"ok": True})
        if request.path == "/admin/requests" and request.method == "GET":
            with self._lock:
                return _json({"requests": list(self.requests)})
        matched = self._path.match(request.path)
        if not matched or request.method != self.dialect.method:
            return _json({"code": "404", "msg": "接口不存在"}, 404)
        interface = matched.group("interface")
        client, outcome, response = request.headers.get(self.dialect.headers["client"], ""), "", None
        why = self._refusal(request)
        if why:
            outcome, response = "401", self._envelope(self._code("refused"), why)
        elif interface in self.reports:
            outcome, response = self._take(self.reports[interface], body)
        elif interface not in self.sources:
            outcome, response = "404", self._envelope(self._code("not_found"), "接口不存在或未授权")
        elif self.dialect.encryption_field and not isinstance(body := self._opened(body), dict):
            outcome, response = "401", self._envelope(self._code("refused"), "报文解密失败")
        else:
            outcome, response = self._answer(self.sources[interface], body)
            response = self._sealed(response)
        with self._lock:
            self.requests.append({"interface": interface, "client": client, "outcome": outcome})
        return response

    def _refusal(self, request: Request) -> str:
        h = self.dialect.headers
        client, stamp = request.headers.get(h["client"], ""), request.headers.get(h["timestamp"], "")
        nonce, signature = request.headers.get(h["nonce"], ""), request.headers.get(h["signature"], "")
        if client not in self.clients:
            return "应用标识无效"
        if not (stamp.isdigit() and nonce and signature):
            return "缺少签名参数"
        seconds = int(stamp) / (1000 if self.dialect.timestamp_unit == "ms" else 1)
        if abs(time.time() - seconds) > self.dialect.window_seconds:
            return "时间戳已过期"
        if self.dialect.national:
            if client not in self.trusted:
                return "应用公钥未登记"
            message = self.dialect.signed_message(client, stamp, nonce, request.get_data())
            if not _gmssl(public=self.trusted[client]).verify_with_sm3(signature, message):
                return "签名校验失败"
        elif not secrets.compare_digest(signature, self.dialect.sign(client, stamp, nonce, self.clients[client])):
            return "签名校验失败"
        with self._lock:
            if nonce in self._seen:
                return "请求重复（随机数已使用）"
            if len(self._nonces) == self._nonces.maxlen:
                self._seen.discard(self._nonces[0])
            self._nonces.append(nonce)
            self._seen.add(nonce)
        return ""

    def _answer(self, src: Source, body: dict[str, Any]) -> tuple[str, Response]:
        mode, seconds = self._faults.get(src.interface) or self._faults.get("*") or ("", 0.0)
        if mode == "down":
            return "503", _json({"code": "503", "msg": "服务不可用"}, 503)
        if mode == "slow":
            time.sleep(seconds)
        if mode == "wrong":
            return "200", Response("<html>网关维护中</html>", status=200, mimetype="text/html")
        if mode == "throttle":
            return "429", self._envelope(self._code("throttled"), "调用频率超限")
        if mode == "error":
            return "500", self._envelope(self._code("unavailable"), "数据源系统异常")
        p = self.dialect.paging
        key = str(body.get(src.keys[0], "")).strip()
        page, size = body.get(p["page"]), body.get(p["size"])
        if not key:
            return "400", self._envelope("400", f"参数错误：{src.keys[0]}不能为空")
        if not (isinstance(page, int) and isinstance(size, int) and page >= p["first"] and 1 <= size <= p["max_size"]):
            return "400", self._envelope("400", f"参数错误：{p['page']}/{p['size']}")
        with self._lock:
            found = list(self._records.get((src.interface, key), []))
        start = (page - p["first"]) * size
        stamped = [{**r, "GXSJ": time.strftime("%Y-%m-%d %H:%M:%S")} for r in found[start:start + size]]
        e = self.dialect.envelope
        return "200", self._envelope(e["ok"][0], "成功", {e["total"]: len(found), e["records"]: stamped})

    def _take(self, spec: ReportSpec, body: dict[str, Any]) -> tuple[str, Response]:
        """A submission: each item checked and kept by its id (the same id again is the same item, same receipt);
        faults as for queries — ``slow`` keeps the items and answers late, as a platform that got them would."""
        mode, seconds = self._faults.get(spec.interface) or self._faults.get("*") or ("", 0.0)
        if mode == "down":
            return "503", _json({"code": "503", "msg": "服务不可用"}, 503)
        items = body.get(spec.items)
        if not isinstance(items, list) or not items:
            return "400", self._envelope("400", f"参数错误：{spec.items}")
        r, receipts = spec.receipts, []
        for item in items:
            item_id = str(item.get(spec.id_field, "")) if isinstance(item, dict) else ""
            missing = [f for f in spec.required if not str(item.get(f, "")).strip()] if item_id else [spec.id_field]
            if missing or item.get(spec.action_field) not in spec.actions.values():
                receipts.append({r["id"]: item_id, r["status"]: "0",
                                 r["message"]: f"缺少或错误的字段：{'、'.join(missing) or spec.action_field}"})
                continue
            with self._lock:
                self.reported.setdefault(item_id, dict(item))
            receipts.append({r["id"]: item_id, r["status"]: r["accepted"][0], r["message"]: "接收成功",
                             r["number"]: "HZ" + hashlib.sha256(item_id.encode()).hexdigest()[:12].upper()})
        if mode == "slow":
            time.sleep(seconds)
        return "200", self._envelope(self.dialect.envelope["ok"][0], "成功", {r["items"]: receipts})

    def published(self, spec_code: str = "bad_records") -> dict[str, dict[str, Any]]:
        """What the platform shows now: per subject and business, the last item's action decides."""
        spec = report_specs()[spec_code]
        shown: dict[str, dict[str, Any]] = {}
        with self._lock:
            for item in self.reported.values():
                key = f"{item.get(spec.fields['business_id'])}|{item.get(spec.fields['kind'])}"
                if item[spec.action_field] == spec.actions["publish"]:
                    shown[key] = item
                else:
                    shown.pop(key, None)
        return shown

    def _opened(self, body: Any) -> Any:
        """The decrypted body of a national-algorithm request, or None when it cannot be read."""
        try:
            return json.loads(gm.sm4_cbc_decrypt(self.transport_key, str(body[self.dialect.encryption_field])))
        except (KeyError, TypeError, ValueError, gm.CryptoRefused):
            return None

    def _sealed(self, response: Response) -> Response:
        """A national-algorithm answer: its JSON encrypted under the SM4 key, the body signed with our key."""
        if not self.dialect.national or response.mimetype != "application/json":
            return response
        body = response.get_data()
        if self.dialect.encryption_field:
            body = json.dumps({self.dialect.encryption_field: gm.sm4_cbc_encrypt(self.transport_key, body)}).encode()
        sealed = Response(body, status=response.status_code, mimetype="application/json")
        if self.dialect.response_signature:
            sealed.headers[self.dialect.response_signature] = _gmssl(self._private_key, self.public_key).sign_with_sm3(
                body)
        return sealed

    def _code(self, meaning: str) -> str:
        return next((code for code, means in self.dialect.errors.items() if means == meaning), _MEANINGS[meaning])

    def _envelope(self, code: str, message: str, data: Any = None) -> Response:
        e = self.dialect.envelope
        return _json({e["code"]: code, e["message"]: message, e["data"]: data,
                      "requestId": secrets.token_hex(8), "timestamp": int(time.time() * 1000)})


def _gmssl(private: str = "", public: str = "") -> Any:
    from gmssl import sm2  # the local platform's extra: only the sandboxes verify with it

    signer = sm2.CryptSM2(private_key=private, public_key="")
    # set after construction: gmssl's constructor strips "04" with lstrip, which also eats an x that begins with
    # the characters 0 or 4 (one key in eight)
    signer.public_key = public[2:] if len(public) == 130 else public
    return signer


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")
