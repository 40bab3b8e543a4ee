"""Scheduled archive work: the daily signed tree head (00:10) and the daily integrity check (03:00; also run on
demand with ``hpf archive verify``). Integrity findings are an alert (7.5.15): an error log line per finding and
the ArchiveIntegrityFindings metric, which the operators' alarm watches."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hpf import bootstrap, settings
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-archive")


def sign_tree_head(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from hpf.archive.treehead import SealSystemTreeHeadSigner, sign_tree_head as sign

    archive = bootstrap.archive_service()
    signer = SealSystemTreeHeadSigner(bootstrap.seal_system(), settings.env("HPF_CENTER_SEAL"))
    head = sign(archive.log, archive.objects, signer, bootstrap.clock())
    logger.info("tree head signed", extra={"size": head.size, "root": head.root})
    return {"size": head.size, "root": head.root, "at": head.at}


def verify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from hpf.archive.verify import verify_archive

    archive = bootstrap.archive_service()
    report = verify_archive(archive.objects, archive.index, archive.log, settings.seal_trust_roots(),
                            bootstrap.text_store())
    for finding in report.findings:
        logger.error("archive integrity finding", extra=asdict(finding))
    count("ArchiveIntegrityFindings", len(report.findings))
    summary = {"at": bootstrap.clock().now().isoformat(), "intact": report.intact, "entries": report.entries,
               "records": report.records, "tree_heads": report.tree_heads,
               "findings": [asdict(f) for f in report.findings], "unreferenced": report.unreferenced}
    bootstrap.verification_log().save(summary)  # the alerts page shows the last one
    return summary


def recognise_text(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """OCR queue consumer (partial batch failure): read each filed scan (7.5.10)."""
    import json

    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    service = bootstrap.archive_text()

    def handle_record(record: Any) -> None:  # powertools passes the record by this keyword
        document_key = json.loads(record.body)["document_key"]
        text = service.recognise(document_key)
        logger.info("text recognised", extra={"document_key": document_key,
                                              "lines": len(text.lines) if text else None})

    return process_partial_response(event=event, record_handler=handle_record,
                                    processor=BatchProcessor(event_type=EventType.SQS), context=context)
