"""Settlement instructions on DynamoDB (the settlement table).

Keys: ``INSTR#<instruction id>`` / ``META``, version-checked; gsi1 ``DAY#<org>#<yyyymmdd>`` / ``<id>`` lists an
office's instructions of one bank day (the day sent, else the day received) for the daily reconciliation.
``BATCH#<batch id>`` / ``META``: a batch file (its lines are instructions of their own), version-checked.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from hpf.adapters.aws.clients import client
from hpf.adapters.aws.dynamodb import TransactionBuffer, from_item, key
from hpf.common.errors import Conflict
from hpf.ledger.settlement_port import SettlementInstruction
from hpf.settlement.batches import Batch, BatchStatus
from hpf.settlement.model import Instruction, InstructionStatus, Step, bank_day


class DynamoInstructionStore:
    def __init__(self, table: str):
        self._table = table

    def get(self, instruction_id: str) -> Instruction | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"INSTR#{instruction_id}", "META"),
                                           ConsistentRead=True).get("Item")
        return _instruction(from_item(item)) if item else None

    def add(self, instruction: Instruction) -> None:
        self._write(instruction, "attribute_not_exists(pk)", None,
                    Conflict("结算指令已存在", code="INSTRUCTION_EXISTS"))

    def update(self, instruction: Instruction) -> None:
        self._write(instruction, "#v = :expected", instruction.version,
                    Conflict("结算指令已被并发修改", code="CONCURRENT_UPDATE"))

    def on_day(self, org: str, day: date) -> list[Instruction]:
        pages = client("dynamodb").get_paginator("query").paginate(
            TableName=self._table, IndexName="gsi1", KeyConditionExpression="gsi1pk = :d",
            ExpressionAttributeValues={":d": {"S": f"DAY#{org}#{day:%Y%m%d}"}})
        return [_instruction(from_item(i)) for page in pages for i in page.get("Items", [])]

    # -- batches (batches.py) ----------------------------------------------------------------------------------------
    def get_batch(self, batch_id: str) -> Batch | None:
        item = client("dynamodb").get_item(TableName=self._table, Key=key(f"BATCH#{batch_id}", "META"),
                                           ConsistentRead=True).get("Item")
        return _batch(from_item(item)) if item else None

    def add_batch(self, batch: Batch) -> None:
        self._write_batch(batch, "attribute_not_exists(pk)", None, Conflict("结算批次已存在", code="BATCH_EXISTS"))

    def update_batch(self, batch: Batch) -> None:
        self._write_batch(batch, "#v = :expected", batch.version,
                          Conflict("结算批次已被并发修改", code="CONCURRENT_UPDATE"))

    def _write_batch(self, b: Batch, condition: str, expected: int | None, conflict: Conflict) -> None:
        buffer = TransactionBuffer()
        buffer.put(self._table, {
            "pk": f"BATCH#{b.batch_id}", "sk": "META", "version": b.version + 1, "org": b.org,
            "business": b.business, "tx_code": b.tx_code, "line_ids": json.dumps(b.line_ids),
            "status": b.status.value, "received_at": b.received_at.isoformat(), "bank": b.bank, "serial": b.serial,
            "send_date": b.send_date, "queries": b.queries, "review_token": b.review_token,
            "open_lines": json.dumps(b.open_lines),
            "history": [{"at": s.at.isoformat(), "event": s.event, "detail": s.detail} for s in b.history],
        }, condition=condition, names=None if expected is None else {"#v": "version"},
            values=None if expected is None else {":expected": expected}, on_conflict=conflict)
        buffer.commit()
        b.version += 1

    def _write(self, r: Instruction, condition: str, expected: int | None, conflict: Conflict) -> None:
        buffer = TransactionBuffer()
        buffer.put(self._table, {
            "pk": f"INSTR#{r.instruction_id}", "sk": "META", "version": r.version + 1,
            "gsi1pk": f"DAY#{r.instruction.org}#{bank_day(r)}", "gsi1sk": r.instruction_id,
            "instruction": json.dumps(r.instruction.to_payload(), ensure_ascii=False), "status": r.status.value,
            "received_at": r.received_at.isoformat(), "bank": r.bank, "serial": r.serial, "send_date": r.send_date,
            "host_seq_no": r.host_seq_no, "succeeded": "" if r.succeeded is None else str(r.succeeded),
            "failure_reason": r.failure_reason, "queries": r.queries, "review_token": r.review_token,
            "batch_id": r.batch_id,
            "history": [{"at": s.at.isoformat(), "event": s.event, "detail": s.detail} for s in r.history],
        }, condition=condition, names=None if expected is None else {"#v": "version"},
            values=None if expected is None else {":expected": expected}, on_conflict=conflict)
        buffer.commit()
        r.version += 1


def _batch(i: dict[str, Any]) -> Batch:
    return Batch(i["pk"].split("#", 1)[1], i["org"], i["business"], i["tx_code"], json.loads(i["line_ids"]),
                 BatchStatus(i["status"]), datetime.fromisoformat(i["received_at"]), i.get("bank", ""),
                 i.get("serial", ""), i.get("send_date", ""), int(i.get("queries", 0)), i.get("review_token", ""),
                 [Step(datetime.fromisoformat(s["at"]), s["event"], s["detail"]) for s in i.get("history", [])],
                 int(i["version"]), json.loads(i.get("open_lines", "[]")))


def _instruction(i: dict[str, Any]) -> Instruction:
    succeeded = {"True": True, "False": False}.get(i.get("succeeded", ""))
    return Instruction(
        instruction=SettlementInstruction.from_payload(json.loads(i["instruction"])),
        status=InstructionStatus(i["status"]), received_at=datetime.fromisoformat(i["received_at"]),
        bank=i.get("bank", ""), serial=i.get("serial", ""), send_date=i.get("send_date", ""),
        host_seq_no=i.get("host_seq_no", ""), succeeded=succeeded, failure_reason=i.get("failure_reason", ""),
        queries=int(i.get("queries", 0)), review_token=i.get("review_token", ""), batch_id=i.get("batch_id", ""),
        history=[Step(datetime.fromisoformat(s["at"]), s["event"], s["detail"]) for s in i.get("history", [])],
        version=int(i["version"]),
    )
