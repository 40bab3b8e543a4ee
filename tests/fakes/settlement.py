"""In-memory settlement store and ledger port, with the same conditions as the real ones."""

from __future__ import annotations

import copy
import threading

from hpf.common.errors import Conflict
from hpf.settlement.model import Instruction


class FakeInstructionStore:
    def __init__(self) -> None:
        self.rows: dict[str, Instruction] = {}
        self.batch_rows: dict = {}
        self._lock = threading.Lock()

    def get(self, instruction_id: str) -> Instruction | None:
        with self._lock:
            found = self.rows.get(instruction_id)
            return copy.deepcopy(found) if found else None

    def add(self, instruction: Instruction) -> None:
        with self._lock:
            if instruction.instruction_id in self.rows:
                raise Conflict(code="INSTRUCTION_EXISTS")
            instruction.version = 1
            self.rows[instruction.instruction_id] = copy.deepcopy(instruction)

    def update(self, instruction: Instruction) -> None:
        with self._lock:
            current = self.rows.get(instruction.instruction_id)
            if current is None or current.version != instruction.version:
                raise Conflict(code="CONCURRENT_UPDATE")
            instruction.version += 1
            self.rows[instruction.instruction_id] = copy.deepcopy(instruction)

    def on_day(self, org: str, day):  # type: ignore[no-untyped-def]
        from hpf.settlement.model import bank_day

        with self._lock:
            return [copy.deepcopy(r) for r in self.rows.values()
                    if r.instruction.org == org and bank_day(r) == day.strftime("%Y%m%d")]

    # -- batches -------------------------------------------------------------------------------------------------
    def get_batch(self, batch_id: str):  # type: ignore[no-untyped-def]
        with self._lock:
            found = self.batch_rows.get(batch_id)
            return copy.deepcopy(found) if found else None

    def add_batch(self, batch) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            if batch.batch_id in self.batch_rows:
                raise Conflict(code="BATCH_EXISTS")
            batch.version = 1
            self.batch_rows[batch.batch_id] = copy.deepcopy(batch)

    def update_batch(self, batch) -> None:  # type: ignore[no-untyped-def]
        with self._lock:
            current = self.batch_rows.get(batch.batch_id)
            if current is None or current.version != batch.version:
                raise Conflict(code="CONCURRENT_UPDATE")
            batch.version += 1
            self.batch_rows[batch.batch_id] = copy.deepcopy(batch)
