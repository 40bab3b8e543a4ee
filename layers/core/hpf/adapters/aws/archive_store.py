"""The archive on S3 and DynamoDB.

Bucket (versioned, Object Lock COMPLIANCE): ``files/<category>/<document key>/<sha256>`` — written once
(``If-None-Match: *``) with a retain-until date per file; ``log/tree-heads/<size>.json`` — signed tree heads.

Archive table: ``DOC#<document key>`` / ``RECORD`` — the metadata record (gsi1 ``SUBJECT#<subject>``, gsi2
``BUSINESS#<business id>``, both sorted by time filed);
``LOG`` / ``HEAD`` — the log's size; ``LOG`` / ``E#<index>`` — an entry; ``LOGKEY#<document key>`` / ``ENTRY`` —
which index a key got. Appending is one transaction: move HEAD from n to n+1, put entry n, put the key's marker
(absent). Whoever loses a race for n retries at n+1; a key already marked returns its entry — gap-free and once.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError, FlexibleChecksumError

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import from_item, key, to_item
from hpf.archive.model import ArchiveRecord, ArchiveStatus, Category, Retention, Source
from hpf.archive.ports import LogEntry, ObjectCorrupt
from hpf.common.errors import Conflict, TransientFailure

if TYPE_CHECKING:
    from hpf.archive.borrowing import Borrowing
    from hpf.archive.text import RecognisedText

_APPEND_ATTEMPTS = 50
_RECORD_FIELDS = ("archival_code", "document_key", "title", "business_id", "subject", "subject_name", "org",
                  "creator", "media_type", "sha256", "sm3", "object_key", "object_version")


class S3ArchiveObjects:
    def __init__(self, bucket: str):
        self._bucket = bucket

    def put_once(self, key_name: str, content: bytes, media_type: str, retain_until: date) -> str:
        s3 = client("s3")
        try:
            return s3.put_object(Bucket=self._bucket, Key=key_name, Body=content, ContentType=media_type,
                                 IfNoneMatch="*", ObjectLockMode="COMPLIANCE",
                                 ObjectLockRetainUntilDate=datetime.combine(retain_until, time(), UTC),
                                 )["VersionId"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in {"PreconditionFailed", "ConditionalRequestConflict"}:
                raise
        return s3.head_object(Bucket=self._bucket, Key=key_name)["VersionId"]

    def put_json_once(self, key_name: str, body: bytes, retain_until: date) -> str:
        return self.put_once(key_name, body, "application/json", retain_until)

    def get(self, key_name: str, version: str | None) -> bytes:
        extra = {"VersionId": version} if version else {}
        try:
            return client("s3").get_object(Bucket=self._bucket, Key=key_name, **extra)["Body"].read()
        except FlexibleChecksumError as error:
            raise ObjectCorrupt(key_name) from error
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "NoSuchVersion", "404"}:
                raise KeyError(key_name) from None
            raise

    def download_url(self, key_name: str, version: str, filename: str) -> str:
        from urllib.parse import quote

        return client("s3").generate_presigned_url("get_object", ExpiresIn=300, Params={
            "Bucket": self._bucket, "Key": key_name, "VersionId": version,
            "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename)}"})

    def extend_retention(self, key_name: str, version: str, retain_until: date) -> None:
        client("s3").put_object_retention(Bucket=self._bucket, Key=key_name, VersionId=version, Retention={
            "Mode": "COMPLIANCE", "RetainUntilDate": datetime.combine(retain_until, time(), UTC)})

    def get_latest(self, key_name: str) -> bytes:
        return self.get(key_name, None)

    def keys(self, prefix: str) -> list[str]:
        pages = client("s3").get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def versions(self, prefix: str) -> list[tuple[str, str]]:
        pages = client("s3").get_paginator("list_object_versions").paginate(Bucket=self._bucket, Prefix=prefix)
        return [(v["Key"], v["VersionId"]) for page in pages for v in page.get("Versions", [])]


class DynamoArchiveIndex:
    def __init__(self, table: str):
        self._table = table

    def add(self, record: ArchiveRecord) -> ArchiveRecord:
        try:
            client("dynamodb").put_item(TableName=self._table, Item=to_item(_record_item(record)),
                                        ConditionExpression="attribute_not_exists(pk)")
            return record
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
        found = self.get(record.document_key)
        assert found is not None
        return found

    def get(self, document_key: str) -> ArchiveRecord | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"DOC#{document_key}", "RECORD"),
                                           ConsistentRead=True).get("Item")
        return _record(from_item(item)) if item else None

    def replace(self, record: ArchiveRecord, expected_transitions: int) -> None:
        try:
            client("dynamodb").put_item(
                TableName=self._table, Item=to_item(_record_item(record)),
                ConditionExpression="attribute_exists(pk) AND (#t = :t OR (attribute_not_exists(#t) AND :t = :zero))",
                ExpressionAttributeNames={"#t": "transitions"},
                ExpressionAttributeValues={":t": {"N": str(expected_transitions)}, ":zero": {"N": "0"}})
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            raise Conflict("档案状态已被另一操作改变，请刷新后重试", code="ARCHIVE_CHANGED") from None

    def of_subject(self, subject: str) -> list[ArchiveRecord]:
        return self._query("gsi1", f"SUBJECT#{subject}")

    def of_business(self, business_id: str) -> list[ArchiveRecord]:
        return self._query("gsi2", f"BUSINESS#{business_id}")

    def _query(self, index: str, partition: str) -> list[ArchiveRecord]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self._table, IndexName=index, KeyConditionExpression=f"{index}pk = :p",
            ExpressionAttributeValues={":p": {"S": partition}})
        return [_record(from_item(i)) for page in pages for i in page.get("Items", [])]

    def all(self) -> list[ArchiveRecord]:
        pages = client("dynamodb").get_paginator("scan").paginate(
            TableName=self._table, FilterExpression="sk = :r", ExpressionAttributeValues={":r": {"S": "RECORD"}})
        return [_record(from_item(i)) for page in pages for i in page.get("Items", [])]


class DynamoLogStore:
    def __init__(self, table: str):
        self._table = table

    def append(self, key_name: str, leaf: bytes, at: datetime) -> LogEntry:
        db = client("dynamodb")
        for _ in range(_APPEND_ATTEMPTS):
            found = self.entry_for(key_name)
            if found is not None:
                return found
            size = self._size()
            try:
                db.transact_write_items(TransactItems=[
                    {"Update": {"TableName": self._table, "Key": key("LOG", "HEAD"),
                                "UpdateExpression": "SET #n = :next",
                                "ConditionExpression": "attribute_not_exists(#n) OR #n = :size",
                                "ExpressionAttributeNames": {"#n": "size"},
                                "ExpressionAttributeValues": {":next": {"N": str(size + 1)},
                                                              ":size": {"N": str(size)}}}},
                    {"Put": {"TableName": self._table, "ConditionExpression": "attribute_not_exists(pk)",
                             "Item": to_item({"pk": "LOG", "sk": f"E#{size:012d}", "index": size, "key": key_name,
                                              "leaf": leaf.decode("utf-8"), "at": at.isoformat()})}},
                    {"Put": {"TableName": self._table, "ConditionExpression": "attribute_not_exists(pk)",
                             "Item": to_item({"pk": f"LOGKEY#{key_name}", "sk": "ENTRY", "index": size})}},
                ])
                return LogEntry(size, key_name, leaf, at)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
        raise TransientFailure("档案固化日志繁忙，请稍后重试", code="ARCHIVE_LOG_BUSY")

    def entry_for(self, key_name: str) -> LogEntry | None:
        db = client("dynamodb")
        marker = db.get_item(TableName=self._table, Key=key(f"LOGKEY#{key_name}", "ENTRY"),
                             ConsistentRead=True).get("Item")
        if not marker:
            return None
        index = int(marker["index"]["N"])
        item = db.get_item(TableName=self._table, Key=key("LOG", f"E#{index:012d}"), ConsistentRead=True).get("Item")
        return _entry(from_item(item)) if item else None

    def entries(self, start: int = 0, end: int | None = None) -> list[LogEntry]:
        upper = f"E#{(end if end is not None else 10**12) - 1:012d}"
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self._table, ConsistentRead=True, KeyConditionExpression="pk = :l AND sk BETWEEN :a AND :b",
            ExpressionAttributeValues={":l": {"S": "LOG"}, ":a": {"S": f"E#{start:012d}"}, ":b": {"S": upper}})
        return [_entry(from_item(i)) for page in pages for i in page.get("Items", [])]

    def _size(self) -> int:
        item = client("dynamodb").get_item(TableName=self._table, Key=key("LOG", "HEAD"),
                                           ConsistentRead=True).get("Item")
        return int(item["size"]["N"]) if item and "size" in item else 0


def _entry(values: dict[str, Any]) -> LogEntry:
    return LogEntry(int(values["index"]), values["key"], values["leaf"].encode("utf-8"),
                    datetime.fromisoformat(values["at"]))


def _record_item(r: ArchiveRecord) -> dict[str, Any]:
    return {"pk": f"DOC#{r.document_key}", "sk": "RECORD", "gsi1pk": f"SUBJECT#{r.subject}",
            "gsi1sk": f"{r.created_at.isoformat()}#{r.document_key}", "gsi2pk": f"BUSINESS#{r.business_id}",
            "gsi2sk": f"{r.created_at.isoformat()}#{r.document_key}", "transitions": r.transitions,
            **{name: getattr(r, name) for name in _RECORD_FIELDS},
            "category": r.category.value, "retention": r.retention.value, "source": r.source.value,
            "status": r.status.value, "size": r.size, "log_index": r.log_index,
            "created_at": r.created_at.isoformat(), "retain_until": r.retain_until.isoformat()}


def _record(v: dict[str, Any]) -> ArchiveRecord:
    return ArchiveRecord(**{name: v[name] for name in _RECORD_FIELDS}, category=Category(v["category"]),
                         retention=Retention(v["retention"]), source=Source(v["source"]),
                         status=ArchiveStatus(v["status"]), size=int(v["size"]), log_index=int(v["log_index"]),
                         transitions=int(v.get("transitions", 0)),
                         created_at=datetime.fromisoformat(v["created_at"]),
                         retain_until=date.fromisoformat(v["retain_until"]))


class DynamoBorrowingStore:
    """Borrowings in the archive table: ``BORROW#<id>`` / ``META``, version-checked; gsi1 ``BORROWINGS#<status>`` /
    ``<due day or requested time>#<id>`` lists those in one state (the overdue alert reads the approved ones)."""

    def __init__(self, table: str):
        self._table = table

    def add(self, borrowing: Borrowing) -> Borrowing:
        try:
            client("dynamodb").put_item(TableName=self._table, Item=to_item(_borrowing_item(borrowing)),
                                        ConditionExpression="attribute_not_exists(pk)")
            return borrowing
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
        found = self.get(borrowing.borrowing_id)
        assert found is not None
        return found

    def get(self, borrowing_id: str) -> Borrowing | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"BORROW#{borrowing_id}", "META"),
                                           ConsistentRead=True).get("Item")
        return _borrowing(from_item(item)) if item else None

    def update(self, borrowing: Borrowing) -> None:
        try:
            client("dynamodb").put_item(
                TableName=self._table, Item=to_item(_borrowing_item(borrowing)),
                ConditionExpression="#v = :previous", ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={":previous": {"N": str(borrowing.version - 1)}})
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            raise Conflict("借阅申请已被他人处理，请刷新后重试", code="CONCURRENT_UPDATE") from None

    def with_status(self, status: Any) -> list[Borrowing]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self._table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": {"S": f"BORROWINGS#{status.value}"}})
        return [_borrowing(from_item(i)) for page in pages for i in page.get("Items", [])]


