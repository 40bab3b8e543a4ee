"""What real S3 refuses and the embedded endpoint (moto) accepts, refused here too: a COMPLIANCE retention can be
neither shortened nor turned into GOVERNANCE (nor removed) by anyone, the root account included, until it
expires. Without this the local platform would let a test — or a person at the local endpoint — do to the archive
what the cloud never allows, and a guarantee of the archive would be proved against a store that lacks it.

Installed once, in process, before the endpoint starts (as the Lambda dispatch and the transaction isolation are).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    from moto.s3.exceptions import AccessDeniedByLock
    from moto.s3.models import S3Backend

    original = S3Backend.put_object_retention

    def put_object_retention(self: Any, bucket_name: str, key_name: str, version_id: str | None,
                             retention: tuple[str | None, str | None]) -> None:
        key = self.get_object(bucket_name, key_name, version_id=version_id)
        if key is not None and _locked_in_compliance(key):
            mode, until = retention
            if mode != "COMPLIANCE" or until is None or _instant(until) < _instant(key.lock_until):
                raise AccessDeniedByLock()
        original(self, bucket_name, key_name, version_id, retention)

    S3Backend.put_object_retention = put_object_retention  # type: ignore[method-assign]
    _installed = True


def _locked_in_compliance(key: Any) -> bool:
    if key.lock_mode != "COMPLIANCE" or not key.lock_until:
        return False
    return _instant(key.lock_until) > datetime.now(_instant(key.lock_until).tzinfo)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
