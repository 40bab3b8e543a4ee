"""Consumers of ledger events from the ledger queue. Each record is handled on its own: a failure reports
that message alone back to the queue (partial batch failure), the others are done.

What each event sets going:
- ``ledger.RemittanceFunded``  → the remittance-posting workflow, named by the remittance (started once);
- ``ledger.WithdrawalRequested`` and ``ledger.CollectionRequested`` → the settlement port, with the instruction
  the event carries (settlement is idempotent by the instruction id, so a redelivered message does no harm).
Other ledger events have no consumer in this area; they are acknowledged, not lost: the outbox keeps them all.
"""

from __future__ import annotations

import json
from typing import Any

from hpf.observability.correlation import set_correlation_id
from hpf.observability.logging import get_logger

logger = get_logger("hpf-ledger-events")
REMITTANCE_POSTING = "HPF_REMITTANCE_POSTING_ARN"
_TO_SETTLEMENT = {"ledger.WithdrawalRequested", "ledger.CollectionRequested"}


class LedgerEventHandler:
    def __init__(self, workflows: Any, settlement: Any):
        self._workflows = workflows
        self._settlement = settlement

    def handle(self, message: dict[str, Any], correlation_id: str) -> None:
        event_type = message["event_type"]
        payload = message["payload"]
        if event_type == "ledger.RemittanceFunded":  # money first: a list is posted once its money has arrived
            remittance_id = payload["remittance_id"]
            execution = self._workflows.start(REMITTANCE_POSTING, f"remittance-{remittance_id}",
                                              {"remittance_id": remittance_id, "correlation_id": correlation_id})
            logger.info("remittance posting started", extra={"remittance_id": remittance_id, "execution": execution})
        elif event_type in _TO_SETTLEMENT:
            from hpf.ledger.settlement_port import SettlementInstruction

            instruction = SettlementInstruction.from_payload(payload["instruction"])
            self._settlement.submit(instruction)
            logger.info("instruction submitted to settlement",
                        extra={"instruction_id": instruction.instruction_id, "business": instruction.business})
        else:
            logger.debug("event without action", extra={"event_type": event_type, "event_id": message["event_id"]})


def handle_ledger_events(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from hpf import bootstrap

    handler = LedgerEventHandler(bootstrap.workflows(), bootstrap.settlement_port())

    def handle_record(record: Any) -> None:  # powertools passes the record by this keyword
        message = json.loads(record.body)
        attributes = record.message_attributes
        carried = attributes["correlation_id"].string_value if "correlation_id" in attributes else None
        correlation_id = set_correlation_id(carried or message.get("correlation_id"))
        logger.set_correlation_id(correlation_id)
        handler.handle(message, correlation_id)

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
