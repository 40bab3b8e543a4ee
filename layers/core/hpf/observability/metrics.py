"""Business metrics as CloudWatch embedded-metric-format (EMF) lines, through powertools Metrics.

In Lambda an EMF line on stdout becomes a metric. The local platform sets HPF_LOG_FILE and the lines go there
with the logs, so the console stays readable. Metrics is imported on first use: most requests emit none.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from typing import Any

_metrics: Any = None
_lock = threading.Lock()


def _instance() -> Any:
    global _metrics
    if _metrics is None:
        from aws_lambda_powertools import Metrics

        _metrics = Metrics(namespace="HPF", service=os.environ.get("POWERTOOLS_SERVICE_NAME", "hpf"))
    return _metrics


def count(name: str, value: int = 1) -> dict[str, Any]:
    """Emit one count now; returns the EMF document written."""
    from aws_lambda_powertools.metrics import MetricUnit

    with _lock:  # one metric set per process: serialise and clear it under the lock
        metrics = _instance()
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        document = metrics.serialize_metric_set()
        metrics.clear_metrics()
    line = json.dumps(document, ensure_ascii=False)
    path = os.environ.get("HPF_LOG_FILE")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(line + "\n")
    else:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    return document
