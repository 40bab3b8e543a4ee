"""Local stand-ins for Lambda's event source mappings and EventBridge's scheduler.

They read the same definitions the cloud uses (the template's mappings, the created rules) and feed our real
handlers with real-shaped events:
- a queue is long-polled; a batch's ``batchItemFailures`` are left on the queue (they come back after the
  visibility timeout and go to the dead-letter queue after maxReceiveCount, as the redrive policy says);
  the rest are deleted;
- a table stream is read from its shards in order; failed records are retried from the first failure up to
  MaximumRetryAttempts, then reported in the log (the outbox sweep schedule relays what the stream gave up);
- a schedule fires at each time its rate or cron expression names.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.local.dispatch import FunctionRegistry
from hpf.local.schedules import next_fire, scheduled_event
from hpf.observability.logging import get_logger


def _log() -> Any:
    # Looked up at use, not import: the platform points HPF_LOG_FILE at its log file only when it starts.
    return get_logger("hpf-local")


class _Loop(threading.Thread):
    def __init__(self, name: str, step: Callable[[], None], stop: threading.Event, idle_seconds: float):
        super().__init__(name=name, daemon=True)
        self._step, self._halt, self._idle = step, stop, idle_seconds

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self._step()
            except Exception:
                if self._halt.is_set():
                    return
                _log().exception("local runner step failed", extra={"runner": self.name})
                self._halt.wait(1.0)
            self._halt.wait(self._idle)


class QueuePoller:
    def __init__(self, registry: FunctionRegistry, function_name: str, queue_arn: str, batch_size: int):
        self._registry, self._function, self._arn, self._batch = registry, function_name, queue_arn, batch_size
        self._url = client("sqs").get_queue_url(QueueName=queue_arn.rsplit(":", 1)[1])["QueueUrl"]

    def step(self) -> None:
        sqs = client("sqs")
        received = sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=min(self._batch, 10),
                                       WaitTimeSeconds=1, AttributeNames=["All"], MessageAttributeNames=["All"])
        messages = received.get("Messages", [])
        if not messages:
            return
        event = {"Records": [self._record(m) for m in messages]}
        try:
            result = self._registry.invoke(self._function, event) or {}
        except Exception:
            _log().exception("queue consumer failed; the batch returns to the queue", extra={"function": self._function})
            return
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=self._url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
                       "stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": self._arn,
            "awsRegion": self._arn.split(":")[3],
        }


class StreamPoller:
    def __init__(self, registry: FunctionRegistry, function_name: str, stream_arn: str, batch_size: int,
                 max_retries: int | None):
        self._registry, self._function, self._arn = registry, function_name, stream_arn
        self._batch, self._max_retries = batch_size, max_retries if max_retries is not None else 10
        self._iterators: dict[str, str] = {}

    def step(self) -> None:
        streams = client("dynamodbstreams")
        if not self._iterators:
            for shard in streams.describe_stream(StreamArn=self._arn)["StreamDescription"].get("Shards", []):
                self._iterators[shard["ShardId"]] = streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for shard_id, iterator in list(self._iterators.items()):
            response = streams.get_records(ShardIterator=iterator, Limit=self._batch)
            records = [{**r, "eventSourceARN": self._arn} for r in response.get("Records", [])]
            if records:
                self._deliver(records)
            if response.get("NextShardIterator"):
                self._iterators[shard_id] = response["NextShardIterator"]

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        pending, attempts = records, 0
        while pending:
            try:
                result = self._registry.invoke(self._function, {"Records": pending}) or {}
                failures = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
            except Exception:
                _log().exception("stream consumer failed", extra={"function": self._function})
                failures = [pending[0]["dynamodb"]["SequenceNumber"]]
            if not failures:
                return
            attempts += 1
            if attempts > self._max_retries:
                _log().error("stream records given up after retries", extra={
                    "function": self._function, "first_sequence": failures[0], "count": len(pending)})
                return
            first = min(failures)
            pending = [r for r in pending if r["dynamodb"]["SequenceNumber"] >= first]


class Scheduler:
    """Fires every enabled scheduled rule at its times; ``fire`` runs one now."""

    def __init__(self, registry: FunctionRegistry, account: str, region: str):
        self._registry, self._account, self._region = registry, account, region
        self._next: dict[str, datetime] = {}

    def rules(self) -> list[dict[str, Any]]:
        events = client("events")
        return [r for r in events.list_rules().get("Rules", []) if r.get("ScheduleExpression")]

    def fire(self, rule: dict[str, Any], at: datetime | None = None) -> list[Any]:
        at = at or datetime.now(UTC)
        event = scheduled_event(rule["Name"], rule["Arn"], at, self._account, self._region)
        results = []
        for target in client("events").list_targets_by_rule(Rule=rule["Name"]).get("Targets", []):
            results.append(self._registry.invoke(target["Arn"], event))
        return results

    def step(self) -> None:
        now = datetime.now(UTC)
        for rule in self.rules():
            if rule.get("State") != "ENABLED":
                continue
            due = self._next.setdefault(rule["Name"], next_fire(rule["ScheduleExpression"], now))
            if due <= now:
                self._next[rule["Name"]] = next_fire(rule["ScheduleExpression"], now)
                try:
                    self.fire(rule, due)
                except Exception:
                    _log().exception("scheduled function failed", extra={"rule": rule["Name"]})


def start_loop(name: str, step: Callable[[], None], stop: threading.Event, idle_seconds: float) -> threading.Thread:
    loop = _Loop(name, step, stop, idle_seconds)
    loop.start()
    return loop
