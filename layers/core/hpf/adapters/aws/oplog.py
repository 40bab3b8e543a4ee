"""Operation records on DynamoDB: one partition per business day, sorted by time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import from_item, to_item
from hpf.common.clock import SHANGHAI
from hpf.common.paging import Page, PageRequest, encode_token
from hpf.platform.operations import OperationRecord


class DynamoOperationLog:
    def __init__(self, table: str):
        self._table = table

    def append(self, record: OperationRecord) -> None:
        day = record.at.astimezone(SHANGHAI).date().isoformat()
        values: dict[str, Any] = {
            "pk": f"DAY#{day}", "sk": f"{record.at.isoformat()}#{record.record_id}#{record.phase}",
            "record_id": record.record_id, "at": record.at.isoformat(), "subject": record.subject,
            "subject_name": record.subject_name, "roles": list(record.roles), "org": record.org,
            "channel": record.channel, "area": record.area, "action": record.action, "target": record.target,
            "outcome": record.outcome, "error_code": record.error_code, "correlation_id": record.correlation_id,
            "phase": record.phase,
        }
        try:
            client("dynamodb").put_item(TableName=self._table, Item=to_item(values),
                                        ConditionExpression="attribute_not_exists(pk)")
        except client("dynamodb").exceptions.ConditionalCheckFailedException:
            pass  # the same request's record is already there: appending twice must not duplicate it

    def on_day(self, day: date, page: PageRequest) -> Page[OperationRecord]:
        query: dict[str, Any] = {
            "TableName": self._table, "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"DAY#{day.isoformat()}"}}, "Limit": page.size,
        }
        if page.cursor:
            query["ExclusiveStartKey"] = {"pk": {"S": f"DAY#{day.isoformat()}"}, "sk": {"S": str(page.cursor["sk"])}}
        result = client("dynamodb").query(**query)
        last = result.get("LastEvaluatedKey")
        records = []
        for raw in result.get("Items", []):
            i = from_item(raw)
            records.append(OperationRecord(
                record_id=i["record_id"], at=datetime.fromisoformat(i["at"]), subject=i["subject"],
                subject_name=i.get("subject_name", ""), roles=tuple(i.get("roles", [])), org=i.get("org"),
                channel=i["channel"], area=i["area"], action=i["action"], target=i.get("target", ""),
                outcome=int(i["outcome"]), error_code=i.get("error_code"), correlation_id=i.get("correlation_id"),
                phase=i.get("phase", "completed"),
            ))
        return Page(records, encode_token({"sk": last["sk"]["S"]}) if last else None)
