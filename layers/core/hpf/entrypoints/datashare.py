"""Scheduled data-sharing work: the query trail solidified into the archive's log each minute."""

from __future__ import annotations

from typing import Any

from hpf import bootstrap
from hpf.entrypoints.schedules import recorded
from hpf.observability.logging import get_logger

logger = get_logger("hpf-datashare")


@recorded
def solidify_trail(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule (each minute): the trail records not yet in the archive's log, appended oldest first."""
    from hpf.datashare.trail import solidify

    done = solidify(bootstrap.datashare_trail(), bootstrap.solidification_log())
    if done:
        logger.info("query trail solidified", extra={"records": done})
    return {"solidified": done}
