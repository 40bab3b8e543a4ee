"""httpx client of the identity system's revocation list (docs/interfaces/identity.md): the ids of tokens signed
out or withdrawn before their expiry. The verifier (hpf.identity.tokens) caches what this returns."""

from __future__ import annotations

import httpx

TIMEOUT = httpx.Timeout(3.0, connect=1.0)  # asked on a request's path: it must not hold the request long


class RevocationListClient:
    def __init__(self, url: str):
        self._url = url
        self._http = httpx.Client(timeout=TIMEOUT)

    def __call__(self) -> frozenset[str]:
        response = self._http.get(self._url)
        response.raise_for_status()
        revoked = response.json().get("revoked", [])
        if not isinstance(revoked, list):
            raise ValueError("the revocation list is not a list")
        return frozenset(str(jti) for jti in revoked)
