"""httpx client of the e-seal system (port ``hpf.seal.port.SealSystem``; the interface is docs/interfaces/e-seal.md).

One client per process keeps its connection; a seal's material is fetched once and kept (certificates and image
change only when the seal is re-issued, which is a deployment event). Connection failures and 5xx are transient
(retried by whoever called: the voucher request is idempotent); 4xx are the seal system's refusal.
"""

from __future__ import annotations

import base64
import threading

import httpx

from hpf.seal.port import SealMaterial, SealRefused, SealUnavailable

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


class SealSystemClient:
    def __init__(self, base_url: str, app_id: str, app_key: str):
        self.base_url = base_url.rstrip("/")
        self.timestamp_url = f"{self.base_url}/tsa"
        self._http = httpx.Client(base_url=self.base_url, timeout=TIMEOUT,
                                  headers={"X-App-Id": app_id, "X-App-Key": app_key})
        self._materials: dict[str, SealMaterial] = {}
        self._lock = threading.Lock()

    def material(self, seal_code: str) -> SealMaterial:
        found = self._materials.get(seal_code)
        if found is None:
            body = self._call("GET", f"/seals/{seal_code}").json()
            found = SealMaterial(seal_code=body["seal_code"], name=body["name"], kind=body["kind"],
                                 certificates=tuple(base64.b64decode(c) for c in body["certificates"]),
                                 image_png=base64.b64decode(body["image_png"]))
            with self._lock:
                self._materials[seal_code] = found
        return found

    def sign_digest(self, seal_code: str, digest: bytes, document_no: str) -> bytes:
        body = self._call("POST", f"/seals/{seal_code}/signatures", json={
            "digest_algorithm": "sha256", "digest": base64.b64encode(digest).decode(), "document_no": document_no,
        }).json()
        return base64.b64decode(body["signature"])

    def timestamp(self, request_der: bytes) -> bytes:
        return self._call("POST", "/tsa", content=request_der,
                          headers={"Content-Type": "application/timestamp-query"}).content

    def _call(self, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise SealUnavailable(details={"error": type(error).__name__}) from error
        if response.status_code >= 500:
            raise SealUnavailable(details={"status": response.status_code})
        if response.status_code >= 400:
            try:
                reason = response.json().get("message", "")
            except ValueError:
                reason = response.text[:200]
            raise SealRefused(f"电子印章系统拒绝签章：{reason}", details={"status": response.status_code})
        return response
