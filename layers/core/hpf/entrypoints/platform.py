"""The platform's Lambda entrypoints besides HTTP: the outbox relay, fed by the outbox table's stream (partial
batch failure), and its scheduled sweep for rows the stream did not deliver."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hpf import bootstrap
from hpf.entrypoints.batches import each_stream_insert
from hpf.entrypoints.schedules import recorded
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-outbox-relay")
SWEEP_AFTER = timedelta(minutes=1)


def relay_outbox(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Outbox table stream → the areas' queues (INSERTs only: a MODIFY is the relay marking a row published)."""
    relay = bootstrap.outbox_relay()

    def relay_row(image: dict[str, Any]) -> None:
        row = relay.relay_image(image)
        if row is not None:
            logger.info("event relayed", extra={"event_id": row["event_id"], "event_type": row["event_type"]})

    return each_stream_insert(event, context, relay_row)


@recorded
def sweep_outbox(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule: relay outbox rows the stream did not deliver."""
    sent = bootstrap.outbox_relay().sweep(SWEEP_AFTER, datetime.now().astimezone())
    logger.info("outbox swept", extra={"relayed": sent})
    if sent:  # each one is an event the stream did not deliver: worth an alarm when it is not rare
        count("OutboxEventsSwept", sent)
    return {"relayed": sent}