_BORROWING_TEXT = ("borrowing_id", "document_key", "org", "borrower", "borrower_name", "purpose", "decided_by",
                   "returned_by", "note", "borrower_kind", "basis")


def _borrowing_item(b: Borrowing) -> dict[str, Any]:
    moment = b.due_on.isoformat() if b.due_on else b.requested_at.isoformat()
    return {"pk": f"BORROW#{b.borrowing_id}", "sk": "META", "gsi1pk": f"BORROWINGS#{b.status.value}",
            "gsi1sk": f"{moment}#{b.borrowing_id}", **{n: getattr(b, n) for n in _BORROWING_TEXT},
            "days": b.days, "status": b.status.value, "version": b.version,
            "requested_at": b.requested_at.isoformat(),
            "decided_at": b.decided_at.isoformat() if b.decided_at else None,
            "due_on": b.due_on.isoformat() if b.due_on else None,
            "returned_at": b.returned_at.isoformat() if b.returned_at else None}


def _borrowing(v: dict[str, Any]) -> Borrowing:
    from hpf.archive.borrowing import Borrowing, BorrowingStatus

    def moment(name: str) -> datetime | None:
        return datetime.fromisoformat(v[name]) if v.get(name) else None

    return Borrowing(**{n: v.get(n, "") for n in _BORROWING_TEXT}, days=int(v["days"]),
                     status=BorrowingStatus(v["status"]), version=int(v["version"]),
                     requested_at=datetime.fromisoformat(v["requested_at"]), decided_at=moment("decided_at"),
                     due_on=date.fromisoformat(v["due_on"]) if v.get("due_on") else None,
                     returned_at=moment("returned_at"))


