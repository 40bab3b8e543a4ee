"""Consumers of lending events from the lending queue (partial batch failure: a failed record alone goes back).

- ``lending.DisbursementRequested``, ``lending.EarlyRepaymentRequested`` → the settlement port, with the
  instruction the event carries (settlement is idempotent by the instruction id: a redelivery does no harm);
- ``lending.DeductionBatchRequested`` → the batch settlement workflow, named by the batch id (started once);
- ``lending.LoanSettled`` → nothing here: the archive and the credit reporting subscribe to it.
"""

from __future__ import annotations

import json
from typing import Any

from hpf.observability.correlation import set_correlation_id
from hpf.observability.logging import get_logger

logger = get_logger("hpf-lending-events")
_TO_SETTLEMENT = {"lending.DisbursementRequested", "lending.EarlyRepaymentRequested"}


class LendingEventHandler:
    def __init__(self, settlement: Any):
        self._settlement = settlement

    def handle(self, message: dict[str, Any]) -> None:
        event_type, payload = message["event_type"], message["payload"]
        if event_type in _TO_SETTLEMENT:
            from hpf.ledger.settlement_port import SettlementInstruction

            instruction = SettlementInstruction.from_payload(payload["instruction"])
            self._settlement.submit(instruction)
            logger.info("loan instruction submitted to settlement",
                        extra={"instruction_id": instruction.instruction_id, "business": instruction.business})
        elif event_type == "lending.DeductionBatchRequested":
            self._settlement.submit_batch(payload["batch_id"], payload["org"])
            logger.info("deduction batch submitted to settlement",
                        extra={"batch_id": payload["batch_id"], "lines": payload["lines"]})
        else:
            logger.debug("event without action", extra={"event_type": event_type, "event_id": message["event_id"]})


def handle_lending_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from hpf import bootstrap

    handler = LendingEventHandler(bootstrap.settlement_port())

    def handle_record(record: Any) -> None:
        message = json.loads(record.body)
        attributes = record.message_attributes
        carried = attributes["correlation_id"].string_value if "correlation_id" in attributes else None
        logger.set_correlation_id(set_correlation_id(carried or message.get("correlation_id")))
        handler.handle(message)

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
