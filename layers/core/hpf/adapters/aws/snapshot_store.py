"""Reading the whole ledger table for the snapshot, and writing files to the analytics bucket (the snapshot's
Parquet, the reconciliation workbooks).

A parallel scan suits the local platform and a center's first years; past some millions of items the cloud
path is DynamoDB's export to S3 (point-in-time recovery is on for that), read by the same DuckDB code.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import from_item

SEGMENTS = 4


def scan_table(table: str) -> list[dict[str, Any]]:
    def segment(number: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in client("dynamodb").get_paginator("scan").paginate(
                TableName=table, Segment=number, TotalSegments=SEGMENTS, ConsistentRead=True):
            items.extend(from_item(i) for i in page.get("Items", []))
        return items

    with ThreadPoolExecutor(max_workers=SEGMENTS) as pool:
        return [item for chunk in pool.map(segment, range(SEGMENTS)) for item in chunk]


class AnalyticsFiles:
    """The analytics bucket: files written by batch work, read back through short-lived links."""

    LINK_SECONDS = 900  # a download link outlives the page that shows it, not the working day

    def __init__(self, bucket: str):
        self._bucket = bucket

    def put(self, key: str, body: bytes, content_type: str | None = None) -> None:
        if content_type is None:
            content_type = "application/json" if key.endswith(".json") else "application/vnd.apache.parquet"
        client("s3").put_object(Bucket=self._bucket, Key=key, Body=body, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            return client("s3").get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except client("s3").exceptions.NoSuchKey:
            raise KeyError(key) from None

    def snapshot_days(self) -> list[date]:
        days = []
        for page in client("s3").get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix="snapshots/date=", Delimiter="/"):
            days += [date.fromisoformat(p["Prefix"].removeprefix("snapshots/date=").rstrip("/"))
                     for p in page.get("CommonPrefixes", [])]
        return sorted(days)

    def download_url(self, key: str) -> str:
        return client("s3").generate_presigned_url("get_object", ExpiresIn=self.LINK_SECONDS,
                                                   Params={"Bucket": self._bucket, "Key": key})
