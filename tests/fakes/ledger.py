"""An in-memory unit of work for the ledger, with the same conditions as the DynamoDB one: uniqueness of
credit codes, persons and entries; optimistic versions; all-or-nothing commit."""

from __future__ import annotations

import copy
import threading
from datetime import date
from typing import TYPE_CHECKING

from hpf.common.errors import Conflict
from hpf.common.events import DomainEvent
from hpf.common.paging import Page, PageRequest, encode_token
from hpf.ledger.accounting import JournalEntry
from hpf.ledger.model import AccountEntry, AccountStatus, ChangeRecord, PersonalAccount, Remittance, Unit, UnitKind
from hpf.ledger.withdrawal import Withdrawal

if TYPE_CHECKING:
    from hpf.ledger.general_ledger import GeneralLedger


class LedgerStore:
    """What the fake 'database' holds; shared by every unit of work of one test."""

    def __init__(self) -> None:
        self.units: dict[str, Unit] = {}
        self.credit_codes: set[str] = set()
        self.accounts: dict[str, PersonalAccount] = {}
        self.persons: set[str] = set()
        self.remittances: dict[str, Remittance] = {}
        self.withdrawals: dict[str, Withdrawal] = {}
        self.entries: dict[str, list[AccountEntry]] = {}
        self.journal: dict[str, JournalEntry] = {}
        self.history: dict[str, list[ChangeRecord]] = {}
        self.sequences: dict[str, int] = {}
        self.events: list[DomainEvent] = []
        self.commits = 0


class _Repo:
    def __init__(self, uow: FakeLedgerUnitOfWork):
        self._uow = uow
        self._store = uow.store


class FakeUnits(_Repo):
    def get(self, unit_account: str) -> Unit | None:
        found = self._store.units.get(unit_account)
        return copy.deepcopy(found) if found else None

    def add(self, unit: Unit) -> None:
        identity = unit.credit_code if unit.kind is UnitKind.EMPLOYER else f"VOLUNTARY#{unit.org}"
        self._uow.stage(lambda s: _unique(s.credit_codes, identity, "UNIT_ALREADY_REGISTERED"),
                        lambda s: _versioned(s.units, unit.unit_account, unit, 0))
        unit.version = 1

    def voluntary_unit(self, org: str) -> Unit | None:
        found = [u for u in self._store.units.values() if u.kind is UnitKind.VOLUNTARY and u.org == org]
        return copy.deepcopy(found[0]) if found else None

    def update(self, unit: Unit) -> None:
        expected = unit.version
        self._uow.stage(lambda s: _versioned(s.units, unit.unit_account, unit, expected))
        unit.version += 1

    def list_by_org(self, org: str, page: PageRequest) -> Page[Unit]:
        rows = sorted((u for u in self._store.units.values() if u.org == org), key=lambda u: u.unit_account)
        offset = int((page.cursor or {}).get("offset", 0))
        more = offset + page.size < len(rows)
        return Page([copy.deepcopy(u) for u in rows[offset: offset + page.size]],
                    encode_token({"offset": offset + page.size}) if more else None)


class FakeAccounts(_Repo):
    def get(self, account_no: str) -> PersonalAccount | None:
        found = self._store.accounts.get(account_no)
        return copy.deepcopy(found) if found else None

    def add(self, account: PersonalAccount) -> None:
        self._uow.stage(lambda s: _unique(s.persons, account.id_number, "PERSON_ALREADY_HAS_ACCOUNT"),
                        lambda s: _versioned(s.accounts, account.account_no, account, 0))
        account.version = 1

    def update(self, account: PersonalAccount) -> None:
        expected = account.version
        self._uow.stage(lambda s: _versioned(s.accounts, account.account_no, account, expected))
        account.version += 1

    def active_of_person(self, id_number: str) -> PersonalAccount | None:
        if id_number not in self._store.persons:
            return None
        return next((copy.deepcopy(a) for a in self._store.accounts.values()
                     if a.id_number == id_number and a.status is not AccountStatus.CLOSED), None)

    def list_by_unit(self, unit_account: str) -> list[PersonalAccount]:
        return [copy.deepcopy(a) for a in self._store.accounts.values() if a.unit_account == unit_account]

    def release_person(self, account: PersonalAccount) -> None:
        def apply(s: LedgerStore) -> None:
            if account.id_number not in s.persons:
                raise Conflict(code="CONCURRENT_UPDATE")
            s.persons.remove(account.id_number)

        self._uow.stage(apply)


