"""The core ledger behind settlement's ``LedgerPort``: the reference core's own services, in process.

A deployment on a vendor core replaces this adapter; settlement itself does not change."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from hpf.common.errors import NotFound
from hpf.ledger.settlement_port import SettlementInstruction

if TYPE_CHECKING:
    from hpf.ledger.funding import RemittanceFunding
    from hpf.ledger.ports import GeneralLedgerPort, LedgerUnitOfWork
    from hpf.ledger.withdrawal_service import WithdrawalService
    from hpf.lending.ports import DeductionBatch
    from hpf.lending.service import LoanService
    from hpf.settlement.banks import BdcBankGateway

T = TypeVar("T")
ALLOCATION = "18"  # settlement BusType 资金划转: between the center's own special accounts
LENDING = {"04", "05"}  # 委托贷款资金划转 (disbursement), 贷款扣款 (deductions and early repayments)


class CoreLedger:
    def __init__(self, withdrawals: WithdrawalService, funding: RemittanceFunding,
                 uow_factory: Callable[[], LedgerUnitOfWork], ledger: GeneralLedgerPort | None = None,
                 banks: BdcBankGateway | None = None, loans: LoanService | None = None,
                 deduction_batches: Callable[[str], DeductionBatch | None] | None = None):
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
        batch = _wired(self._deduction_batches, "deduction batches")(batch_id)
        return list(batch.lines) if batch is not None else []

    def reservation_holds(self, instruction: SettlementInstruction) -> bool:
        """The instruction matches a business the ledger is waiting on, amount for amount."""
        from hpf.ledger.model import RemittanceStatus
        from hpf.ledger.withdrawal import WithdrawalStatus

        if instruction.business in LENDING:
            return _wired(self._loans, "loans").holds(instruction)
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
            return _wired(self._loans, "loans").movement_status(instruction)
        with self._uow() as uow:
            found = (uow.withdrawals.get(instruction.instruction_id) if instruction.direction == "pay"
                     else uow.remittances.get(instruction.reference))
            if found is None:
                raise NotFound(f"结算指令{instruction.instruction_id}对应的业务不存在", code="BUSINESS_NOT_FOUND")
            return found.status.value

    def apply(self, instruction: SettlementInstruction, succeeded: bool, bank_serial: str, reason: str) -> None:
        if instruction.business in LENDING:
            _wired(self._loans, "loans").record(instruction, succeeded, bank_serial, reason)
            return
        if instruction.business == ALLOCATION:
            if succeeded:  # a failed allocation moved nothing: nothing to post
                source = _wired(self._banks, "banks").special_account(instruction.org).account_no
                _wired(self._ledger, "general ledger").post_allocation(
                    instruction.instruction_id, source, instruction.counterparty.account_no, instruction.amount,
                    instruction.summary)
            return
        if instruction.direction == "pay":
            self._withdrawals.record_payment(instruction.instruction_id, succeeded, bank_serial=bank_serial,
                                             reason=reason)
        else:
            self._funding.record_collection(instruction.reference, succeeded, bank_serial=bank_serial,
                                            reason=reason)

    def day(self, day):
        """The financial ledger's entries of a business date, and the ledger's own check of it (账账相符)."""
        from decimal import Decimal

        from hpf.ledger.accounting import check_day

        with self._uow() as uow:
            movements: dict[str, Decimal] = {}
            for entry in uow.entries.on_day(day):
                movements[entry.account_no] = movements.get(entry.account_no, Decimal("0.00")) + entry.amount
            journal = uow.journal.on_day(day)
            return journal, check_day(movements, journal)


def _wired(dependency: T | None, name: str) -> T:
    """A collaborator the composition root always gives; a test may leave out those its case never reaches."""
    if dependency is None:
        raise RuntimeError(f"CoreLedger was built without {name}")
    return dependency
