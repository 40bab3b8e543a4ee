"""httpx client of the e-seal system (port ``hpf.seal.port.SealSystem``; the interface is docs/interfaces/e-seal.md).

One client per process keeps its connection; a seal's material is fetched once and kept (certificates and image
change only when the seal is re-issued, which is a deployment event). Connection failures and 5xx are transient
(retried by whoever called: the voucher request is idempotent); 4xx are the seal system's refusal.

Dialect (configuration, ``HPF_SEAL_TIME_STAMP``): ``with_signature`` where the system returns the time stamp over
a signature in the same answer (one round trip a seal, half the calls of a year-end statement run), ``separate``
where it offers only its RFC 3161 endpoint (a signature, then a time-stamp request).
"""

from __future__ import annotations

import base64
import hashlib
import threading

import httpx

from hpf.seal.port import SealMaterial, SealRefused, SealUnavailable, StampedSignature
from hpf.seal.signature_container import time_stamp_request

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
TIME_STAMP_DIALECTS = ("separate", "with_signature")


class SealSystemClient:
    def __init__(self, base_url: str, app_id: str, app_key: str, time_stamp: str = "separate"):
        if time_stamp not in TIME_STAMP_DIALECTS:
            raise ValueError(f"HPF_SEAL_TIME_STAMP must be one of {TIME_STAMP_DIALECTS}, not {time_stamp!r}")
        self.base_url = base_url.rstrip("/")
        self._stamp_with_signature = time_stamp == "with_signature"
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
        return base64.b64decode(self._signature(seal_code, digest, document_no)["signature"])

    def sign_and_stamp(self, seal_code: str, digest: bytes, document_no: str, nonce: int) -> StampedSignature:
        if not self._stamp_with_signature:
            signature = self.sign_digest(seal_code, digest, document_no)
            return StampedSignature(signature, self.timestamp(time_stamp_request(hashlib.sha256(signature).digest(),
                                                                                 nonce)))
        body = self._signature(seal_code, digest, document_no, time_stamp_nonce=nonce)
        try:
            return StampedSignature(base64.b64decode(body["signature"]), base64.b64decode(body["time_stamp_response"]))
        except (KeyError, TypeError, ValueError) as error:
            # configured for a system that stamps with the signature, talking to one that does not
            raise SealUnavailable(details={"time_stamp": "missing from the signature's answer"}) from error

    def _signature(self, seal_code: str, digest: bytes, document_no: str, **extra: object) -> dict:
        return self._call("POST", f"/seals/{seal_code}/signatures", json={
            "digest_algorithm": "sha256", "digest": base64.b64encode(digest).decode(), "document_no": document_no,
            **extra}).json()

    def timestamp(self, request_der: bytes) -> bytes:
        """An RFC 3161 TimeStampResp (DER) for a TimeStampReq (DER), from the system's time-stamp authority."""
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
