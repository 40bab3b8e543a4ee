"""DynamoDB helpers: (de)serialisation and a buffer of writes committed as one transaction.

Every buffered write names the domain error its condition stands for. When DynamoDB cancels the transaction,
the cancellation reasons say which item failed, and that item's error is raised — a duplicate credit code
becomes UNIT_ALREADY_REGISTERED, a moved version becomes a CONCURRENT_UPDATE conflict — with nothing written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb_types import deserialize, serialize
from hpf.common.errors import Conflict, HpfError, TransientFailure

MAX_TRANSACTION_ITEMS = 100


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: serialize(v) for k, v in values.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: deserialize(v) for k, v in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


@dataclass
class _Write:
    operation: dict[str, Any]
    on_conflict: HpfError


class TransactionBuffer:
    def __init__(self) -> None:
        self._writes: list[_Write] = []

    def put(self, table: str, item: dict[str, Any], *, condition: str | None = None,
            names: dict[str, str] | None = None, values: dict[str, Any] | None = None,
            on_conflict: HpfError | None = None) -> None:
        put: dict[str, Any] = {"TableName": table, "Item": to_item(item)}
        _conditions(put, condition, names, values)
        self._writes.append(_Write({"Put": put}, on_conflict or Conflict()))

    def update(self, table: str, item_key: dict[str, Any], expression: str, *, condition: str,
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               on_conflict: HpfError | None = None) -> None:
        update: dict[str, Any] = {"TableName": table, "Key": item_key, "UpdateExpression": expression}
        _conditions(update, condition, names, values)
        self._writes.append(_Write({"Update": update}, on_conflict or Conflict()))

    def delete(self, table: str, item_key: dict[str, Any], *, condition: str,
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               on_conflict: HpfError | None = None) -> None:
        delete: dict[str, Any] = {"TableName": table, "Key": item_key}
        _conditions(delete, condition, names, values)
        self._writes.append(_Write({"Delete": delete}, on_conflict or Conflict()))

    def __len__(self) -> int:
        return len(self._writes)

    def clear(self) -> None:
        self._writes.clear()

    def commit(self) -> None:
        if not self._writes:
            return
        if len(self._writes) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} writes")
        try:
            client("dynamodb").transact_write_items(TransactItems=[w.operation for w in self._writes])
        except ClientError as exc:
            raise self._translate(exc) from exc
        finally:
            self._writes.clear()

    def _translate(self, exc: ClientError) -> HpfError:
        error = exc.response.get("Error", {})
        if error.get("Code") == "TransactionCanceledException":
            for write, reason in zip(self._writes, _cancellation_reasons(exc), strict=False):  # may list fewer
                if reason.get("Code") == "ConditionalCheckFailed":
                    return write.on_conflict
            return TransientFailure("数据库事务冲突，请稍后重试", code="TRANSACTION_CONFLICT")
        if error.get("Code") in {"ProvisionedThroughputExceededException", "ThrottlingException",
                                 "RequestLimitExceeded", "InternalServerError"}:
            return TransientFailure()
        raise exc


BATCH_WRITE_ITEMS = 25  # DynamoDB's BatchWriteItem takes at most 25 puts a request


def put_all(table: str, items: list[dict[str, Any]], attempts: int = 8) -> None:
    """Put many items, 25 a request, outside any transaction: for content that nothing reads until a later
    transactional write names it (so a put that lands twice, or a run that dies half-way, harms nothing). Items
    DynamoDB leaves unprocessed (throttling) are sent again with a growing pause."""
    for start in range(0, len(items), BATCH_WRITE_ITEMS):
        requests = [{"PutRequest": {"Item": to_item(item)}} for item in items[start:start + BATCH_WRITE_ITEMS]]
        for attempt in range(attempts):
            unprocessed = client("dynamodb").batch_write_item(RequestItems={table: requests}).get(
                "UnprocessedItems", {}).get(table, [])
            if not unprocessed:
                break
            requests = unprocessed
            time.sleep(min(0.05 * 2 ** attempt, 2.0))
        else:
            raise TransientFailure("数据库繁忙，批量写入未完成，请稍后重试", code="BATCH_WRITE_THROTTLED")


@dataclass(frozen=True)
class CheckedPut:
    """One put under its own condition, for ``put_each_checked``."""

    item: dict[str, Any]
    condition: str
    names: dict[str, str] | None = None
    values: dict[str, Any] | None = None


def put_each_checked(table: str, puts: list[CheckedPut], attempts: int = 5) -> list[int]:
    """Put each item under its own condition, up to 100 in a transaction — many independent version-checked
    writes in a few requests. A put whose condition fails is left out and the rest of its transaction sent again
    (a cancelled transaction wrote nothing); returns the positions of the puts left out."""
    left_out: list[int] = []
    for start in range(0, len(puts), MAX_TRANSACTION_ITEMS):
        pending = list(range(start, min(start + MAX_TRANSACTION_ITEMS, len(puts))))
        retries = 0  # rounds that left nothing out: another writer's transaction was in the way
        while pending:
            operations = []
            for n in pending:
                put: dict[str, Any] = {"TableName": table, "Item": to_item(puts[n].item)}
                _conditions(put, puts[n].condition, puts[n].names, puts[n].values)
                operations.append({"Put": put})
            try:
                client("dynamodb").transact_write_items(TransactItems=operations)
                break
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                failed = {pending[k] for k, reason in enumerate(_cancellation_reasons(exc))
                          if k < len(pending) and reason.get("Code") == "ConditionalCheckFailed"}
            if failed:
                left_out += sorted(failed)
                pending = [n for n in pending if n not in failed]
                continue
            retries += 1
            if retries > attempts:
                raise TransientFailure("数据库事务冲突，请稍后重试", code="TRANSACTION_CONFLICT")
            time.sleep(min(0.05 * 2 ** retries, 2.0))
    return sorted(left_out)


def _cancellation_reasons(exc: ClientError) -> list[dict[str, Any]]:
    """Why a transaction was cancelled, write by write (DynamoDB's list, or parsed from the message where an
    endpoint gives only that)."""
    return exc.response.get("CancellationReasons") or _reasons_from_message(exc.response.get("Error", {}).get("Message", ""))


def _conditions(op: dict[str, Any], condition: str | None, names: dict[str, str] | None,
                values: dict[str, Any] | None) -> None:
    if condition:
        op["ConditionExpression"] = condition
    if names:
        op["ExpressionAttributeNames"] = names
    if values:
        op["ExpressionAttributeValues"] = to_item(values)


def _reasons_from_message(message: str) -> list[dict[str, str]]:
    # Some endpoints only list the reasons in the message: "... reasons [ConditionalCheckFailed, None]".
    if "[" not in message:
        return []
    inner = message[message.index("[") + 1: message.rindex("]")]
    return [{"Code": part.strip()} for part in inner.split(",")]