class DynamoVerificationLog:
    """The last integrity check's summary (``VERIFY`` / ``LAST``) and one item per run (``VERIFY`` / ``<time>``)."""

    def __init__(self, table: str):
        self._table = table

    def save(self, summary: dict[str, Any]) -> None:
        body = json.dumps(summary, ensure_ascii=False)
        db = client("dynamodb")
        for sk in ("LAST", summary["at"]):
            db.put_item(TableName=self._table, Item=to_item({"pk": "VERIFY", "sk": sk, "summary": body}))

    def __call__(self) -> dict[str, Any] | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key("VERIFY", "LAST"),
                                           ConsistentRead=True).get("Item")
        return json.loads(item["summary"]["S"]) if item else None


class DynamoTextStore:
    """Recognised text beside its record: ``DOC#<document key>`` / ``TEXT``."""

    def __init__(self, table: str):
        self._table = table

    def put(self, text: RecognisedText) -> None:
        client("dynamodb").put_item(TableName=self._table, Item=to_item({
            "pk": f"DOC#{text.document_key}", "sk": "TEXT", "document_key": text.document_key, "org": text.org,
            "lines": json.dumps(list(text.lines), ensure_ascii=False), "engine": text.engine}))

    def get(self, document_key: str) -> RecognisedText | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"DOC#{document_key}", "TEXT"),
                                           ConsistentRead=True).get("Item")
        return _text(from_item(item)) if item else None

    def all(self) -> list[RecognisedText]:
        pages = client("dynamodb").get_paginator("scan").paginate(
            TableName=self._table, FilterExpression="sk = :t", ExpressionAttributeValues={":t": {"S": "TEXT"}})
        return [_text(from_item(i)) for page in pages for i in page.get("Items", [])]