class FakeWithdrawals(_Repo):
    def get(self, withdrawal_id: str) -> Withdrawal | None:
        found = self._store.withdrawals.get(withdrawal_id)
        return copy.deepcopy(found) if found else None

    def add(self, withdrawal: Withdrawal) -> None:
        self._uow.stage(lambda s: _versioned(s.withdrawals, withdrawal.withdrawal_id, withdrawal, 0,
                                             "WITHDRAWAL_ALREADY_REQUESTED"))
        withdrawal.version = 1

    def update(self, withdrawal: Withdrawal) -> None:
        expected = withdrawal.version
        self._uow.stage(lambda s: _versioned(s.withdrawals, withdrawal.withdrawal_id, withdrawal, expected))
        withdrawal.version += 1

    def of_account(self, account_no: str) -> list[Withdrawal]:
        return sorted((copy.deepcopy(w) for w in self._store.withdrawals.values() if w.account_no == account_no),
                      key=lambda w: (w.requested_at, w.withdrawal_id))


class FakeRemittances(_Repo):
    def get(self, remittance_id: str) -> Remittance | None:
        found = self._store.remittances.get(remittance_id)
        return copy.deepcopy(found) if found else None

    def add(self, remittance: Remittance) -> None:
        self._uow.stage(lambda s: _versioned(s.remittances, remittance.remittance_id, remittance, 0,
                                             "REMITTANCE_ALREADY_RECORDED"))
        remittance.version = 1

    def of_unit_month(self, unit_account: str, month: str) -> list[Remittance]:
        return [copy.deepcopy(r) for r in self._store.remittances.values()
                if r.unit_account == unit_account and r.month == month]

    def update(self, remittance: Remittance) -> None:
        expected = remittance.version
        self._uow.stage(lambda s: _versioned(s.remittances, remittance.remittance_id, remittance, expected))
        remittance.version += 1


class FakeEntries(_Repo):
    def exists(self, account_no: str, entry_id: str) -> bool:
        return any(e.entry_id == entry_id for e in self._store.entries.get(account_no, []))

    def add(self, entry: AccountEntry) -> None:
        def apply(s: LedgerStore) -> None:
            if any(e.entry_id == entry.entry_id for e in s.entries.get(entry.account_no, [])):
                raise Conflict(code="ENTRY_ALREADY_POSTED")
            s.entries.setdefault(entry.account_no, []).append(entry)

        self._uow.stage(apply)

    def list(self, account_no: str, start: date | None, end: date | None, page: PageRequest) -> Page[AccountEntry]:
        rows = sorted((e for e in self._store.entries.get(account_no, [])
                       if (start is None or e.business_date >= start) and (end is None or e.business_date <= end)),
                      key=lambda e: (e.business_date, e.entry_id))
        offset = int((page.cursor or {}).get("offset", 0))
        chunk = rows[offset: offset + page.size]
        more = offset + page.size < len(rows)
        return Page(chunk, encode_token({"offset": offset + page.size}) if more else None)

    def on_day(self, day: date) -> list[AccountEntry]:
        return [e for entries in self._store.entries.values() for e in entries if e.business_date == day]


class FakeJournal(_Repo):
    def add(self, entry: JournalEntry) -> None:
        def apply(s: LedgerStore) -> None:
            if entry.entry_id in s.journal:
                raise Conflict(code="JOURNAL_ENTRY_EXISTS")
            s.journal[entry.entry_id] = entry

        self._uow.stage(apply)

    def get(self, entry_id: str, business_date: date) -> JournalEntry | None:
        found = self._store.journal.get(entry_id)
        return found if found and found.business_date == business_date else None

    def on_day(self, day: date) -> list[JournalEntry]:
        return [e for e in self._store.journal.values() if e.business_date == day]


