"""The data-sharing management policy on DynamoDB (the datashare table), one partition:

  GOVERNANCE / CURRENT              the policy in force, as one JSON document with its version
  GOVERNANCE / CHANGE#<version:08d>  each change, append-only: the history the auditors read

A change is written with the version it made, in one transaction with the document whose version it moves on
from: two administrators changing at once, one wins and the other is told to refresh; a version never has two
changes. Before the first change there is no item and the baseline (access.yaml) is what holds.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import TransactionBuffer, from_item, key
from hpf.datashare.governance import Change, GatewayPolicy, PolicyVersionMoved, as_document, baseline, from_document

PARTITION = "GOVERNANCE"


class DynamoPolicyStore:
    def __init__(self, table: str):
        self._table = table

    def current(self) -> GatewayPolicy:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(PARTITION, "CURRENT"),
                                           ConsistentRead=True).get("Item")
        return from_document(json.loads(from_item(item)["document"])) if item else baseline()

    def save(self, policy: GatewayPolicy, change: Change) -> None:
        moved = PolicyVersionMoved(details={"version": policy.version - 1})
        writes = TransactionBuffer()
        document = {"pk": PARTITION, "sk": "CURRENT", "version": policy.version,
                    "document": json.dumps(as_document(policy), ensure_ascii=False)}
        if policy.version == 1:
            writes.put(self._table, document, condition="attribute_not_exists(pk)", on_conflict=moved)
        else:
            writes.put(self._table, document, condition="version = :previous",
                       values={":previous": policy.version - 1}, on_conflict=moved)
        writes.put(self._table, {"pk": PARTITION, "sk": f"CHANGE#{change.version:08d}", "change": json.dumps(
            _change_dict(change), ensure_ascii=False)}, condition="attribute_not_exists(pk)", on_conflict=moved)
        writes.commit()

    def changes(self, limit: int) -> list[Change]:
        items = client("dynamodb").query(
            TableName=self._table, ScanIndexForward=False, Limit=limit,
            KeyConditionExpression="pk = :p AND begins_with(sk, :c)",
            ExpressionAttributeValues={":p": {"S": PARTITION}, ":c": {"S": "CHANGE#"}}).get("Items", [])
        return [_change(json.loads(from_item(i)["change"])) for i in items]


def _change_dict(c: Change) -> dict[str, Any]:
    return {"version": c.version, "kind": c.kind, "target": c.target, "values": c.values, "reason": c.reason,
            "by": c.by, "by_name": c.by_name, "at": c.at.isoformat()}


def _change(d: dict[str, Any]) -> Change:
    return Change(d["version"], d["kind"], d["target"], d["values"], d["reason"], d["by"], d["by_name"],
                  datetime.fromisoformat(d["at"]))
