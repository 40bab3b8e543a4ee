"""What lending does with the events on its queue (the consumer is ``hpf.entrypoints.lending.lending_events``;
partial batch failure: a failed record alone goes back).

- ``lending.DisbursementRequested``, ``lending.EarlyRepaymentRequested`` → the settlement port, with the
  instruction the event carries (settlement is idempotent by the instruction id: a redelivery does no harm);
- ``lending.DeductionBatchRequested`` → the batch settlement workflow, named by the batch id (started once);
- ``lending.LoanSettled`` → nothing here: the archive and the credit reporting subscribe to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpf.observability.logging import get_logger

if TYPE_CHECKING:
    from hpf.ledger.settlement_port import SettlementPort

logger = get_logger("hpf-lending-events")
_TO_SETTLEMENT = {"lending.DisbursementRequested", "lending.EarlyRepaymentRequested"}


class LendingEventHandler:
    def __init__(self, settlement: SettlementPort):
        self._settlement = settlement

    def handle(self, message: dict[str, Any], correlation_id: str = "") -> None:
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
