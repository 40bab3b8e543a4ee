"""Partial batch failure for queue and stream consumers, once for every area.

Lambda hands a consumer up to ``BatchSize`` records. If one record's handler raises, only that record goes back
(``batchItemFailures``): the others are done and not redelivered, the failed one is retried alone and, after
``maxReceiveCount`` attempts, lands in the queue's dead-letter queue — nothing is lost and nothing is done twice
because of a neighbour. The event source mapping must say ``ReportBatchItemFailures`` (the template does);
without it a returned failure list would be ignored and the whole batch retried.

The correlation id travels as the message attribute ``correlation_id`` (set by ``QueueSender`` and the outbox
relay) or, for older messages, in the body; each record gets its own before its handler runs, so a log line
always names the business flow it belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from hpf.observability.correlation import set_correlation_id
from hpf.observability.logging import get_logger

logger = get_logger("hpf-batches")

MessageHandler = Callable[[dict[str, Any], str], None]
"""Handles one queue message: its JSON body and the correlation id it carries."""


def each_message(event: dict[str, Any], context: Any, handle: MessageHandler) -> PartialItemFailureResponse:
    """Run ``handle`` on every SQS message of the batch; failed messages alone are reported back."""

    def record_handler(record: SQSRecord) -> None:  # powertools passes the record by this keyword
        message = json.loads(record.body)
        attributes = record.message_attributes  # its get() gives the raw dict; [] the typed attribute
        attribute = attributes["correlation_id"] if "correlation_id" in attributes else None
        carried = attribute.string_value if attribute is not None else None
        body_id = message.get("correlation_id") if isinstance(message, dict) else None
        correlation_id = set_correlation_id(carried or body_id)
        logger.set_correlation_id(correlation_id)
        handle(message, correlation_id)

    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=BatchProcessor(event_type=EventType.SQS), context=context)


def each_stream_insert(event: dict[str, Any], context: Any,
                       handle: Callable[[dict[str, Any]], None]) -> PartialItemFailureResponse:
    """Run ``handle`` on the new image of every INSERT of a DynamoDB stream batch (an append-only table's
    MODIFY is a row being marked, not new data); failed records alone are reported back."""

    def record_handler(record: Any) -> None:
        if record.raw_event.get("eventName") == "INSERT":
            handle(record.raw_event["dynamodb"]["NewImage"])

    return process_partial_response(event=event, record_handler=record_handler,
                                    processor=BatchProcessor(event_type=EventType.DynamoDBStreams), context=context)
