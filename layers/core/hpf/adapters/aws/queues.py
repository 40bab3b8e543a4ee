"""Sending work to SQS queues in batches of ten (the API's limit), failing loudly on any rejected entry."""

from __future__ import annotations

import json
from typing import Any

from hpf.adapters.aws.clients import client


class QueueSender:
    def send(self, queue_url: str, messages: list[dict[str, Any]], correlation_id: str | None = None) -> int:
        attributes = ({"correlation_id": {"DataType": "String", "StringValue": correlation_id}}
                      if correlation_id else {})
        for start in range(0, len(messages), 10):
            batch = messages[start: start + 10]
            result = client("sqs").send_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "MessageBody": json.dumps(m, ensure_ascii=False), "MessageAttributes": attributes}
                for i, m in enumerate(batch)])
            if result.get("Failed"):
                raise RuntimeError(f"queue refused {len(result['Failed'])} messages: {result['Failed'][:3]}")
        return len(messages)
