"""Task functions of the settlement workflow. An exception keeps its class name as the Lambda error type, which
the state machine's Retry (TransientFailure) and Catch (BusinessRuleViolation, NotFound) match on."""

from __future__ import annotations

from typing import Any

from hpf import bootstrap
from hpf.observability.correlation import set_correlation_id
from hpf.observability.logging import get_logger

logger = get_logger("hpf-settlement-tasks")


def step(event: dict[str, Any]) -> dict[str, Any]:
    """receive | send | query: the steps that talk to the bank — of one instruction, or of a batch file
    (statemachines/settlement-batch.asl.json: ``batch_receive`` | ``batch_send`` | ``batch_query``)."""
    _correlate(event)
    service = bootstrap.settlement_service()
    if event["step"].startswith("batch_"):
        answer = _batch_step(event)
    elif event["step"] == "receive":
        from hpf.ledger.settlement_port import SettlementInstruction

        answer = service.receive(SettlementInstruction.from_payload(event["instruction"]))
    elif event["step"] == "send":
        answer = service.send(event["instruction_id"])
    elif event["step"] == "query":
        answer = service.query(event["instruction_id"])
    else:
        raise ValueError(f"unknown settlement step {event['step']!r}")
    logger.info("settlement step", extra={"step": event["step"], **answer})
    return answer


def _batch_step(event: dict[str, Any]) -> dict[str, Any]:
    batches = bootstrap.batch_settlement()
    if event["step"] == "batch_receive":
        return batches.receive(event["batch_id"], event["org"])
    if event["step"] == "batch_send":
        return batches.send(event["batch_id"])
    if event["step"] == "batch_query":
        return batches.query(event["batch_id"])
    raise ValueError(f"unknown settlement step {event['step']!r}")


def review(event: dict[str, Any]) -> None:
    """Park the instruction (or each open line of a batch) for a person; the workflow waits on the task token
    until they — or the statement — decide."""
    _correlate(event)
    if event.get("batch_id"):
        bootstrap.batch_settlement().await_review(event["batch_id"], event["task_token"])
        logger.warning("settlement batch awaits manual review", extra={"batch_id": event["batch_id"]})
        return
    from hpf.ledger.settlement_port import SettlementInstruction

    instruction = SettlementInstruction.from_payload(event["instruction"]) if event.get("instruction") else None
    bootstrap.settlement_service().await_review(event["instruction_id"], event["task_token"], instruction)
    logger.warning("settlement instruction awaits manual review", extra={"instruction_id": event["instruction_id"]})


def apply(event: dict[str, Any]) -> dict[str, Any]:
    _correlate(event)
    if event.get("batch_id"):
        answer = bootstrap.batch_settlement().apply(event["batch_id"])
        logger.info("settlement batch applied", extra=answer)
        return answer
    answer = bootstrap.settlement_service().apply(event["instruction_id"])
    logger.info("settlement outcome applied to the ledger", extra=answer)
    return answer


def _correlate(event: dict[str, Any]) -> None:
    logger.set_correlation_id(set_correlation_id(event.get("correlation_id")))
