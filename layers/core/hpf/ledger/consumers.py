"""Consumers of ledger events from the ledger queue. Each record is handled on its own: a failure reports
that message alone back to the queue (partial batch failure), the others are done."""

from __future__ import annotations

import json
from typing import Any

from hpf import bootstrap
from hpf.observability.correlation import set_correlation_id
from hpf.observability.logging import get_logger

logger = get_logger("hpf-ledger-events")
REMITTANCE_POSTING = "HPF_REMITTANCE_POSTING_ARN"


def handle_ledger_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=_handle, processor=processor, context=context)


def _handle(record: Any) -> None:
    message = json.loads(record.body)
    attributes = record.message_attributes
    carried = attributes["correlation_id"].string_value if "correlation_id" in attributes else None
    correlation_id = set_correlation_id(carried or message.get("correlation_id"))
    logger.set_correlation_id(correlation_id)
    event_type = message["event_type"]
    if event_type == "ledger.RemittanceFunded":  # money first: a list is posted once its money has arrived
        remittance_id = message["payload"]["remittance_id"]
        execution = bootstrap.workflows().start(
            REMITTANCE_POSTING, f"remittance-{remittance_id}",
            {"remittance_id": remittance_id, "correlation_id": correlation_id},
        )
        logger.info("remittance posting started", extra={"remittance_id": remittance_id, "execution": execution})
    else:
        # Other ledger events have no consumer in this area yet; they are acknowledged, not lost: the outbox
        # table keeps every event.
        logger.debug("event without action", extra={"event_type": event_type, "event_id": message["event_id"]})
