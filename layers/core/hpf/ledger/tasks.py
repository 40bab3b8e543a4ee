"""State-machine task functions of the ledger. Exceptions keep their class name as the error type, which the
state machine's Retry (TransientFailure) and Catch (NotFound, BusinessRuleViolation) match on."""

from __future__ import annotations

from typing import Any

from hpf import bootstrap
from hpf.observability.correlation import set_correlation_id
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-ledger-tasks")


def post_remittance_task(event: dict[str, Any]) -> dict[str, Any]:
    correlation_id = set_correlation_id(event.get("correlation_id"))
    logger.set_correlation_id(correlation_id)
    remittance = bootstrap.ledger_service().post_remittance(event["remittance_id"], correlation_id)
    logger.info("remittance posted", extra={"remittance_id": remittance.remittance_id,
                                             "lines": len(remittance.lines)})
    count("RemittanceLinesPosted", len(remittance.lines))
    return {
        "remittance_id": remittance.remittance_id,
        "status": remittance.status.value,
        "total": str(remittance.total),
        "lines": len(remittance.lines),
        "correlation_id": correlation_id,
    }
