"""The nightly snapshot job (schedule, 02:00 Asia/Shanghai): yesterday's business date, labelled so."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hpf import settings
from hpf.common.clock import SHANGHAI
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-ledger-snapshot")


def snapshot(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from hpf.adapters.aws.snapshot_store import BucketWriter, scan_table
    from hpf.analytics.snapshot import write_snapshot

    fired = datetime.fromisoformat(event["time"].replace("Z", "+00:00")).astimezone(SHANGHAI)
    day = (fired - timedelta(days=1)).date()
    items = scan_table(settings.env("HPF_LEDGER_TABLE"))
    manifest = write_snapshot(items, day, BucketWriter(settings.env("HPF_ANALYTICS_BUCKET")).put)
    rows = {t: m["rows"] for t, m in manifest["tables"].items()}
    logger.info("ledger snapshot written", extra={"business_date": day.isoformat(), "rows": rows})
    count("SnapshotRows", sum(rows.values()))
    return {"business_date": day.isoformat(), "rows": rows}
