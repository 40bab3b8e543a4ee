"""What lending needs from outside: where its loans are kept, and the financial ledger it journals into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from hpf.common.events import DomainEvent
from hpf.common.paging import Page, PageRequest
from hpf.ledger.accounting import JournalEntry
from hpf.ledger.settlement_port import SettlementInstruction
from hpf.lending.model import Loan, LoanDetail, LoanStatus


@dataclass(frozen=True)
class DeductionBatch:
    """批量扣款: one office's installments of one day, sent to its bank as one BDC105 file."""

    batch_id: str
    org: str
    day: date
    lines: tuple[SettlementInstruction, ...]


class LoanStore(Protocol):
    def get(self, loan_no: str) -> Loan | None: ...
    def add(self, loan: Loan) -> None: ...  # Conflict LOAN_EXISTS
    def save(self, loan: Loan, detail: LoanDetail | None = None, events: tuple[DomainEvent, ...] = ()) -> None:
        """Version-checked (Conflict CONCURRENT_UPDATE); the detail is appended (Conflict LOAN_DETAIL_EXISTS) and
        the events go to the outbox — all in one transaction."""
    def save_many(self, loans: list[Loan]) -> list[str]:
        """Save each loan under its own version check, many at a time; returns the numbers of those a concurrent
        change moved (not saved). The others are saved, their versions advanced."""
        ...

    def details(self, loan_no: str) -> list[LoanDetail]: ...
    def detail(self, loan_no: str, detail_id: str) -> LoanDetail | None: ...  # one movement of a loan (consistent)
    def find_detail(self, detail_id: str) -> LoanDetail | None: ...  # one movement by its id alone (an index)
    def of_org(self, org: str) -> list[Loan]: ...  # the office's loans being repaid
    def list_by_org(self, org: str, status: LoanStatus | None, page: PageRequest) -> Page[Loan]:
        """贷款台账: one office's loans in loan-number order, of one status or all, a page at a time."""
        ...

    def of_borrower(self, id_number: str) -> list[Loan]: ...
    def add_batch(self, batch: DeductionBatch, event: DomainEvent) -> None: ...  # Conflict BATCH_EXISTS
    def batch(self, batch_id: str) -> DeductionBatch | None: ...


class FinancialLedger(Protocol):
    def post_entry(self, entry: JournalEntry) -> None: ...  # idempotent by the entry id


class CardVerifier(Protocol):
    def problem(self, org: str, card_no: str, name: str, id_number: str) -> str:
        """Why the card may not be the borrower's repayment card ("" when it may): the bank's card check
        (BDC300). TransientFailure when the bank cannot answer now."""
