"""Ports of the ledger: a unit of work over its repositories.

Reads go straight to the store; writes are buffered and applied atomically by ``commit`` together with the
events published in the same unit of work (the outbox). Each buffered write names the domain error to raise
if its condition fails (a duplicate, a lost race), so the caller gets a precise 409 and nothing is written.
"""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

from hpf.common.events import DomainEvent
from hpf.common.paging import Page, PageRequest
from hpf.ledger.model import AccountEntry, ChangeRecord, PersonalAccount, Remittance, Unit

if TYPE_CHECKING:
    from decimal import Decimal

    from hpf.identity.principal import Principal
    from hpf.ledger.accounting import JournalEntry, LedgerCheck, TrialBalance
    from hpf.ledger.withdrawal import Withdrawal


class UnitRepository(Protocol):
    def get(self, unit_account: str) -> Unit | None: ...
    def add(self, unit: Unit) -> None: ...  # conflict if the account or the credit code exists
    def update(self, unit: Unit) -> None: ...  # conflict if the stored version moved
    def list_by_org(self, org: str, page: PageRequest) -> Page[Unit]: ...
    def voluntary_unit(self, org: str) -> Unit | None: ...  # the office's unit for voluntary depositors


class AccountRepository(Protocol):
    def get(self, account_no: str) -> PersonalAccount | None: ...
    def active_of_person(self, id_number: str) -> PersonalAccount | None: ...  # the holder's one open account
    def add(self, account: PersonalAccount) -> None: ...  # conflict if the person has an account already
    def update(self, account: PersonalAccount) -> None: ...
    def list_by_unit(self, unit_account: str) -> list[PersonalAccount]: ...
    def release_person(self, account: PersonalAccount) -> None: ...  # a closed account frees its holder to open anew


class RemittanceRepository(Protocol):
    def get(self, remittance_id: str) -> Remittance | None: ...
    def of_unit_month(self, unit_account: str, month: str) -> list[Remittance]: ...  # regular and supplementary
    def add(self, remittance: Remittance) -> None: ...
    def update(self, remittance: Remittance) -> None: ...


class WithdrawalRepository(Protocol):
    def get(self, withdrawal_id: str) -> Withdrawal | None: ...
    def add(self, withdrawal: Withdrawal) -> None: ...  # conflict if the id exists (the same request twice)
    def update(self, withdrawal: Withdrawal) -> None: ...
    def of_account(self, account_no: str) -> list[Withdrawal]: ...  # in request order


class EntryRepository(Protocol):
    def exists(self, account_no: str, entry_id: str) -> bool: ...
    def add(self, entry: AccountEntry) -> None: ...  # append-only; conflict if the entry id exists
    def list(self, account_no: str, start: date | None, end: date | None, page: PageRequest) -> Page[AccountEntry]: ...
    def on_day(self, day: date) -> builtins.list[AccountEntry]: ...  # every account's entries of one business date


class JournalRepository(Protocol):
    """The financial ledger: append-only; a second entry with the same id is a conflict."""

    def add(self, entry: JournalEntry) -> None: ...
    def get(self, entry_id: str, business_date: date) -> JournalEntry | None: ...
    def on_day(self, day: date) -> list[JournalEntry]: ...


class HistoryRepository(Protocol):
    """Change records of units and accounts; append-only, one per aggregate version."""

    def add(self, record: ChangeRecord) -> None: ...
    def of(self, aggregate: str) -> list[ChangeRecord]: ...


class LedgerUnitOfWork(Protocol):
    # Read-only in the port (an adapter's own repository classes satisfy it; nobody swaps one in a unit of work).
    @property
    def units(self) -> UnitRepository: ...
    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def remittances(self) -> RemittanceRepository: ...
    @property
    def withdrawals(self) -> WithdrawalRepository: ...
    @property
    def entries(self) -> EntryRepository: ...
    @property
    def journal(self) -> JournalRepository: ...
    @property
    def history(self) -> HistoryRepository: ...

    def next_number(self, sequence: str) -> int: ...
    def publish(self, event: DomainEvent) -> None: ...
    def commit(self) -> None: ...
    def __enter__(self) -> LedgerUnitOfWork: ...
    def __exit__(self, *exc: object) -> None: ...


class GeneralLedgerPort(Protocol):
    """总账 as the other areas see it (``hpf.ledger.general_ledger.GeneralLedger``)."""

    def post_entry(self, entry: JournalEntry) -> None:
        """Append an entry, once by its id (a second post of the same id is done, not an error)."""
        ...

    def post_allocation(self, allocation_id: str, from_account: str, to_account: str, amount: Decimal,
                        description: str) -> None: ...

    def trial_balance(self, day: date, actor: Principal) -> TrialBalance: ...

    def journal_of_month(self, month: str, actor: Principal) -> list[JournalEntry]: ...

    def ledger_check(self, day: date, actor: Principal) -> LedgerCheck: ...


class MaterialProof(Protocol):
    """Whether the shared-data queries named as materials' references (DSQ-…) prove them for this person
    (hpf.datashare.proof.TrailProof)."""

    def unproven(self, materials: list[tuple[str, str]], id_number: str, now: datetime) -> list[str]: ...
