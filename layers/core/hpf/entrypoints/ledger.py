"""The ledger's Lambda entrypoints besides HTTP: its event consumer, the remittance-posting task, the yearly
interest run (年度结息) and the nightly ledger snapshot.

The interest run: a schedule on 1 July plans one message per unit; a queue consumer settles each unit. Units
settle independently and idempotently, so a failed unit is retried alone (partial batch failure, then the
dead-letter queue) and a rerun of the whole plan credits nobody twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hpf import bootstrap, settings
from hpf.common.clock import SHANGHAI
from hpf.entrypoints.batches import each_message
from hpf.entrypoints.schedules import recorded
from hpf.identity.roles import organisations
from hpf.ledger.consumers import LedgerEventHandler
from hpf.ledger.interest import latest_settlement
from hpf.observability.correlation import set_correlation_id
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-ledger-jobs")
INTEREST_QUEUE = "HPF_INTEREST_QUEUE_URL"


def ledger_events(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Queue consumer of ledger events (partial batch failure)."""
    handler = LedgerEventHandler(bootstrap.workflows(), bootstrap.settlement_port())
    return each_message(event, context, handler.handle)


def post_remittance(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """State-machine task: post every line of the remittance. An exception keeps its class name as the error
    type, which the machine's Retry (TransientFailure) and Catch (NotFound, BusinessRuleViolation) match on."""
    correlation_id = set_correlation_id(event.get("correlation_id"))
    logger.set_correlation_id(correlation_id)
    remittance = bootstrap.ledger_service().post_remittance(event["remittance_id"], correlation_id)
    logger.info("remittance posted", extra={"remittance_id": remittance.remittance_id,
                                             "lines": len(remittance.lines)})
    count("RemittanceLinesPosted", len(remittance.lines))
    return {"remittance_id": remittance.remittance_id, "status": remittance.status.value,
            "total": str(remittance.total), "lines": len(remittance.lines), "correlation_id": correlation_id}


@recorded
def plan_interest_run(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule (1 July): one message per unit to the interest-settlement queue."""
    settlement = latest_settlement(_fired(event).date())
    correlation_id = set_correlation_id(f"interest-{settlement.isoformat()}-{event.get('id', '')}")
    logger.set_correlation_id(correlation_id)
    units = bootstrap.interest_service().units_of(sorted(organisations()))
    sent = bootstrap.queue_sender().send(
        settings.env(INTEREST_QUEUE), [{"unit_account": u, "settlement": settlement.isoformat()} for u in units],
        correlation_id)
    logger.info("interest run planned", extra={"settlement": settlement.isoformat(), "units": sent})
    count("InterestUnitsPlanned", sent)
    return {"settlement": settlement.isoformat(), "units": sent}


def settle_interest(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Queue consumer: settle one unit's accounts per message."""
    service = bootstrap.interest_service()

    def settle_unit(message: dict[str, Any], correlation_id: str) -> None:
        result = service.settle_unit_for_schedule(message["unit_account"], date.fromisoformat(message["settlement"]),
                                                  correlation_id)
        logger.info("unit interest settled", extra={"unit_account": result.unit_account, "settled": result.settled,
                                                    "already": result.already, "total": str(result.total_interest)})
        if result.settled:
            count("InterestAccountsSettled", result.settled)

    return each_message(event, context, settle_unit)


@recorded
def snapshot_ledger(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule (02:00 Asia/Shanghai): the ledger as Parquet in the analytics bucket, labelled with yesterday's
    business date."""
    from hpf.analytics.snapshot import write_snapshot  # DuckDB: only this function's package carries it

    day = (_fired(event) - timedelta(days=1)).date()
    manifest = write_snapshot(bootstrap.ledger_rows(), day, bootstrap.analytics_files().put)
    rows = {t: m["rows"] for t, m in manifest["tables"].items()}
    logger.info("ledger snapshot written", extra={"business_date": day.isoformat(), "rows": rows})
    count("SnapshotRows", sum(rows.values()))
    return {"business_date": day.isoformat(), "rows": rows}


def _fired(event: dict[str, Any]) -> datetime:
    """The schedule's firing time (EventBridge writes UTC with a Z) in Asia/Shanghai."""
    return datetime.fromisoformat(event["time"].replace("Z", "+00:00")).astimezone(SHANGHAI)
