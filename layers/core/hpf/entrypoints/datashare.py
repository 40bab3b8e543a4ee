"""Scheduled data-sharing work: the query trail solidified into the archive's log each minute; the bad-credit
records reported to the public credit platform each ten minutes."""

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


@recorded
def report_bad_records(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule (each ten minutes): 电子信息上报 of what is owed; an unanswered batch is sent again next time."""
    run = bootstrap.bad_records().report()
    if run.sent:
        logger.info("bad-credit records reported", extra={"sent": run.sent, "accepted": run.accepted,
                                                          "rejected": run.rejected, "unknown": run.unknown,
                                                          "failed": run.failed})
    return {"sent": run.sent, "accepted": run.accepted, "rejected": run.rejected, "unknown": run.unknown}