class FakeHistory(_Repo):
    def add(self, record: ChangeRecord) -> None:
        def apply(s: LedgerStore) -> None:
            records = s.history.setdefault(record.aggregate, [])
            if any(r.version == record.version for r in records):
                raise Conflict(code="CONCURRENT_UPDATE")
            records.append(record)

        self._uow.stage(apply)

    def of(self, aggregate: str) -> list[ChangeRecord]:
        return sorted(self._store.history.get(aggregate, []), key=lambda r: r.version)


def _unique(values: set[str], value: str, code: str) -> None:
    if value in values:
        raise Conflict(code=code)
    values.add(value)


def _versioned(table: dict, key: str, aggregate: object, expected: int, code: str = "CONCURRENT_UPDATE") -> None:
    current = table.get(key)
    if (current is None and expected != 0) or (current is not None and current.version != expected):
        raise Conflict(code=code)
    stored = copy.deepcopy(aggregate)
    stored.version = expected + 1
    table[key] = stored


_COMMIT_LOCK = threading.Lock()


class FakeLedgerUnitOfWork:
    def __init__(self, store: LedgerStore):
        self.store = store
        self._staged: list = []
        self._events: list[DomainEvent] = []
        self.units = FakeUnits(self)
        self.accounts = FakeAccounts(self)
        self.remittances = FakeRemittances(self)
        self.withdrawals = FakeWithdrawals(self)
        self.entries = FakeEntries(self)
        self.journal = FakeJournal(self)
        self.history = FakeHistory(self)

    def stage(self, *operations) -> None:
        self._staged.extend(operations)

    def next_number(self, sequence: str) -> int:
        self.store.sequences[sequence] = self.store.sequences.get(sequence, 0) + 1
        return self.store.sequences[sequence]

    def publish(self, event: DomainEvent) -> None:
        self._events.append(event)

    def commit(self) -> None:
        # All or nothing: apply to a copy, swap in only if every operation's condition held. One commit at a
        # time, as a DynamoDB transaction is isolated: threads racing through the services meet the conditions.
        with _COMMIT_LOCK:
            self._commit()

    def _commit(self) -> None:
        trial = copy.deepcopy(self.store)
        try:
            for operation in self._staged:
                operation(trial)
            for event in self._events:
                if any(e.event_id == event.event_id for e in trial.events):
                    raise Conflict(code="EVENT_ALREADY_RECORDED")
                trial.events.append(event)
        finally:
            self._staged.clear()
            self._events.clear()
        trial.commits += 1
        self.store.__dict__.update(trial.__dict__)

    def __enter__(self) -> FakeLedgerUnitOfWork:
        return self

    def __exit__(self, *exc: object) -> None:
        self._staged.clear()
        self._events.clear()


def fund_and_post(ledger, remittance_id: str):
    """What settlement and the posting workflow do after a list is recorded: its money arrives, then it posts.
    Funding runs on the same store and clock as the ledger service under test."""
    from hpf.ledger.funding import RemittanceFunding

    with ledger._uow() as uow:
        total = uow.remittances.get(remittance_id).total
    RemittanceFunding(ledger._uow, ledger._clock).confirm_funds(remittance_id, total, f"BANK-{remittance_id}")
    return ledger.post_remittance(remittance_id)


def books_of(store: LedgerStore) -> GeneralLedger:
    """The general ledger (总账) over a fake store: its trial balance and ledger check read the same journal the
    depositors' ledger posts to."""
    from datetime import datetime

    from hpf.common.clock import SHANGHAI, FixedClock
    from hpf.ledger.general_ledger import GeneralLedger

    return GeneralLedger(lambda: FakeLedgerUnitOfWork(store), FixedClock(datetime(2026, 1, 1, tzinfo=SHANGHAI)))
