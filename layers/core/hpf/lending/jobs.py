"""The daily deduction run (schedule: 06:00, every office with a special account) and finance's run by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

from hpf import bootstrap
from hpf.common.errors import Conflict, NotFound
from hpf.identity.principal import Principal
from hpf.observability.logging import get_logger
from hpf.observability.metrics import count

logger = get_logger("hpf-deductions")


def run_for(org: str, day: date, actor: Principal) -> Any:
    """Finance starts (or finds) an office's batch of a day — e.g. after the schedule was down."""
    from hpf.ledger.settlement_port import settled_by_bank

    actor.require_org(org)
    if not settled_by_bank():
        raise Conflict("银企直连未开通，批量扣款请经银行柜面办理", code="BANK_LINK_OFF")
    if org not in bootstrap.settlement_banks().offices():
        raise NotFound(f"管理部{org}未配置住房公积金专户", code="NO_SPECIAL_ACCOUNT")
    return _run(org, day)


def daily(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from hpf.common.clock import business_date
    from hpf.ledger.settlement_port import settled_by_bank

    day = business_date(bootstrap.clock())
    if not settled_by_bank():
        logger.warning("deduction run skipped: the bank links are off", extra={"day": day.isoformat()})
        return {"day": day.isoformat(), "skipped": "bank links off"}
    batches = {}
    for org in bootstrap.settlement_banks().offices():
        batch = _run(org, day)
        batches[org] = {"batch_id": batch.batch_id, "lines": len(batch.lines)} if batch else None
    return {"day": day.isoformat(), "batches": batches}


def _run(org: str, day: date) -> Any:
    batch = bootstrap.deduction_run().run(org, day)
    logger.info("deduction batch", extra={"org": org, "day": day.isoformat(),
                                          "batch_id": batch.batch_id if batch else None,
                                          "lines": len(batch.lines) if batch else 0})
    count("DeductionLines", len(batch.lines) if batch else 0)
    return batch
