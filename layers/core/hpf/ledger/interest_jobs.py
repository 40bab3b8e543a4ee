"""The yearly interest run (年度结息): a schedule on 1 July plans one message per unit; a queue consumer
settles each unit. Units settle independently and idempotently, so a failed unit is retried alone (partial
batch failure, then the dead-letter queue) and a rerun of the whole plan credits nobody twice."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hpf import bootstrap, settings
from hpf.common.clock import SHANGHAI
from hpf.identity.roles import organisations
from hpf.ledger.interest import latest_settlement
from hpf.observability.correlation import set_correlation_id
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-interest-run")
QUEUE = "HPF_INTEREST_QUEUE_URL"


def plan(event: dict[str, Any], context: Any) -> dict[str, Any]:
    fired = datetime.fromisoformat(event["time"].replace("Z", "+00:00")).astimezone(SHANGHAI).date()
    settlement = latest_settlement(fired)
    correlation_id = set_correlation_id(f"interest-{settlement.isoformat()}-{event.get('id', '')}")
    logger.set_correlation_id(correlation_id)
    units = bootstrap.interest_service().units_of(sorted(organisations()))
    sent = bootstrap.queue_sender().send(
        settings.env(QUEUE), [{"unit_account": u, "settlement": settlement.isoformat()} for u in units],
        correlation_id)
    logger.info("interest run planned", extra={"settlement": settlement.isoformat(), "units": sent})
    count("InterestUnitsPlanned", sent)
    return {"settlement": settlement.isoformat(), "units": sent}


def settle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    return process_partial_response(event=event, record_handler=_settle_unit,
                                    processor=BatchProcessor(event_type=EventType.SQS), context=context)


def _settle_unit(record: Any) -> None:
    from datetime import date

    message = json.loads(record.body)
    attributes = record.message_attributes
    correlation_id = set_correlation_id(
        attributes["correlation_id"].string_value if "correlation_id" in attributes else None)
    logger.set_correlation_id(correlation_id)
    result = bootstrap.interest_service().settle_unit_for_schedule(
        message["unit_account"], date.fromisoformat(message["settlement"]), correlation_id)
    logger.info("unit interest settled", extra={"unit_account": result.unit_account, "settled": result.settled,
                                                "already": result.already, "total": str(result.total_interest)})
    if result.settled:
        count("InterestAccountsSettled", result.settled)
