"""httpx client of the provincial e-licence library (port ``hpf.archive.licences.LicenceLibrary``; the interface is
docs/interfaces/e-licence.md). A file whose digest is not the one the library states is treated as a broken
transfer (retry), never filed."""

from __future__ import annotations

import base64
import hashlib

import httpx

from hpf.archive.licences import Licence, LicenceLibraryUnavailable, LicenceNotFound, LicenceRefused, licence_of

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
REQUESTER = "YTGJJ"  # the center, as the library knows it


class LicenceLibraryClient:
    def __init__(self, base_url: str, app_id: str, app_key: str):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=TIMEOUT,
                                  headers={"X-App-Id": app_id, "X-App-Key": app_key})

    def fetch(self, licence_type: str, holder_id: str, authorization_code: str, purpose: str) -> Licence:
        try:
            response = self._http.post("/licences/query", json={
                "licence_type": licence_type, "holder_id": holder_id, "authorization_code": authorization_code,
                "purpose": purpose, "requester": REQUESTER})
        except httpx.TransportError as error:
            raise LicenceLibraryUnavailable(details={"error": type(error).__name__}) from error
        if response.status_code >= 500:
            raise LicenceLibraryUnavailable(details={"status": response.status_code})
        if response.status_code == 404:
            raise LicenceNotFound()
        if response.status_code >= 400:
            raise LicenceRefused(details={"status": response.status_code, "reason": _reason(response)})
        body = response.json()
        file = base64.b64decode(body["file_base64"])
        if hashlib.sha256(file).hexdigest() != body["file_sha256"]:
            raise LicenceLibraryUnavailable("电子证照文件传输不完整，请重试", details={"licence_no": body["licence_no"]})
        return licence_of(body, file)


def _reason(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code", ""))
    except ValueError:
        return response.text[:100]
