"""Data sharing on DynamoDB (the datashare table): authorizations, the query trail, the answer cache, and the
counters the rate limits keep across every running instance.

Keys (pk / sk):
  AUTH#<id>          / META   an authorization      gsi1: SUBJECT#<digest> / AUTH#<granted on>#<id>
  TRAIL#<query id>   / META   a query, append-only  gsi1: SUBJECT#<digest> / TRAIL#<at>#<id>
                                                    gsi2: PENDING / <at>#<id> until solidified (then removed)
                                                    gsi3: DAY#<yyyy-mm-dd> / <at>#<id>
  CACHE#<source>#<digest> / META   an answer, with ``expires`` (DynamoDB's TTL removes it later; reads check)
  RATE#<key>         / META   a window's count and its end (limits' fixed window; TTL again)
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError
from limits.storage import Storage

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import from_item, key, to_item
from hpf.common.errors import Conflict
from hpf.datashare.model import Authorization, Caller, TrailRecord


class DynamoAuthorizationStore:
    def __init__(self, table: str):
        self._table = table

    def add(self, authorization: Authorization) -> Authorization:
        try:
            client("dynamodb").put_item(TableName=self._table, Item=to_item(_authorization_item(authorization)),
                                        ConditionExpression="attribute_not_exists(pk)")
            return authorization
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        kept = self.get(authorization.authorization_id)
        assert kept is not None
        return kept

    def get(self, authorization_id: str) -> Authorization | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"AUTH#{authorization_id}", "META"),
                                           ConsistentRead=True).get("Item")
        return _authorization(from_item(item)) if item else None

    def of_subject(self, subject: str) -> list[Authorization]:
        return [_authorization(i) for i in _index(self._table, "gsi1", f"SUBJECT#{subject}", "AUTH#")]

    def save(self, authorization: Authorization) -> None:
        client("dynamodb").put_item(TableName=self._table, Item=to_item(_authorization_item(authorization)))


class DynamoTrailStore:
    def __init__(self, table: str):
        self._table = table

    def add(self, record: TrailRecord) -> None:
        item = {"pk": f"TRAIL#{record.query_id}", "sk": "META", "record": json.dumps(_trail_dict(record),
                                                                                     ensure_ascii=False),
                "gsi1pk": f"SUBJECT#{record.subject}", "gsi1sk": f"TRAIL#{record.at.isoformat()}#{record.query_id}",
                "gsi2pk": "PENDING", "gsi2sk": f"{record.at.isoformat()}#{record.query_id}",
                "gsi3pk": f"DAY#{record.at.date().isoformat()}", "gsi3sk": f"{record.at.isoformat()}#{record.query_id}"}
        try:
            client("dynamodb").put_item(TableName=self._table, Item=to_item(item),
                                        ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise Conflict("查询留痕已存在", code="TRAIL_EXISTS") from error
            raise

    def get(self, query_id: str) -> TrailRecord | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"TRAIL#{query_id}", "META"),
                                           ConsistentRead=True).get("Item")
        return _trail(from_item(item)) if item else None

    def of_subject(self, subject: str, limit: int) -> list[TrailRecord]:
        items = client("dynamodb").query(
            TableName=self._table, IndexName="gsi1", ScanIndexForward=False, Limit=limit,
            KeyConditionExpression="gsi1pk = :p AND begins_with(gsi1sk, :t)",
            ExpressionAttributeValues={":p": {"S": f"SUBJECT#{subject}"}, ":t": {"S": "TRAIL#"}}).get("Items", [])
        return [_trail(from_item(i)) for i in items]

    def unsolidified(self, limit: int) -> list[TrailRecord]:
        items = client("dynamodb").query(
            TableName=self._table, IndexName="gsi2", Limit=limit, KeyConditionExpression="gsi2pk = :p",
            ExpressionAttributeValues={":p": {"S": "PENDING"}}).get("Items", [])
        return [_trail(from_item(i)) for i in items]

    def solidified(self, query_id: str, at: datetime, log_index: int) -> None:
        # the one change a trail record ever sees: its log index set, and it leaves the pending index
        client("dynamodb").update_item(
            TableName=self._table, Key=key(f"TRAIL#{query_id}", "META"),
            UpdateExpression="SET log_index = :i REMOVE gsi2pk, gsi2sk",
            ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":i": {"N": str(log_index)}})

    def since(self, start: datetime) -> list[TrailRecord]:
        found: list[TrailRecord] = []
        day = start.date()
        while day <= date.today() + timedelta(days=1):
            pages = client("dynamodb").get_paginator("query").paginate(
                TableName=self._table, IndexName="gsi3", KeyConditionExpression="gsi3pk = :d AND gsi3sk >= :s",
                ExpressionAttributeValues={":d": {"S": f"DAY#{day.isoformat()}"}, ":s": {"S": start.isoformat()}})
            found += [_trail(from_item(i)) for page in pages for i in page.get("Items", [])]
            day += timedelta(days=1)
        return found


class DynamoAnswerCache:
    def __init__(self, table: str):
        self._table = table

    def get(self, source: str, subject: str, max_age: timedelta, now: datetime) -> tuple[list[dict[str, Any]],
                                                                                          datetime] | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"CACHE#{source}#{subject}", "META")).get(
            "Item")
        if not item:
            return None
        values = from_item(item)
        fetched = datetime.fromisoformat(values["fetched_at"])
        if now - fetched > max_age:  # TTL deletes late (up to days): freshness is decided here
            return None
        return json.loads(values["records"]), fetched

    def put(self, source: str, subject: str, records: list[dict[str, Any]], fetched_at: datetime,
            keep: timedelta) -> None:
        client("dynamodb").put_item(TableName=self._table, Item=to_item({
            "pk": f"CACHE#{source}#{subject}", "sk": "META", "records": json.dumps(records, ensure_ascii=False),
            "fetched_at": fetched_at.isoformat(), "expires": int(fetched_at.timestamp() + keep.total_seconds())}))


class DynamoRateStorage(Storage):
    """A storage for the ``limits`` library's fixed-window limiter on DynamoDB: one counter per key and window,
    shared by every instance of every function (an in-memory count would let each instance its own rate)."""

    STORAGE_SCHEME = ["hpf-dynamodb"]

    def __init__(self, table: str):
        super().__init__()
        self._table = table

    @property
    def base_exceptions(self) -> type[Exception]:
        return ClientError

    def incr(self, key_name: str, expiry: int, amount: int = 1) -> int:
        db, now = client("dynamodb"), int(time.time() * 1000)  # milliseconds: the store keeps no floats
        try:  # the window is open: count in it
            answer = db.update_item(
                TableName=self._table, Key=key(f"RATE#{key_name}", "META"), UpdateExpression="ADD hits :n",
                ConditionExpression="window_end > :now", ReturnValues="UPDATED_NEW",
                ExpressionAttributeValues={":n": {"N": str(amount)}, ":now": {"N": str(now)}})
            return int(answer["Attributes"]["hits"]["N"])
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        try:  # no window or an old one: open a new window with this hit (a concurrent opener wins; count in it)
            db.put_item(TableName=self._table, Item=to_item({
                "pk": f"RATE#{key_name}", "sk": "META", "hits": amount, "window_end": now + expiry * 1000,
                "expires": now // 1000 + expiry + 60}),
                ConditionExpression="attribute_not_exists(pk) OR window_end <= :now",
                ExpressionAttributeValues={":now": {"N": str(now)}})
            return amount
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        return self.incr(key_name, expiry, amount)

    def get(self, key_name: str) -> int:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"RATE#{key_name}", "META"),
                                           ConsistentRead=True).get("Item")
        if not item or int(item["window_end"]["N"]) <= time.time() * 1000:
            return 0
        return int(item["hits"]["N"])

    def get_expiry(self, key_name: str) -> float:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"RATE#{key_name}", "META"),
                                           ConsistentRead=True).get("Item")
        return int(item["window_end"]["N"]) / 1000 if item else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        return None

    def clear(self, key_name: str) -> None:
        client("dynamodb").delete_item(TableName=self._table, Key=key(f"RATE#{key_name}", "META"))


class LimitsThrottle:
    """The service's ``Throttle`` over the ``limits`` library (a fixed window per key): the library parses the
    rates ("120/minute") and decides; the storage decides where the counts live."""

    def __init__(self, storage: Storage):
        from limits.strategies import FixedWindowRateLimiter

        self._limiter = FixedWindowRateLimiter(storage)

    def allow(self, key_name: str, rate: str) -> bool:
        from limits import parse

        return bool(self._limiter.hit(parse(rate), key_name))


def _index(table: str, index: str, pk: str, prefix: str) -> list[dict[str, Any]]:
    pages = client("dynamodb").get_paginator("query").paginate(
        TableName=table, IndexName=index, KeyConditionExpression=f"{index}pk = :p AND begins_with({index}sk, :s)",
        ExpressionAttributeValues={":p": {"S": pk}, ":s": {"S": prefix}})
    return [from_item(i) for page in pages for i in page.get("Items", [])]


def _authorization_item(a: Authorization) -> dict[str, Any]:
    return {"pk": f"AUTH#{a.authorization_id}", "sk": "META", "gsi1pk": f"SUBJECT#{a.subject}",
            "gsi1sk": f"AUTH#{a.granted_on.isoformat()}#{a.authorization_id}", "authorization_id": a.authorization_id,
            "subject_kind": a.subject_kind, "subject": a.subject, "subject_name": a.subject_name,
            "scenarios": sorted(a.scenarios), "sources": sorted(a.sources), "granted_on": a.granted_on.isoformat(),
            "valid_until": a.valid_until.isoformat(), "evidence_kind": a.evidence_kind,
            "evidence_reference": a.evidence_reference, "recorded_by": a.recorded_by,
            "revoked_on": a.revoked_on.isoformat() if a.revoked_on else None}


def _authorization(v: dict[str, Any]) -> Authorization:
    return Authorization(v["authorization_id"], v["subject_kind"], v["subject"], v["subject_name"],
                         frozenset(v["scenarios"]), frozenset(v["sources"]), date.fromisoformat(v["granted_on"]),
                         date.fromisoformat(v["valid_until"]), v["evidence_kind"], v["evidence_reference"],
                         v["recorded_by"], date.fromisoformat(v["revoked_on"]) if v.get("revoked_on") else None)


def _trail_dict(r: TrailRecord) -> dict[str, Any]:
    return {**r.leaf(), "caller_roles": list(r.caller.roles), "detail": r.detail}


def _trail(v: dict[str, Any]) -> TrailRecord:
    d = json.loads(v["record"])
    caller = Caller(d["caller"], d["caller_name"], d["caller_org"], tuple(d["caller_roles"]), d["channel"])
    return TrailRecord(d["query_id"], datetime.fromisoformat(d["at"]), d["source"], d["scenario"], d["business_id"],
                       d["authorization_id"], d["subject_kind"], d["subject"], caller, d["outcome"], d["cached"],
                       d["answer_digest"], d["detail"], int(v["log_index"]) if v.get("log_index") is not None
                       else None)
