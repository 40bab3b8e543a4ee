"""The transactional outbox on DynamoDB, and its relay to queues.

Timeline of one event:
  1. a service publishes it inside a unit of work; the outbox row is written in the *same* transaction as
     the business rows (``pending`` set), so the event exists if and only if the business change does;
  2. the outbox table's stream hands the new row to ``relay`` (platform function ``relay_outbox``), which
     sends it to the area's queue and clears ``pending``;
  3. if the relay fails between sending and clearing, the row stays pending and is sent again by the next
     attempt or by ``sweep`` (scheduled): delivery is at least once, so every consumer is idempotent by the
     event id.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import TransactionBuffer, from_item
from hpf.common.errors import Conflict
from hpf.common.events import DomainEvent

PENDING_INDEX = "pending-index"


def buffer_event(buffer: TransactionBuffer, table: str, event: DomainEvent) -> None:
    buffer.put(
        table,
        {
            "event_id": event.event_id,
            "event_type": event.event_type,
            "aggregate_id": event.aggregate_id,
            "payload": json.dumps(event.payload, ensure_ascii=False, default=str),
            "occurred_at": event.occurred_at.isoformat(),
            "correlation_id": event.correlation_id,
            "pending": "1",
        },
        condition="attribute_not_exists(event_id)",
        on_conflict=Conflict("该业务事件已经发生", code="EVENT_ALREADY_RECORDED"),
    )


class OutboxRelay:
    """Sends outbox rows to the queue of their area (``routes``: area → queue URL), and a copy to the queue of
    every other area subscribed to the event's type (``subscriptions``: event type → areas) — the archive collects
    a business's documents when the ledger says it is done. All sends happen before the row is marked published:
    a failure part-way leaves it pending and the next attempt sends again; consumers are idempotent."""

    def __init__(self, table: str, routes: dict[str, str], subscriptions: dict[str, list[str]] | None = None):
        self._table = table
        self._routes = routes
        self._subscriptions = subscriptions or {}

    def relay(self, row: dict[str, Any]) -> None:
        areas = [row["event_type"].split(".", 1)[0], *self._subscriptions.get(row["event_type"], [])]
        missing = [area for area in areas if area not in self._routes]
        if missing:
            raise LookupError(f"no queue routed for area {missing[0]!r} (event {row['event_id']})")
        attributes = {
            "event_type": {"DataType": "String", "StringValue": row["event_type"]},
            "event_id": {"DataType": "String", "StringValue": row["event_id"]},
        }
        if row.get("correlation_id"):
            attributes["correlation_id"] = {"DataType": "String", "StringValue": row["correlation_id"]}
        body = {k: row[k] for k in ("event_id", "event_type", "aggregate_id", "occurred_at", "correlation_id")
                if row.get(k) is not None}
        body["payload"] = json.loads(row["payload"])
        for area in areas:
            client("sqs").send_message(QueueUrl=self._routes[area], MessageBody=json.dumps(body, ensure_ascii=False),
                                       MessageAttributes=attributes)
        client("dynamodb").update_item(
            TableName=self._table,
            Key={"event_id": {"S": row["event_id"]}},
            UpdateExpression="REMOVE pending SET published_at = :now",
            ExpressionAttributeValues={":now": {"S": datetime.now().astimezone().isoformat()}},
        )

    def relay_image(self, image: dict[str, Any]) -> dict[str, Any] | None:
        """Relay the row a stream record's new image holds (DynamoDB's typed attribute form); returns the row, or
        None for a row written without ``pending`` (not waiting to be sent: the outbox writes every event pending)."""
        row = from_item(image)
        if "pending" not in row:
            return None
        self.relay(row)
        return row

    def sweep(self, older_than: timedelta, now: datetime) -> int:
        """Relay rows still pending after ``older_than`` (a stream delivery that failed or was lost)."""
        cutoff = (now - older_than).isoformat()
        sent = 0
        paginator = client("dynamodb").get_paginator("query")
        for page in paginator.paginate(
            TableName=self._table,
            IndexName=PENDING_INDEX,
            KeyConditionExpression="pending = :one AND occurred_at < :cutoff",
            ExpressionAttributeValues={":one": {"S": "1"}, ":cutoff": {"S": cutoff}},
        ):
            for item in page.get("Items", []):
                full = client("dynamodb").get_item(TableName=self._table, Key={"event_id": item["event_id"]},
                                                    ConsistentRead=True).get("Item")
                if full and "pending" in full:
                    self.relay(from_item(full))
                    sent += 1
        return sent
