"""The stage's schedules (EventBridge rules ``hpf-<stage>-<name>``) and their runs, kept in the operation-log
table under ``SCHEDULE#<name>`` (one item a run, newest read first): EventBridge itself keeps no history of a
rule's runs, and the target functions' metrics say how many, not what each did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import from_item, to_item
from hpf.platform.ports import Schedule, ScheduleRun

KEEP_RUNS_SECONDS = 30 * 24 * 3600


class AwsSchedules:
    def __init__(self, stage: str, table: str):
        self._prefix, self._table = f"hpf-{stage}-", table

    def schedules(self) -> list[Schedule]:
        found: list[Schedule] = []
        for page in client("events").get_paginator("list_rules").paginate(NamePrefix=self._prefix):
            found += [Schedule(r["Name"].removeprefix(self._prefix), r["ScheduleExpression"],
                               r.get("State") == "ENABLED", r.get("Description", ""))
                      for r in page.get("Rules", []) if r.get("ScheduleExpression")]
        return sorted(found, key=lambda s: s.name)

    def record(self, run: ScheduleRun) -> None:
        client("dynamodb").put_item(TableName=self._table, Item=to_item({
            "pk": f"SCHEDULE#{run.schedule}", "sk": run.started_at.isoformat(), "schedule": run.schedule,
            "started_at": run.started_at.isoformat(), "finished_at": run.finished_at.isoformat(),
            "succeeded": run.succeeded, "summary": run.summary,
            # the table's TTL removes a run a month on: the console shows the last one, and a schedule each minute
            # would otherwise keep half a million of them a year (operation records carry no expiry: kept for good)
            "expires": int(run.started_at.timestamp()) + KEEP_RUNS_SECONDS}))

    def last_run(self, schedule: str) -> ScheduleRun | None:
        items = client("dynamodb").query(
            TableName=self._table, KeyConditionExpression="pk = :pk", ScanIndexForward=False, Limit=1,
            ExpressionAttributeValues={":pk": {"S": f"SCHEDULE#{schedule}"}}).get("Items", [])
        return _run(from_item(items[0])) if items else None


def _run(i: dict[str, Any]) -> ScheduleRun:
    return ScheduleRun(i["schedule"], datetime.fromisoformat(i["started_at"]), datetime.fromisoformat(i["finished_at"]),
                       bool(i["succeeded"]), i.get("summary", ""))
