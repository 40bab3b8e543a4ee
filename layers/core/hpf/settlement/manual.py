"""The manual settlement desk: instructions wait for finance staff to pay (or collect) them through the bank's
corporate channel and record the bank's answer (``POST /ledger/withdrawals/{id}/payment-result``,
``POST /ledger/remittances/{id}/collection-result``).

It is the mode of a center whose bank link is not (yet, or not at the moment) connected — set
``HPF_SETTLEMENT_MODE=manual``. Nothing is lost meanwhile: the withdrawal stays PENDING (its money reserved) and
the list COLLECTING, both visible to finance, until the answer is recorded.
"""

from __future__ import annotations

from hpf.ledger.settlement_port import SettlementInstruction
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-settlement-manual")


class ManualSettlement:
    def submit(self, instruction: SettlementInstruction) -> None:
        logger.info("instruction awaits manual settlement", extra={
            "instruction_id": instruction.instruction_id, "business": instruction.business,
            "direction": instruction.direction, "amount": str(instruction.amount), "org": instruction.org})
        count("InstructionsAwaitingManualSettlement", 1)

    def submit_batch(self, batch_id: str, org: str) -> None:
        """A deduction batch while the bank links are off: the loans keep the installments in flight until finance
        collects through the bank's own channel (the deduction run itself does not run in manual mode)."""
        logger.warning("deduction batch awaits manual settlement", extra={"batch_id": batch_id, "org": org})
        count("BatchesAwaitingManualSettlement", 1)
