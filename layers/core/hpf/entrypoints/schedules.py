"""Every scheduled handler's run, recorded for the operations console (定时任务: each schedule's last run).

The schedule is named by the rule that fired it (the event's ``resources``); a run started by hand without one
(a test calling the handler) is recorded under the handler's name. Recording is best effort by design: a run
that did its work is not failed because its record could not be written — the logs and the function's metrics
still have it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from hpf import bootstrap, settings
from hpf.observability.masking import mask_text
from hpf.platform.ports import ScheduleRun

logger = Logger(service="hpf-schedules")
Handler = Callable[[dict[str, Any], Any], Any]
SUMMARY_CHARS = 500


def recorded(handler: Handler) -> Handler:
    @functools.wraps(handler)
    def run(event: dict[str, Any], context: Any) -> Any:
        name = schedule_of(event, handler.__name__)
        started = datetime.now(UTC)
        try:
            result = handler(event, context)
        except Exception as error:
            _record(ScheduleRun(name, started, datetime.now(UTC), False, f"{type(error).__name__}: {error}"))
            raise
        _record(ScheduleRun(name, started, datetime.now(UTC), True, json.dumps(result, ensure_ascii=False,
                                                                                default=str)))
        return result

    return run


def schedule_of(event: dict[str, Any], fallback: str) -> str:
    """``arn:…:rule/hpf-<stage>-ledger-snapshot`` → ``ledger-snapshot`` (a stage's name may itself hold hyphens)."""
    prefix = f"hpf-{settings.optional('HPF_STAGE') or ''}-"
    for resource in event.get("resources", []):
        rule = str(resource).rpartition("rule/")[2]
        if rule.startswith(prefix):
            return rule.removeprefix(prefix)
    return fallback.replace("_", "-")


def _record(run: ScheduleRun) -> None:
    try:
        bootstrap.schedules().record(ScheduleRun(run.schedule, run.started_at, run.finished_at, run.succeeded,
                                                 mask_text(run.summary)[:SUMMARY_CHARS]))
    except Exception:  # noqa: BLE001 - see the module's docstring
        logger.exception("schedule run not recorded", extra={"schedule": run.schedule})