def _text(v: dict[str, Any]) -> RecognisedText:
    from hpf.archive.text import RecognisedText

    return RecognisedText(v["document_key"], v["org"], tuple(json.loads(v["lines"])), v["engine"])


class DynamoClaims:
    """Short claims (``CLAIM#<name>`` / ``CLAIM``, with an expiry and a TTL attribute) so that two requests for the
    same new voucher do not both ask the seal system to sign it."""

    def __init__(self, table: str):
        self._table = table

    def claim(self, name: str, holder: str, seconds: int) -> bool:
        import time as clock

        now = int(clock.time())
        try:
            client("dynamodb").put_item(
                TableName=self._table,
                Item=to_item({"pk": f"CLAIM#{name}", "sk": "CLAIM", "holder": holder, "expires": now + seconds,
                              "ttl": now + seconds + 3600}),
                ConditionExpression="attribute_not_exists(pk) OR expires < :now OR holder = :me",
                ExpressionAttributeValues={":now": {"N": str(now)}, ":me": {"S": holder}})
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            return False

    def release(self, name: str, holder: str) -> None:
        try:
            client("dynamodb").delete_item(TableName=self._table, Key=key(f"CLAIM#{name}", "CLAIM"),
                                           ConditionExpression="holder = :me",
                                           ExpressionAttributeValues={":me": {"S": holder}})
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise  # else it expired and someone else holds it now: theirs to keep


class DynamoRateLimiter:
    """A fixed-window counter per caller (``RATE#<caller>#<window>``), one atomic ADD a check, cleared by the
    table's TTL. Shared by every warm function, unlike a counter in memory."""

    def __init__(self, table: str):
        self._table = table

    def allow(self, caller: str, limit: int, window_seconds: int) -> bool:
        import time as clock

        window = int(clock.time()) // window_seconds
        answer = client("dynamodb").update_item(
            TableName=self._table, Key=key(f"RATE#{caller}#{window}", "RATE"),
            UpdateExpression="ADD hits :one SET #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": "ttl"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str((window + 2) * window_seconds)}},
            ReturnValues="UPDATED_NEW")
        return int(answer["Attributes"]["hits"]["N"]) <= limit
