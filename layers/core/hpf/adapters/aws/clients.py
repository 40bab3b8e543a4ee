"""Process-wide boto3 clients, created on first use.

The endpoint comes from AWS_ENDPOINT_URL when set (the local platform points it at its embedded endpoint);
otherwise boto3's normal resolution applies (the government cloud's endpoints through its configuration).
"""

from __future__ import annotations

import threading
from typing import Any

_clients: dict[str, Any] = {}
_lock = threading.Lock()


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import boto3
            from botocore.config import Config

            _clients[service] = boto3.session.Session().client(
                service, config=Config(retries={"mode": "standard", "max_attempts": 3})
            )
        return _clients[service]


def reset_clients() -> None:
    """Forget every client (tests that switch endpoints)."""
    with _lock:
        _clients.clear()
