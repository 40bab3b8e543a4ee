"""The core ledger behind settlement's ``LedgerPort``: the reference core's own services, in process.

A deployment on a vendor core replaces this adapter; settlement itself does not change."""

from __future__ import annotations

from hpf.ledger.settlement_port import SettlementInstruction

ALLOCATION = "18"  # settlement BusType 资金划转: between the center's own special accounts
LENDING = {"04", "05"}  # 委托贷款资金划转 (disbursement), 贷款扣款 (deductions and early repayments)


class CoreLedger:
    def __init__(self, withdrawals, funding, uow_factory, ledger=None, banks=None,  # type: ignore[no-untyped-def]
                 loans=None, deduction_batches=None):
        """``loans``: lending's LoanService (its movements); ``deduction_batches(batch_id)`` → lending's batch."""
        self._withdrawals = withdrawals
        self._funding = funding
        self._uow = uow_factory
        self._ledger = ledger
        self._banks = banks
        self._loans = loans
        self._deduction_batches = deduction_batches

    def batch_lines(self, batch_id: str) -> list[SettlementInstruction]:
        """The lines of a deduction batch lending wrote (settlement's batch receive reads them by id)."""
        batch = self._deduction_batches(batch_id)
        return list(batch.lines) if batch is not None else []

    def reservation_holds(self, instruction: SettlementInstruction) -> bool:
        """The instruction matches a business the ledger is waiting on, amount for amount."""
        from hpf.ledger.model import RemittanceStatus
        from hpf.ledger.withdrawal import WithdrawalStatus

        if instruction.business in LENDING:
            return self._loans.holds(instruction)
        if instruction.business == ALLOCATION:
            return True  # nothing is reserved for moving the center's own money: the paying bank is the limit
        with self._uow() as uow:
            if instruction.direction == "pay":
                w = uow.withdrawals.get(instruction.instruction_id)
                return w is not None and w.status is WithdrawalStatus.PENDING and w.amount == instruction.amount
            r = uow.remittances.get(instruction.reference)
            return r is not None and r.status is RemittanceStatus.COLLECTING and r.total == instruction.amount

    def status_of(self, instruction: SettlementInstruction) -> str:
        """The ledger's status of the business behind an instruction (withdrawal 01/02/03, list RECORDED/…; a
        loan's movement: in_flight, or the detail type it was booked as, or released)."""
        if instruction.business in LENDING:
            return self._loans.movement_status(instruction)
        with self._uow() as uow:
            if instruction.direction == "pay":
                return uow.withdrawals.get(instruction.instruction_id).status.value
            return uow.remittances.get(instruction.reference).status.value

    def apply(self, instruction: SettlementInstruction, succeeded: bool, bank_serial: str, reason: str) -> None:
        if instruction.business in LENDING:
            self._loans.record(instruction, succeeded, bank_serial, reason)
            return
        if instruction.business == ALLOCATION:
            if succeeded:  # a failed allocation moved nothing: nothing to post
                source = self._banks.special_account(instruction.org).account_no
                self._ledger.post_allocation(instruction.instruction_id, source, instruction.counterparty.account_no,
                                             instruction.amount, instruction.summary)
            return
        if instruction.direction == "pay":
            self._withdrawals.record_payment(instruction.instruction_id, succeeded, bank_serial=bank_serial,
                                             reason=reason)
        else:
            self._funding.record_collection(instruction.reference, succeeded, bank_serial=bank_serial,
                                            reason=reason)

    def day(self, day):  # type: ignore[no-untyped-def]
        """The financial ledger's entries of a business date, and the ledger's own check of it (账账相符)."""
        from decimal import Decimal

        from hpf.ledger.accounting import check_day

        with self._uow() as uow:
            movements: dict[str, Decimal] = {}
            for entry in uow.entries.on_day(day):
                movements[entry.account_no] = movements.get(entry.account_no, Decimal("0.00")) + entry.amount
            journal = uow.journal.on_day(day)
            return journal, check_day(movements, journal)
