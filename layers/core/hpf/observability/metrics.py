"""Business metrics as CloudWatch EMF lines. Metrics is imported on first use: most GETs emit none."""

from __future__ import annotations

from typing import Any

_metrics: Any = None


def metrics() -> Any:
    global _metrics
    if _metrics is None:
        from aws_lambda_powertools import Metrics

        _metrics = Metrics(namespace="HPF")
    return _metrics


def count(name: str, value: int = 1) -> None:
    from aws_lambda_powertools.metrics import MetricUnit

    m = metrics()
    m.add_metric(name=name, unit=MetricUnit.Count, value=value)
    m.flush_metrics()
