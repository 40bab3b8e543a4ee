"""The stage's dead-letter queues on SQS (``hpf-<stage>-*-dlq``, infra/areas/*.yaml): depth, a look at the
messages, and the replay to the queue they came from (the queue whose redrive policy names them).

SQS's own message-move task would do the replay server-side, but not every AWS-compatible cloud (nor the local
endpoint) offers it; receive → send → delete works on any, and the consumers are idempotent by business id, so a
copy left in both by a crash between the two is harmless.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.common.errors import BusinessRuleViolation, NotFound
from hpf.platform.ports import DeadLetter, DeadLetterQueue

SUFFIX = "-dlq"
BATCH = 10  # SQS's most per receive


class SqsDeadLetters:
    def __init__(self, stage: str):
        self._prefix = f"hpf-{stage}-"

    def queues(self) -> list[DeadLetterQueue]:
        return [self._queue(url) for url in self._urls().values()]

    def peek(self, name: str, limit: int) -> list[DeadLetter]:
        url = self._url(name)
        # a zero visibility timeout leaves each message where it was: only its receive count grows
        answer = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=min(limit, BATCH),
                                               VisibilityTimeout=0, AttributeNames=["All"])
        return [_letter(m) for m in answer.get("Messages", [])]

    def replay(self, name: str, limit: int) -> int:
        url = self._url(name)
        source = self._source(url)
        if source is None:
            raise BusinessRuleViolation("该死信队列不来自某个队列（如事件流的失败记录），不能重放：由补发任务处理",
                                        code="NOT_REPLAYABLE")
        sqs, moved = client("sqs"), 0
        while moved < limit:
            messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=min(limit - moved, BATCH),
                                           VisibilityTimeout=60, MessageAttributeNames=["All"]).get("Messages", [])
            if not messages:
                break
            for m in messages:
                sqs.send_message(QueueUrl=source, MessageBody=m["Body"],
                                 MessageAttributes=_attributes(m.get("MessageAttributes", {})))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                moved += 1
        return moved

    def _queue(self, url: str) -> DeadLetterQueue:
        depth = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        source = self._source(url)
        return DeadLetterQueue(self._short(url), self._short(source) if source else None,
                               int(depth["Attributes"]["ApproximateNumberOfMessages"]))

    def _source(self, url: str) -> str | None:
        sources = client("sqs").list_dead_letter_source_queues(QueueUrl=url).get("queueUrls", [])
        return sources[0] if sources else None

    def _urls(self) -> dict[str, str]:
        urls = client("sqs").list_queues(QueueNamePrefix=self._prefix).get("QueueUrls", [])
        return {self._short(u): u for u in sorted(urls) if u.endswith(SUFFIX)}

    def _url(self, name: str) -> str:
        url = self._urls().get(name)
        if url is None:
            raise NotFound("没有这个死信队列", code="QUEUE_NOT_FOUND")
        return url

    def _short(self, url: str) -> str:
        return url.rsplit("/", 1)[-1].removeprefix(self._prefix)


def _letter(message: dict[str, Any]) -> DeadLetter:
    attributes = message.get("Attributes", {})
    try:
        body: Any = json.loads(message["Body"])
    except ValueError:
        body = message["Body"]
    sent = datetime.fromtimestamp(int(attributes.get("SentTimestamp", 0)) / 1000, UTC)
    return DeadLetter(message["MessageId"], body, sent, int(attributes.get("ApproximateReceiveCount", 0)))


def _attributes(received: dict[str, Any]) -> dict[str, Any]:
    """Message attributes as received, in the shape sending wants (only the value keys the type uses)."""
    return {name: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
            for name, value in received.items()}
