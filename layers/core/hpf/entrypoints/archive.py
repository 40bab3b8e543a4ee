"""Scheduled and queued archive work: the daily signed tree head (00:10), the daily integrity check (03:00; also
on demand with ``hpf archive verify``) and text recognition of filed scans (7.5.10).

Integrity findings are an alert (7.5.15): an error log line per finding and the ArchiveIntegrityFindings metric,
which the operators' alarm watches.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hpf import bootstrap, settings
from hpf.entrypoints.batches import each_message
from hpf.entrypoints.schedules import recorded
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-archive")


@recorded
def sign_tree_head(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule (00:10 daily): sign the solidification log's tree head with the center's seal."""
    from hpf.archive.treehead import sign_tree_head as sign

    archive = bootstrap.archive_service()
    head = sign(archive.log, archive.objects, bootstrap.tree_head_signer(), bootstrap.clock())
    logger.info("tree head signed", extra={"size": head.size, "root": head.root})
    return {"size": head.size, "root": head.root, "at": head.at}


@recorded
def verify_archive(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule (03:00 daily): check every file, record, log entry and tree head; the alerts page shows the last
    report."""
    from hpf.archive.verify import verify_archive as verify

    archive = bootstrap.archive_service()
    report = verify(archive.objects, archive.index, archive.log, settings.seal_trust_roots(), bootstrap.text_store())
    for finding in report.findings:
        logger.error("archive integrity finding", extra=asdict(finding))
    count("ArchiveIntegrityFindings", len(report.findings))
    summary = {"at": bootstrap.clock().now().isoformat(), "intact": report.intact, "entries": report.entries,
               "records": report.records, "tree_heads": report.tree_heads,
               "findings": [asdict(f) for f in report.findings], "unreferenced": report.unreferenced}
    bootstrap.verification_log().save(summary)
    return summary


def recognise_text(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """OCR queue consumer (its own function: the engine is heavy)."""
    service = bootstrap.archive_text()

    def recognise(message: dict[str, Any], correlation_id: str) -> None:
        text = service.recognise(message["document_key"])
        logger.info("text recognised", extra={"document_key": message["document_key"],
                                              "lines": len(text.lines) if text else None})

    return each_message(event, context, recognise)
