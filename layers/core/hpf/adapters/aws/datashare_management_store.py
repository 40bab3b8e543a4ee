"""Data-sharing management on DynamoDB (the datashare table): the policy and the keys, a partition each.

  GOVERNANCE / CURRENT              the policy in force, as one JSON document with its version
  GOVERNANCE / CHANGE#<version:08d>  each change, append-only: the history the auditors read
  KEYS / <key id>                   a counterpart's key (证书管理): the secret halves sealed (配置加密)
  BAD#<record id> / META            a bad-credit record (不良信息处理) and what the credit platform is owed

A change is written with the version it made, in one transaction with the document whose version it moves on
from: two administrators changing at once, one wins and the other is told to refresh; a version never has two
changes. Before the first change there is no item and the baseline (access.yaml) is what holds.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import TransactionBuffer, from_item, key, to_item
from hpf.common.errors import Conflict
from hpf.datashare.bad_records import BadRecord, Step
from hpf.datashare.governance import Change, GatewayPolicy, PolicyVersionMoved, as_document, baseline, from_document
from hpf.datashare.keys import KeyRecord

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


class DynamoKeyStore:
    def __init__(self, table: str):
        self._table = table

    def add(self, record: KeyRecord) -> None:
        writes = TransactionBuffer()
        writes.put(self._table, _key_item(record), condition="attribute_not_exists(pk)",
                   on_conflict=Conflict("密钥已存在", code="KEY_EXISTS"))
        writes.commit()

    def save(self, record: KeyRecord) -> None:
        client("dynamodb").put_item(TableName=self._table, Item=to_item(_key_item(record)))

    def get(self, key_id: str) -> KeyRecord | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key("KEYS", key_id),
                                           ConsistentRead=True).get("Item")
        return _key(from_item(item)) if item else None

    def of_gateway(self, gateway: str) -> list[KeyRecord]:
        return self._query({"KeyConditionExpression": "pk = :p AND begins_with(sk, :g)",
                            "ExpressionAttributeValues": {":p": {"S": "KEYS"}, ":g": {"S": f"{gateway}."}}})

    def all(self) -> list[KeyRecord]:
        return self._query({"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "KEYS"}}})

    def _query(self, condition: dict[str, Any]) -> list[KeyRecord]:
        pages = client("dynamodb").get_paginator("query").paginate(TableName=self._table, ConsistentRead=True,
                                                                  **condition)
        found = [_key(from_item(i)) for page in pages for i in page.get("Items", [])]
        return sorted(found, key=lambda r: r.created_at)


def _key_item(r: KeyRecord) -> dict[str, Any]:
    values = asdict(r)
    values.update(created_at=r.created_at.isoformat(), valid_until=r.valid_until.isoformat(),
                  changed_at=r.changed_at.isoformat() if r.changed_at else None)
    return {"pk": "KEYS", "sk": r.key_id, "record": json.dumps(values, ensure_ascii=False)}


def _key(item: dict[str, Any]) -> KeyRecord:
    v = json.loads(item["record"])
    return KeyRecord(**{**v, "created_at": datetime.fromisoformat(v["created_at"]),
                        "valid_until": date.fromisoformat(v["valid_until"]),
                        "changed_at": datetime.fromisoformat(v["changed_at"]) if v["changed_at"] else None})


class DynamoBadRecordStore:
    """BAD#<id> / META, its version guarding each change; gsi1 BADSTATE#<state> lists a state's records, the sparse
    gsi2 BADREPORT the records the credit platform is owed something (the report run's work list)."""

    def __init__(self, table: str):
        self._table = table

    def add(self, record: BadRecord) -> None:
        writes = TransactionBuffer()
        writes.put(self._table, _bad_item(record), condition="attribute_not_exists(pk)",
                   on_conflict=Conflict("不良信息已登记", code="BAD_RECORD_EXISTS"))
        writes.commit()

    def save(self, record: BadRecord, expected_version: int) -> None:
        writes = TransactionBuffer()
        writes.put(self._table, _bad_item(record), condition="version = :v", values={":v": expected_version},
                   on_conflict=Conflict("记录已被他人处理，请刷新", code="CONCURRENT_UPDATE"))
        writes.commit()

    def get(self, record_id: str) -> BadRecord | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"BAD#{record_id}", "META"),
                                           ConsistentRead=True).get("Item")
        return _bad(from_item(item)) if item else None

    def in_state(self, state: str) -> list[BadRecord]:
        return self._index("gsi1", f"BADSTATE#{state}")

    def owed(self) -> list[BadRecord]:
        return self._index("gsi2", "BADREPORT")

    def _index(self, index: str, partition: str) -> list[BadRecord]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self._table, IndexName=index, KeyConditionExpression=f"{index}pk = :p",
            ExpressionAttributeValues={":p": {"S": partition}})
        return [_bad(from_item(i)) for page in pages for i in page.get("Items", [])]


def _bad_item(r: BadRecord) -> dict[str, Any]:
    values = asdict(r)
    values.update(amount=str(r.amount), decided_on=r.decided_on.isoformat() if r.decided_on else None,
                  steps=[{**asdict(s), "at": s.at.isoformat()} for s in r.steps])
    since = f"{r.steps[0].at.isoformat()}#{r.record_id}"
    return {"pk": f"BAD#{r.record_id}", "sk": "META", "version": r.version,
            "record": json.dumps(values, ensure_ascii=False), "gsi1pk": f"BADSTATE#{r.state}", "gsi1sk": since,
            "gsi2pk": "BADREPORT" if r.owed else None, "gsi2sk": since if r.owed else None}


def _bad(item: dict[str, Any]) -> BadRecord:
    v = json.loads(item["record"])
    return BadRecord(**{**v, "amount": Decimal(v["amount"]),
                        "decided_on": date.fromisoformat(v["decided_on"]) if v["decided_on"] else None,
                        "steps": tuple(Step(**{**s, "at": datetime.fromisoformat(s["at"])}) for s in v["steps"])})
