"""Outbox relay entrypoints: the outbox table's stream (partial batch failure) and the scheduled sweep."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hpf import bootstrap
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-outbox-relay")
SWEEP_AFTER = timedelta(minutes=1)


def relay_stream(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    return process_partial_response(event=event, record_handler=_relay_record, processor=processor,
                                    context=context)


def _relay_record(record: Any) -> None:
    from hpf.adapters.aws.outbox import row_from_stream_image

    if record.raw_event.get("eventName") != "INSERT":
        return  # MODIFY is the relay marking a row published; REMOVE does not happen (append-only)
    row = row_from_stream_image(record.raw_event["dynamodb"]["NewImage"])
    bootstrap.outbox_relay().relay(row)
    logger.info("event relayed", extra={"event_id": row["event_id"], "event_type": row["event_type"]})


def sweep(event: dict[str, Any], context: Any) -> dict[str, Any]:
    sent = bootstrap.outbox_relay().sweep(SWEEP_AFTER, datetime.now().astimezone())
    logger.info("outbox swept", extra={"relayed": sent})
    if sent:
        # Each one is an event the stream did not deliver: worth an alarm when it is not rare.
        count("OutboxEventsSwept", sent)
    return {"relayed": sent}
