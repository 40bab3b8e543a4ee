"""批量扣款 (4.2.4): every morning, each office's installments due by today go to its bank as one batch.

The batch and each line are named from the office, the day and the installment, so the schedule firing twice,
or a run dying half-way and run again, builds the same batch — and the store takes a batch id once.

A run first marks each installment in flight on its loan (an early repayment then waits for it), then writes
the batch with its event. A run that died between the two left marks of a batch that was never written: a later
day's run drops them (nothing was sent) and takes those installments again; the same day's run completes its
own batch. An installment the bank failed stays due: it is overdue from its due date, and the next day's batch
takes it again under a new line id.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date

from hpf.common.clock import Clock
from hpf.common.errors import Conflict, NotFound
from hpf.common.events import DomainEvent
from hpf.common.money import ZERO
from hpf.identity.principal import Principal
from hpf.ledger.settlement_port import SettlementInstruction
from hpf.lending.model import FlightKind, InFlight, Loan, LoanStatus
from hpf.lending.ports import DeductionBatch, LoanStore
from hpf.lending.service import instruction_of


def batch_id_of(org: str, day: date) -> str:
    return f"BAT-{org}-{day:%Y%m%d}"


class DeductionRun:
    def __init__(self, store: LoanStore, clock: Clock, offices: Callable[[], Collection[str]] = tuple,
                 bank_link_on: bool = True):
        self._store = store
        self._clock = clock
        self._offices = offices  # the offices with a special account (the bank links' configuration)
        self._bank_link_on = bank_link_on
        self._written: dict[str, bool] = {}  # earlier batches looked up in this run: many loans share one

    def offices(self) -> list[str]:
        """The offices the daily run covers; none while the bank links are off (the banks' counters deduct)."""
        return sorted(self._offices()) if self._bank_link_on else []

    def run_by_hand(self, org: str, day: date, actor: Principal) -> DeductionBatch | None:
        """Finance starts (or finds) an office's batch of a day — e.g. after the schedule was down."""
        actor.require_org(org)
        if not self._bank_link_on:
            raise Conflict("银企直连未开通，批量扣款请经银行柜面办理", code="BANK_LINK_OFF")
        if org not in self._offices():
            raise NotFound(f"管理部{org}未配置住房公积金专户", code="NO_SPECIAL_ACCOUNT")
        return self.run(org, day)

    def run(self, org: str, day: date) -> DeductionBatch | None:
        """The office's batch of ``day`` (built now, or the one built before); None when nothing is due."""
        self._written.clear()
        batch_id = batch_id_of(org, day)
        existing = self._store.batch(batch_id)
        if existing is not None:
            return existing
        # Decide every loan's marks, save them together (a large office's day is ten thousands of loans: one write
        # each would take longer than a function may run), and decide again, one by one, the few a concurrent
        # repayment moved meanwhile.
        decided: dict[str, list[SettlementInstruction]] = {}
        changed: list[Loan] = []
        for loan in self._store.of_org(org):
            if loan.status is LoanStatus.REPAYING:
                loan_changed, decided[loan.loan_no] = self._decide(loan, batch_id, day)
                if loan_changed:
                    changed.append(loan)
        for loan_no in self._store.save_many(changed):
            moved = self._store.get(loan_no)
            decided[loan_no] = self._mark(moved, batch_id, day) if moved is not None else []
        lines = [line for loan_lines in decided.values() for line in loan_lines]
        if not lines:
            return None
        batch = DeductionBatch(batch_id, org, day, tuple(lines))
        total = sum((ln.amount for ln in lines), ZERO)
        event = DomainEvent("lending.DeductionBatchRequested", batch_id, {
            "batch_id": batch_id, "org": org, "day": day.isoformat(), "lines": len(lines), "total": str(total)},
            self._clock.now())
        try:
            self._store.add_batch(batch, event)
        except Conflict:
            return self._store.batch(batch_id)  # a concurrent run wrote it first
        return batch

    def _decide(self, loan: Loan, batch_id: str, day: date) -> tuple[bool, list[SettlementInstruction]]:
        """Mark the loan's installments due by ``day`` in flight with the batch (in memory); returns whether the
        loan changed and the batch's lines of it."""
        changed = self._drop_unsent(loan, batch_id)
        if any(f.kind is not FlightKind.INSTALLMENT for f in loan.in_flight.values()):
            return changed, []  # an early repayment is at the bank: its outcome changes what is due
        lines = [instruction_of(loan, f_id) for f_id, f in loan.in_flight.items() if f.batch_id == batch_id]
        for installment in loan.due_by(day):
            line_id = f"DED-{loan.loan_no}-{installment.period:03d}-{day:%Y%m%d}"
            loan.in_flight[line_id] = InFlight(FlightKind.INSTALLMENT, installment.payment, installment.principal,
                                               installment.interest, installment.period, batch_id,
                                               requested_on=day)
            lines.append(instruction_of(loan, line_id))
            changed = True
        return changed, lines

    def _mark(self, loan: Loan, batch_id: str, day: date) -> list[SettlementInstruction]:
        """One loan decided and saved on its own, again while a concurrent repayment keeps moving its version."""
        for attempt in range(3):
            changed, lines = self._decide(loan, batch_id, day)
            try:
                if changed:
                    self._store.save(loan)
                return lines
            except Conflict:
                if attempt == 2:
                    raise
                loan = self._store.get(loan.loan_no)  # type: ignore[assignment]
        return []

    def _was_written(self, batch_id: str) -> bool:
        if batch_id not in self._written:
            self._written[batch_id] = self._store.batch(batch_id) is not None
        return self._written[batch_id]

    def _drop_unsent(self, loan: Loan, batch_id: str) -> bool:
        """Marks of an earlier day's batch that was never written: that batch was never sent."""
        stale = [i for i, f in loan.in_flight.items() if f.kind is FlightKind.INSTALLMENT and f.batch_id != batch_id
                 and not self._was_written(f.batch_id)]
        for line_id in stale:
            del loan.in_flight[line_id]
        return bool(stale)
