"""Reading the whole ledger table for the snapshot, and writing the snapshot's files to the bucket.

A parallel scan suits the local platform and a center's first years; past some millions of items the cloud
path is DynamoDB's export to S3 (point-in-time recovery is on for that), read by the same DuckDB code.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import from_item

SEGMENTS = 4


def scan_table(table: str) -> list[dict[str, Any]]:
    def segment(number: int) -> list[dict[str, Any]]:
        items = []
        for page in client("dynamodb").get_paginator("scan").paginate(
                TableName=table, Segment=number, TotalSegments=SEGMENTS, ConsistentRead=True):
            items.extend(from_item(i) for i in page.get("Items", []))
        return items

    with ThreadPoolExecutor(max_workers=SEGMENTS) as pool:
        return [item for chunk in pool.map(segment, range(SEGMENTS)) for item in chunk]


class BucketWriter:
    def __init__(self, bucket: str):
        self._bucket = bucket

    def put(self, key: str, body: bytes) -> None:
        client("s3").put_object(Bucket=self._bucket, Key=key, Body=body,
                                ContentType="application/json" if key.endswith(".json") else
                                "application/vnd.apache.parquet")
