"""Lending's Lambda entrypoints besides HTTP: its event consumer and the daily deduction run (批量扣款)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hpf import bootstrap
from hpf.common.clock import business_date
from hpf.entrypoints.batches import each_message
from hpf.entrypoints.schedules import recorded
from hpf.lending.consumers import LendingEventHandler
from hpf.lending.ports import DeductionBatch
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-deductions")


def lending_events(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Queue consumer: lending's settlement instructions and deduction batches go to settlement."""
    return each_message(event, context, LendingEventHandler(bootstrap.settlement_port()).handle)


@recorded
def deduction_run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule (06:00): every office's installments due by today, one batch each."""
    day = business_date(bootstrap.clock())
    run = bootstrap.deduction_run()
    offices = run.offices()
    if not offices:
        logger.warning("deduction run skipped: the bank links are off", extra={"day": day.isoformat()})
        return {"day": day.isoformat(), "skipped": "bank links off"}
    batches = {}
    for org in offices:
        batch = logged(org, day, run.run(org, day))
        batches[org] = {"batch_id": batch.batch_id, "lines": len(batch.lines)} if batch else None
    return {"day": day.isoformat(), "batches": batches}


def logged(org: str, day: date, batch: DeductionBatch | None) -> DeductionBatch | None:
    """A batch built (or found) by the schedule or by finance's hand, in the log and the DeductionLines metric."""
    logger.info("deduction batch", extra={"org": org, "day": day.isoformat(),
                                          "batch_id": batch.batch_id if batch else None,
                                          "lines": len(batch.lines) if batch else 0})
    count("DeductionLines", len(batch.lines) if batch else 0)
    return batch
