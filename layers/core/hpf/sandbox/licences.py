"""Sandbox of the Jiangxi e-licence library (江西省电子证照库), the interface of docs/interfaces/e-licence.md.

It holds licences (a PDF each), the authorizations holders granted (code → holder, licence types, grantee, expiry),
and a log of every query — the library's own audit of who read whose licence. It checks the application key, the
code (exists, the holder's, covers the type, granted to the requester, not expired) and injects faults.

- ``POST /licences/query``     ``{"licence_type","holder_id","authorization_code","purpose","requester"}``
- ``POST /admin/licences``     ``{"holder_id","holder_name","licence_type","issuer","status"?}`` → the licence
- ``POST /admin/authorizations`` ``{"holder_id","licence_types":[…],"grantee","days"}`` → ``{"code"}``
- ``POST /admin/faults``       ``{"unavailable": bool}`` ; ``GET /admin/queries`` the query log
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import secrets
import threading
from datetime import date, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

APP_ID, APP_KEY = "hpf-platform", "sandbox-licence-key"


class LicenceLibrarySandbox:
    def __init__(self, app_id: str = APP_ID, app_key: str = APP_KEY):
        self.app_id, self.app_key = app_id, app_key
        self._lock = threading.Lock()
        self.licences: dict[tuple[str, str], dict[str, Any]] = {}
        self.authorizations: dict[str, dict[str, Any]] = {}
        self.queries: list[dict[str, Any]] = []
        self.unavailable = False
        self._serial = 0

    # -- administration ------------------------------------------------------------------------------------
    def add_licence(self, holder_id: str, holder_name: str, licence_type: str, issuer: str,
                    status: str = "valid") -> dict[str, Any]:
        with self._lock:
            self._serial += 1
            number = f"36{licence_type[:2]}{self._serial:010d}"
        file = _licence_pdf(licence_type, number, holder_name, holder_id, issuer)
        licence = {"licence_no": number, "licence_type": licence_type, "holder_name": holder_name,
                   "holder_id": holder_id, "issuer": issuer, "issued_on": date.today().isoformat(),
                   "valid_until": None, "status": status, "file": file}
        with self._lock:
            self.licences[(holder_id, licence_type)] = licence
        return licence

    def authorize(self, holder_id: str, licence_types: list[str], grantee: str = "YTGJJ", days: int = 30) -> str:
        code = secrets.token_hex(12)
        with self._lock:
            self.authorizations[code] = {"holder_id": holder_id, "types": set(licence_types), "grantee": grantee,
                                         "expires": date.today() + timedelta(days=days)}
        return code

    # -- WSGI ----------------------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._dispatch(Request(environ))(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path, method = request.path.rstrip("/"), request.method
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            return _error(400, "MALFORMED", "请求格式不正确")
        if path == "/admin/licences" and method == "POST":
            licence = self.add_licence(body["holder_id"], body["holder_name"], body["licence_type"], body["issuer"],
                                       body.get("status", "valid"))
            return _json({k: v for k, v in licence.items() if k != "file"}, 201)
        if path == "/admin/authorizations" and method == "POST":
            return _json({"code": self.authorize(body["holder_id"], body["licence_types"],
                                                 body.get("grantee", "YTGJJ"), int(body.get("days", 30)))}, 201)
        if path == "/admin/faults" and method == "POST":
            self.unavailable = bool(body.get("unavailable"))
            return _json({"unavailable": self.unavailable})
        if path == "/admin/queries" and method == "GET":
            with self._lock:
                return _json({"queries": list(self.queries)})
        if self.unavailable:
            return _error(503, "UNAVAILABLE", "电子证照库维护中")
        if request.headers.get("X-App-Id") != self.app_id or request.headers.get("X-App-Key") != self.app_key:
            return _error(401, "APP_UNAUTHORIZED", "应用未授权")
        if path == "/licences/query" and method == "POST":
            return self._query(body)
        return _error(404, "NOT_FOUND", "接口不存在")

    def _query(self, body: dict[str, Any]) -> Response:
        try:
            licence_type, holder_id = str(body["licence_type"]), str(body["holder_id"])
            code, requester, purpose = str(body["authorization_code"]), str(body["requester"]), str(body["purpose"])
        except KeyError as missing:
            return _error(400, "MALFORMED", f"缺少字段 {missing}")
        granted = self.authorizations.get(code)
        verdict = ("refused" if granted is None or granted["holder_id"] != holder_id
                   or licence_type not in granted["types"] or granted["grantee"] != requester
                   or granted["expires"] < date.today() else "granted")
        with self._lock:
            self.queries.append({"licence_type": licence_type, "holder_id": holder_id, "requester": requester,
                                 "purpose": purpose, "verdict": verdict})
        if verdict == "refused":
            return _error(403, "AUTHORIZATION_REFUSED", "授权无效、已过期或不包含该证照")
        licence = self.licences.get((holder_id, licence_type))
        if licence is None:
            return _error(404, "LICENCE_NOT_FOUND", "无此证照")
        return _json({**{k: v for k, v in licence.items() if k != "file"},
                      "file_base64": base64.b64encode(licence["file"]).decode(),
                      "file_sha256": hashlib.sha256(licence["file"]).hexdigest()})


def _licence_pdf(licence_type: str, number: str, holder_name: str, holder_id: str, issuer: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from hpf.seal.fonts import font_file

    if "LicenceCjk" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("LicenceCjk", font_file(), subfontIndex=0))
    out = io.BytesIO()
    page = canvas.Canvas(out, initialFontName="LicenceCjk")
    page.setFont("LicenceCjk", 14)
    for i, line in enumerate((f"电子证照（沙箱）{licence_type}", f"证照编号 {number}", f"持证人 {holder_name}",
                              f"证件号码 {holder_id[:6]}********{holder_id[-4:]}", f"颁发机构 {issuer}")):
        page.drawString(72, 760 - 24 * i, line)
    page.showPage()
    page.save()
    return out.getvalue()


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


def _error(status: int, code: str, message: str) -> Response:
    return _json({"code": code, "message": message}, status)
