"""Process-wide AWS clients, created on first use.

They are botocore clients — the engine under boto3 — made from one botocore session: ``import boto3`` also
loads s3transfer and its session machinery, ~90 ms of every cold start that none of our adapters use.
The endpoint comes from AWS_ENDPOINT_URL when set (the local platform points it at its embedded endpoint);
otherwise botocore's normal resolution applies (the government cloud's endpoints through its configuration).
"""

from __future__ import annotations

import threading
from typing import Any

_clients: dict[str, Any] = {}
_session: Any = None
_lock = threading.Lock()


def client(service: str) -> Any:
    found = _clients.get(service)
    if found is not None:
        return found
    with _lock:
        if service not in _clients:
            import botocore.session
            from botocore.config import Config

            global _session
            if _session is None:
                _session = botocore.session.get_session()
            _clients[service] = _session.create_client(
                service, config=Config(retries={"mode": "standard", "max_attempts": 3})
            )
        return _clients[service]


def reset_clients() -> None:
    """Forget every client (tests that switch endpoints)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None
