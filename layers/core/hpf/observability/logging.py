"""The platform's Logger: powertools JSON logs with personal data masked on every line.

``HPF_LOG_FILE`` sends the lines to a file instead of stdout (the local platform collects every function's
logs there so its console stays readable).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from hpf.observability.correlation import correlation_id
from hpf.observability.masking import mask

_loggers: dict[str, Logger] = {}


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Masks personal data, and names the business flow: the correlation id of the current context goes on every
    line of every logger, so a domain module's log line is found with the entrypoint's that called it."""

    def serialize(self, log: Any) -> str:  # the dict powertools builds for the line
        current = correlation_id()
        if current and not log.get("correlation_id"):
            log = {**log, "correlation_id": current}
        return super().serialize(mask(log))


def _handler() -> logging.Handler | None:
    path = os.environ.get("HPF_LOG_FILE")
    if not path:
        return None
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return logging.FileHandler(path, encoding="utf-8")


def get_logger(service: str) -> Logger:
    """One Logger per service name, built once per process (powertools loggers are process-global)."""
    if service not in _loggers:
        _loggers[service] = Logger(
            service=service,
            logger_formatter=MaskingFormatter(json_serializer=lambda o: json.dumps(o, ensure_ascii=False, default=str)),
            logger_handler=_handler(),
        )
    return _loggers[service]
