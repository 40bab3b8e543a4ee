"""Settlement's Lambda entrypoints besides HTTP: the workflow's tasks, the arrival-notice consumer and the daily
reconciliation (schedule 01:30, for the day before; finance runs one by hand over HTTP).

A task's exception keeps its class name as the Lambda error type, which the state machine's Retry
(TransientFailure) and Catch (BusinessRuleViolation, NotFound) match on: nothing here catches one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

from hpf import bootstrap
from hpf.common.clock import business_date
from hpf.entrypoints.batches import each_message
from hpf.entrypoints.schedules import recorded
from hpf.ledger.settlement_port import SettlementInstruction
from hpf.observability.correlation import set_correlation_id
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count
from hpf.settlement.notices import match_notice
from hpf.settlement.reconciliation import ReconciliationReport

logger = get_logger("hpf-settlement-jobs")
WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def settlement_step(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """receive | send | query: the steps that talk to the bank — of one instruction, or of a batch file
    (statemachines/settlement-batch.asl.json: ``batch_receive`` | ``batch_send`` | ``batch_query``)."""
    _correlate(event)
    step = event["step"]
    if step.startswith("batch_"):
        batches = bootstrap.batch_settlement()
        if step == "batch_receive":
            answer = batches.receive(event["batch_id"], event["org"])
        elif step == "batch_send":
            answer = batches.send(event["batch_id"])
        elif step == "batch_query":
            answer = batches.query(event["batch_id"])
        else:
            raise ValueError(f"unknown settlement step {step!r}")
    elif step == "receive":
        answer = bootstrap.settlement_service().receive(SettlementInstruction.from_payload(event["instruction"]))
    elif step == "send":
        answer = bootstrap.settlement_service().send(event["instruction_id"])
    elif step == "query":
        answer = bootstrap.settlement_service().query(event["instruction_id"])
    else:
        raise ValueError(f"unknown settlement step {step!r}")
    logger.info("settlement step", extra={"step": step, **answer})
    return answer


def settlement_review(event: dict[str, Any], context: Any = None) -> None:
    """Task (waitForTaskToken): park the instruction (or each open line of a batch) for a person; the workflow
    waits on the task token until they — or the statement — decide."""
    _correlate(event)
    if event.get("batch_id"):
        bootstrap.batch_settlement().await_review(event["batch_id"], event["task_token"])
        logger.warning("settlement batch awaits manual review", extra={"batch_id": event["batch_id"]})
        return
    instruction = SettlementInstruction.from_payload(event["instruction"]) if event.get("instruction") else None
    bootstrap.settlement_service().await_review(event["instruction_id"], event["task_token"], instruction)
    logger.warning("settlement instruction awaits manual review", extra={"instruction_id": event["instruction_id"]})


def settlement_apply(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Task: the bank's outcome into the ledger."""
    _correlate(event)
    if event.get("batch_id"):
        answer = bootstrap.batch_settlement().apply(event["batch_id"])
        logger.info("settlement batch applied", extra=answer)
        return answer
    answer = bootstrap.settlement_service().apply(event["instruction_id"])
    logger.info("settlement outcome applied to the ledger", extra=answer)
    return answer


def match_notices(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """Queue consumer: arrival notices from the banks (via the front) confirm the remittances they name."""
    banks = bootstrap.settlement_banks()
    accounts = {banks.special_account(org).account_no for org in banks.offices()}

    def match(notice: dict[str, Any], correlation_id: str) -> None:
        outcome = match_notice(notice, bootstrap.remittance_funding(), accounts)
        logger.info("arrival notice", extra={"outcome": outcome})

    return each_message(event, context, match)


def reconcile(org: str, day: date) -> tuple[ReconciliationReport, str]:
    """Run one office's day; returns the report and its workbook's key in the analytics bucket.
    The same workbook is an accounting document: it goes into the archive, bound with its month (7.5.16)."""
    from hpf.settlement.report import workbook

    report = bootstrap.reconciliation().run(org, day)
    key = f"reconciliation/{org}/{day.isoformat()}.xlsx"
    book = workbook(report)
    bootstrap.analytics_files().put(key, book, WORKBOOK)
    bootstrap.accounting_archive().file_reconciliation(org, day, book)
    logger.info("day reconciled", extra={"org": org, "day": day.isoformat(), "agrees": report.agrees,
                                         "differences": len(report.differences), "matched": report.matched})
    count("ReconciliationDifferences", len(report.differences))
    return report, key


@recorded
def reconcile_daily(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Schedule (01:30): yesterday, every office with a special account."""
    day = business_date(bootstrap.clock()) - timedelta(days=1)
    results = {}
    for org in bootstrap.settlement_banks().offices():
        report, key = reconcile(org, day)
        results[org] = {"agrees": report.agrees, "differences": len(report.differences), "workbook": key}
    return {"day": day.isoformat(), "offices": results}


def _correlate(event: dict[str, Any]) -> None:
    logger.set_correlation_id(set_correlation_id(event.get("correlation_id")))
