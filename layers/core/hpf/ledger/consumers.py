"""What the ledger does with the events on its queue (the consumer is ``hpf.entrypoints.ledger.ledger_events``:
each record on its own, a failure reports that message alone back to the queue).

What each event sets going:
- ``ledger.RemittanceFunded``  → the remittance-posting workflow, named by the remittance (started once);
- ``ledger.WithdrawalRequested`` and ``ledger.CollectionRequested`` → the settlement port, with the instruction
  the event carries (settlement is idempotent by the instruction id, so a redelivered message does no harm).
Other ledger events have no consumer in this area; they are acknowledged, not lost: the outbox keeps them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hpf.observability.logging import get_logger

if TYPE_CHECKING:
    from hpf.ledger.settlement_port import SettlementPort
    from hpf.platform.ports import Workflows

logger = get_logger("hpf-ledger-events")
REMITTANCE_POSTING = "HPF_REMITTANCE_POSTING_ARN"
_TO_SETTLEMENT = {"ledger.WithdrawalRequested", "ledger.CollectionRequested"}


class LedgerEventHandler:
    def __init__(self, workflows: Workflows, settlement: SettlementPort):
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
