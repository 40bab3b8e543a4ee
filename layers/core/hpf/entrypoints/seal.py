"""The seal area's Lambda entrypoints besides HTTP: binding the accounting archive of the month just closed and
collecting a finished business's sealed voucher into the archive (7.5.4, 7.5.5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hpf import bootstrap
from hpf.common.clock import business_date
from hpf.entrypoints.batches import each_message
from hpf.entrypoints.schedules import recorded
from hpf.observability.logging import get_logger
from hpf.seal.collection import BusinessCollector

logger = get_logger("hpf-seal")


@recorded
def bind_accounting_month(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule (the 3rd, 02:00) and ``hpf archive bind-month``: ``{"month": "YYYY-MM"}`` binds that month; a
    scheduled event (no month) binds the month before today's (7.5.16)."""
    month = (event or {}).get("month") or (business_date(bootstrap.clock()).replace(day=1)
                                            - timedelta(days=1)).strftime("%Y-%m")
    volume = bootstrap.accounting_archive().bind_month(month)
    logger.info("accounting month bound", extra={"month": month, "volume": volume.archival_code})
    return {"month": month, "volume": volume.document_key, "archival_code": volume.archival_code,
            "sha256": volume.sha256}


def collect_business(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Queue consumer: a seal system that is down fails the message back to the queue (retried, then the
    dead-letter queue); issuing is idempotent by the voucher number, so a redelivery archives nothing twice."""
    collector = BusinessCollector(bootstrap.voucher_service())

    def collect(message: dict[str, Any], correlation_id: str) -> None:
        collector.handle(message)

    return each_message(event, context, collect)
