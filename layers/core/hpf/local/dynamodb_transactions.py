"""Isolated DynamoDB transactions for the embedded endpoint.

moto applies a TransactWriteItems item by item and, when one condition fails, rolls back by putting back a
deep copy of each table taken before the transaction. Under concurrent requests (the local platform serves
many at once) that loses other requests' writes made in between, and it swaps the table object — so a
stream reader holding the old table's shard never sees another record (the outbox relay stalls).

Real DynamoDB checks every condition and applies all writes atomically. ``install`` gives the embedded
endpoint the same behaviour: one lock over every item write; a transaction checks all its conditions first
and cancels with the per-item reasons before touching anything, then applies its writes. Nothing needs
rolling back, so no table object is ever replaced.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_lock = threading.RLock()


def install() -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_hpf_isolated", False):
        return

    def locked(method: Any) -> Any:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            with _lock:
                return method(self, *args, **kwargs)

        return wrapper

    for name in ("put_item", "update_item", "delete_item"):
        setattr(DynamoDBBackend, name, locked(getattr(DynamoDBBackend, name)))

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if len(transact_items) > 100:
            raise TooManyTransactionsException()
        with _lock:
            seen: set[tuple[str, str]] = set()
            operations = []
            reasons: list[tuple[Any, Any, Any]] = []
            for entry in transact_items:
                if len(entry) != 1:
                    raise TransactWriteSingleOpException
                op_type, op = next(iter(entry.items()))
                table = self.get_table(op["TableName"])
                if op_type == "Put":
                    key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
                    if table.range_key_attr is not None:
                        key[table.range_key_attr] = op["Item"][table.range_key_attr]
                else:
                    key = op["Key"]
                identity = (op["TableName"], str(sorted(key.items())))
                if identity in seen:
                    raise MultipleTransactionsException()
                seen.add(identity)
                condition = op.get("ConditionExpression")
                current = self.get_item(op["TableName"], key)
                holds = condition is None or get_filter_expression(
                    condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                ).expr(current)
                reasons.append((None, None, None) if holds else
                               ("ConditionalCheckFailed", "The conditional request failed", None))
                operations.append((op_type, op, key))
            if any(code for code, _, _ in reasons):
                raise TransactionCanceledException(reasons)
            for op_type, op, key in operations:
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    self.put_item(op["TableName"], op["Item"])
                elif op_type == "Update":
                    self.update_item(op["TableName"], key, update_expression=op["UpdateExpression"],
                                     expression_attribute_names=names, expression_attribute_values=values)
                elif op_type == "Delete":
                    self.delete_item(op["TableName"], key)

    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    DynamoDBBackend._hpf_isolated = True  # type: ignore[attr-defined]
