"""The settlement port as Step Functions: each instruction runs the settlement workflow, named by its id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpf.ledger.settlement_port import SettlementInstruction
from hpf.observability.correlation import correlation_id

if TYPE_CHECKING:
    from hpf.platform.ports import Workflows

SETTLEMENT = "HPF_SETTLEMENT_ARN"
SETTLEMENT_BATCH = "HPF_SETTLEMENT_BATCH_ARN"


class StepFunctionsSettlement:
    def __init__(self, workflows: Workflows):
        self._workflows = workflows

    def submit(self, instruction: SettlementInstruction) -> None:
        # A second submit of the same instruction finds the execution of the first (named by the id): one run.
        self._workflows.start(SETTLEMENT, f"settle-{instruction.instruction_id}",
                              {"instruction": instruction.to_payload(), "correlation_id": correlation_id() or ""})

    def submit_batch(self, batch_id: str, org: str) -> None:
        """A batch file (deductions): its lines are read by id at receive — a workflow's input stays small."""
        self._workflows.start(SETTLEMENT_BATCH, f"batch-{batch_id}",
                              {"batch_id": batch_id, "org": org, "correlation_id": correlation_id() or ""})
