"""The front ends on the local platform's one port, beside the areas' APIs: ``/console/``, ``/app/`` … serve the
built pages (``web/dist``), ``/assets/`` their hashed files, ``/web-config.json`` where the identity system is.

In a deployment the same files sit in object storage behind the CDN (infra/areas/web.yaml) with the same headers;
here the gateway serves them so one URL per front end works on one machine. A front end is a single-page app:
any path below its prefix that is not a file answers with its ``index.html`` (the router takes over).
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpf.sandbox.identity_browser import BrowserClient


@dataclass(frozen=True)
class FrontEnd:
    path: str  # /console/
    client_id: str
    name: str
    channel: str


FRONT_ENDS = (
    FrontEnd("console", "hpf-console", "住房公积金业务系统（柜台、财务、审批、档案、稽核）", "counter"),
    FrontEnd("app", "hpf-app", "鹰潭住房公积金手机APP", "app"),
    FrontEnd("hall", "hpf-hall", "鹰潭市住房公积金个人网上服务大厅", "web"),
    FrontEnd("unit", "hpf-unit", "鹰潭市住房公积金单位网上服务大厅", "unit_web"),
    FrontEnd("ops", "hpf-ops", "鹰潭市住房公积金运维控制台", "web"),
    FrontEnd("developer", "hpf-developer", "鹰潭市住房公积金开发商网上服务大厅", "developer_web"),
)
DIST = Path(__file__).resolve().parents[4] / "web" / "dist"
# Pages load only their own scripts and styles and talk only to the platform and the identity system; Element
# Plus sets inline styles on elements, which 'unsafe-inline' for style-src allows (scripts stay strict). A page
# shows an archived PDF in a frame from object storage (a short-lived link): the only origin a frame may load.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
                           "data: blob:; font-src 'self' data:; connect-src 'self' {identity}; frame-src {storage}; "
                           "frame-ancestors 'none'; base-uri 'self'; form-action 'self' {identity}")


def register_clients(identity: Any, gateway_url: str) -> None:
    """Each front end as a client of the identity system, its redirect URI on this platform's port."""
    for front in FRONT_ENDS:
        identity.browser.register(BrowserClient(front.client_id, front.name, (f"{gateway_url}/{front.path}/",),
                                                front.channel))


class FrontEnds:
    """WSGI: front-end paths from ``dist``, everything else to ``api`` (the areas' gateway)."""

    def __init__(self, api: Any, identity_url: str, dist: Path = DIST, storage_url: str = "'none'"):
        self._api, self._dist, self._identity_url, self._storage_url = api, dist, identity_url, storage_url
        self._prefixes = {front.path for front in FRONT_ENDS} | {"assets"}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "/")
        first = path.lstrip("/").partition("/")[0]
        if path == "/web-config.json":
            body = json.dumps({"identity": self._identity_url,
                               "clients": {f.path: f.client_id for f in FRONT_ENDS}}).encode()
            return _send(start_response, "200 OK", "application/json", body, "no-store")
        if first not in self._prefixes or environ.get("REQUEST_METHOD") not in {"GET", "HEAD"}:
            return self._api(environ, start_response)
        if path == f"/{first}" and first != "assets":
            start_response("301 Moved Permanently", [("Location", f"/{first}/")])
            return [b""]
        file = (self._dist / path.lstrip("/")).resolve()
        if not file.is_relative_to((self._dist / first).resolve()):  # a path climbing out of its front end's folder
            return _send(start_response, "404 Not Found", "text/plain; charset=utf-8", "未找到".encode(), "no-store")
        if first == "assets":
            if not file.is_file():
                return _send(start_response, "404 Not Found", "text/plain; charset=utf-8", "未找到".encode(),
                             "no-store")
            # names carry their content's hash: a new build is a new name
            return _send(start_response, "200 OK", _type(file), file.read_bytes(), "public, max-age=31536000, immutable")
        if not file.is_file():
            file = self._dist / first / "index.html"
        if not file.is_file():
            message = "前端尚未构建：请运行 scripts/setup（它执行 npm ci 与 npm run build）".encode()
            return _send(start_response, "503 Service Unavailable", "text/plain; charset=utf-8", message, "no-store")
        headers = [("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(identity=self._identity_url,
                                                                                   storage=self._storage_url))]
        return _send(start_response, "200 OK", _type(file), file.read_bytes(), "no-cache", headers)


def _type(file: Path) -> str:
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith("javascript") else kind


def _send(start_response: Any, status: str, content_type: str, body: bytes, cache: str,
          extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))),
                            ("Cache-Control", cache), ("X-Content-Type-Options", "nosniff"),
                            ("Referrer-Policy", "no-referrer"), *(extra or [])])
    return [body]
