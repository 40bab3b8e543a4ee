"""总账 (the financial ledger, 财务帐): journal entries posted by every area, the trial balance of a business date
and the check of the depositors' ledger against it (账账相符).

Its own service, apart from the depositors' ledger (``LedgerService``: units, accounts, remittances): lending,
settlement and the accounting archive depend on ``GeneralLedgerPort`` alone. Entries are appended, never edited —
a correction is a reversing entry — and each entry's id comes from the business id, so a retried step finds its
entry already there and is done.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from hpf.common.clock import Clock, business_date
from hpf.common.errors import Conflict
from hpf.common.money import ZERO
from hpf.identity.principal import Principal
from hpf.identity.roles import CENTER_ORG
from hpf.ledger.accounting import BANK_DEPOSITS, JournalEntry, LedgerCheck, TrialBalance, check_day, simple_entry
from hpf.ledger.ports import LedgerUnitOfWork


class GeneralLedger:
    def __init__(self, uow_factory: Callable[[], LedgerUnitOfWork], clock: Clock):
        self._uow = uow_factory
        self._clock = clock

    def post_entry(self, entry: JournalEntry) -> None:
        """Journal another area's booked movement (lending: a disbursement, a repayment). Idempotent by the entry
        id."""
        with self._uow() as uow:
            uow.journal.add(entry)
            self._commit_once(uow)

    def post_allocation(self, allocation_id: str, from_account: str, to_account: str, amount: Decimal,
                        description: str) -> None:
        """资金调拨 between two special accounts, once the bank moved it: Dr 101 (to) / Cr 101 (from), detailed by
        special account. Idempotent: the entry's id is the allocation's."""
        self.post_entry(simple_entry(f"{allocation_id}#ALC", business_date(self._clock), "allocation", allocation_id,
                                     amount, description, debit=(BANK_DEPOSITS, to_account),
                                     credit=(BANK_DEPOSITS, from_account)))

    def trial_balance(self, day: date, actor: Principal) -> TrialBalance:
        """试算平衡 of one business date. The ledgers are the center's: its own staff only."""
        actor.require_org(CENTER_ORG)
        with self._uow() as uow:
            return TrialBalance.of(uow.journal.on_day(day))

    def journal_of_month(self, month: str, actor: Principal) -> list[JournalEntry]:
        """记账凭证 of one month (YYYY-MM), by business date then entry id: what the accounting archive binds."""
        actor.require_org(CENTER_ORG)
        year, mon = int(month[:4]), int(month[5:7])
        found: list[JournalEntry] = []
        with self._uow() as uow:
            for day in range(1, calendar.monthrange(year, mon)[1] + 1):
                found += sorted(uow.journal.on_day(date(year, mon, day)), key=lambda e: e.entry_id)
        return found

    def ledger_check(self, day: date, actor: Principal) -> LedgerCheck:
        """账账相符: the day's movement of every personal account against subject 201's detail."""
        actor.require_org(CENTER_ORG)
        with self._uow() as uow:
            movements: dict[str, Decimal] = {}
            for entry in uow.entries.on_day(day):
                movements[entry.account_no] = movements.get(entry.account_no, ZERO) + entry.amount
            return check_day(movements, uow.journal.on_day(day))

    @staticmethod
    def _commit_once(uow: LedgerUnitOfWork) -> None:
        try:
            uow.commit()
        except Conflict as conflict:
            if conflict.code != "JOURNAL_ENTRY_EXISTS":
                raise
