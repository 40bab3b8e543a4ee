"""Scheduled seal work: binding the accounting archive of the month just closed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hpf import bootstrap
from hpf.common.clock import business_date
from hpf.observability.logging import get_logger

logger = get_logger("hpf-seal")


def bind_accounting_month(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """``{"month": "YYYY-MM"}`` binds that month; a scheduled event (no month) binds the month before today's."""
    month = (event or {}).get("month") or (business_date(bootstrap.clock()).replace(day=1)
                                            - timedelta(days=1)).strftime("%Y-%m")
    volume = bootstrap.accounting_archive().bind_month(month)
    logger.info("accounting month bound", extra={"month": month, "volume": volume.archival_code})
    return {"month": month, "volume": volume.document_key, "archival_code": volume.archival_code,
            "sha256": volume.sha256}
