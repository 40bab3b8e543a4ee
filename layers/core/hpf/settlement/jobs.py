"""The daily reconciliation run (schedule: 01:30 for the day before) and the on-demand one (finance, HTTP):
every office with a special account; the workbook goes to the analytics bucket."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hpf import bootstrap, settings
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-reconciliation")


def reconcile(org: str, day: date) -> tuple[Any, str]:
    """Run one office's day; returns the report and the workbook's key in the analytics bucket."""
    from hpf.adapters.aws.clients import client
    from hpf.settlement.report import workbook

    report = bootstrap.reconciliation().run(org, day)
    key = f"reconciliation/{org}/{day.isoformat()}.xlsx"
    book = workbook(report)
    client("s3").put_object(Bucket=settings.env("HPF_ANALYTICS_BUCKET"), Key=key, Body=book,
                            ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    # The same workbook is an accounting document: into the archive, bound with its month (7.5.16).
    bootstrap.accounting_archive().file_reconciliation(org, day, book)
    logger.info("day reconciled", extra={"org": org, "day": day.isoformat(), "agrees": report.agrees,
                                         "differences": len(report.differences), "matched": report.matched})
    count("ReconciliationDifferences", len(report.differences))
    return report, key


def daily(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from hpf.common.clock import business_date

    day = business_date(bootstrap.clock()) - timedelta(days=1)
    results = {}
    for org in bootstrap.settlement_banks().offices():
        report, key = reconcile(org, day)
        results[org] = {"agrees": report.agrees, "differences": len(report.differences), "workbook": key}
    return {"day": day.isoformat(), "offices": results}


def download_url(key: str) -> str:
    from hpf.adapters.aws.clients import client

    return client("s3").generate_presigned_url("get_object", ExpiresIn=900, Params={
        "Bucket": settings.env("HPF_ANALYTICS_BUCKET"), "Key": key})
