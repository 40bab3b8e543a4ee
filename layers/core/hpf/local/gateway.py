"""One local port for every function app: ``/<area>/...`` goes to that area's Chalice app.

This stands in for API Gateway (a base path per area on one domain). Each app is served through Chalice's
own LocalGateway, so routing, path parameters and the Lambda proxy event are those Chalice produces.
"""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

from chalice.config import Config
from chalice.local import ForbiddenError, LocalGateway, LocalGatewayException


class Gateway:
    def __init__(self, apps: dict[str, Any]):
        self._gateways = {
            area: LocalGateway(app, Config.create(chalice_app=app, app_name=app.app_name, lambda_timeout=30,
                                                  lambda_memory_size=512, function_name=app.app_name))
            for area, app in apps.items()
        }

    @property
    def areas(self) -> list[str]:
        return sorted(self._gateways)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "/")
        area, _, rest = path.lstrip("/").partition("/")
        gateway = self._gateways.get(area)
        if gateway is None:
            return _send(start_response, 404, {"Content-Type": "application/json; charset=utf-8"},
                         json.dumps({"code": "ROUTE_NOT_FOUND", "message": "请求的服务不存在",
                                     "details": {"areas": self.areas}}, ensure_ascii=False).encode())
        query = environ.get("QUERY_STRING", "")
        # PATH_INFO arrives decoded: a path parameter holding %3F or %23 would otherwise cut the path at a '?' or
        # '#' and reach another route (found by the OpenAPI fuzz). Quoted again, it stays one segment, as the proxy
        # resource in front of the function keeps it.
        target = "/" + quote(rest, safe="/", encoding="latin-1") + (f"?{query}" if query else "")  # PEP 3333
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            response = gateway.handle_request(environ["REQUEST_METHOD"], target, headers, body)
        except LocalGatewayException as exc:
            status = getattr(exc, "CODE", 403)
            if isinstance(exc, ForbiddenError):
                # LocalGateway, like API Gateway, answers an unknown route with 403 (we use no Chalice
                # authorizers, so that is its only 403); ours says what it is.
                return _send(start_response, 404, {"Content-Type": "application/json; charset=utf-8"},
                             json.dumps({"code": "ROUTE_NOT_FOUND", "message": "请求的接口不存在"},
                                        ensure_ascii=False).encode())
            return _send(start_response, status, dict(exc.headers or {}), exc.body or b"")
        payload = response.get("body") or b""
        if response.get("isBase64Encoded"):
            payload = base64.b64decode(payload)
        elif isinstance(payload, str):
            payload = payload.encode("utf-8")
        headers_out = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            headers_out[name] = ", ".join(values)
        return _send(start_response, int(response["statusCode"]), headers_out, payload)


def _send(start_response: Any, status: int, headers: dict[str, str], body: bytes) -> list[bytes]:
    from http import HTTPStatus

    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    headers = {**headers, "Content-Length": str(len(body))}
    start_response(f"{status} {reason}", list(headers.items()))
    return [body]
