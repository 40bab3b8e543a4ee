"""Interest settlement (结息) and accrued-interest queries of personal accounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, Conflict, ValidationFailed
from hpf.common.events import DomainEvent
from hpf.common.money import ZERO
from hpf.common.paging import PageRequest
from hpf.identity.principal import Principal
from hpf.ledger.access import require_account_visible, require_unit_visible
from hpf.ledger.accounting import interest_entry
from hpf.ledger.interest import (
    InterestError,
    InterestResult,
    Movement,
    RateBook,
    accrue,
    previous_settlement,
    settlement_date_for,
)
from hpf.ledger.model import AccountEntry, EntryKind, PersonalAccount
from hpf.ledger.ports import LedgerUnitOfWork
from hpf.ledger.services import account_of, entries_of, unit_of


@dataclass(frozen=True)
class Accrual:
    account_no: str
    start: date
    end: date
    result: InterestResult


@dataclass(frozen=True)
class UnitSettlement:
    unit_account: str
    settlement: date
    settled: int
    already: int
    total_interest: Decimal


class InterestService:
    def __init__(self, uow_factory: Callable[[], LedgerUnitOfWork], clock: Clock, rates: Callable[[], RateBook]):
        self._uow = uow_factory
        self._clock = clock
        self._rates = rates

    def accrued(self, account_no: str, to: date, actor: Principal) -> Accrual:
        """Interest accrued since the last settlement up to ``to`` (销户结息 uses the same figure)."""
        with self._uow() as uow:
            account = account_of(uow, account_no)
            require_account_visible(actor, account, unit_agent_allowed=False)
            return self.accrual_of(uow, account, to)

    def settle_account(self, account_no: str, settlement: date, correlation_id: str | None = None) -> Decimal | None:
        """结息 for the year ending ``settlement`` (a 30 June). Returns the interest, or None if already settled.

        Idempotent twice over: the account records the settlement date it has reached, and the interest entry's
        id is derived from the year, so a retry credits nothing more.
        """
        if (settlement.month, settlement.day) != (6, 30):
            raise ValidationFailed("结息日应为6月30日", code="INVALID_SETTLEMENT_DATE")
        if settlement >= business_date(self._clock):
            raise BusinessRuleViolation("结息日尚未过去，不能结息", code="SETTLEMENT_NOT_DUE")
        for _ in range(5):
            with self._uow() as uow:
                account = account_of(uow, account_no)
                if (account.status.is_closed or account.opened_on > settlement
                        or (account.interest_settled_on and account.interest_settled_on >= settlement)):
                    return None  # closed, not yet open that year, or settled already: nothing to credit
                accrual = self.accrual_of(uow, account, settlement)
                interest = accrual.result.interest
                balance = account.add_interest(interest, settlement, accrual.result.closing_current)
                uow.accounts.update(account)
                if interest > ZERO:
                    entry_id = f"INT-{settlement.year}"
                    description = f"{settlement.year - 1}-{settlement.year}年度结息"
                    uow.entries.add(AccountEntry(account_no, entry_id, settlement, EntryKind.INTEREST, interest,
                                                 balance, entry_id, description=description))
                    uow.journal.add(interest_entry(f"{entry_id}#{account_no}", settlement, entry_id, account_no,
                                                   interest, description))
                uow.publish(DomainEvent("ledger.InterestSettled", f"{account_no}#{settlement.year}",
                                        {"account_no": account_no, "settlement": settlement.isoformat(),
                                         "interest": str(interest),
                                         "carried_product": str(accrual.result.carried_product),
                                         "current_product": str(accrual.result.current_product)},
                                        self._clock.now(), correlation_id))
                try:
                    uow.commit()
                    return interest
                except Conflict:
                    continue  # a posting moved the account meanwhile: read it again
        raise Conflict("账户并发变更，结息稍后重试", code="CONCURRENT_UPDATE")

    def settle_unit(self, unit_account: str, settlement: date, actor: Principal,
                    correlation_id: str | None = None) -> UnitSettlement:
        """A unit's settlement asked for by staff (a unit the yearly run missed, or a re-run)."""
        with self._uow() as uow:
            require_unit_visible(actor, unit_of(uow, unit_account))
        return self.settle_unit_for_schedule(unit_account, settlement, correlation_id)

    def settle_unit_for_schedule(self, unit_account: str, settlement: date,
                                 correlation_id: str | None = None) -> UnitSettlement:
        """The yearly run's step for one unit (no caller to scope: the platform itself)."""
        with self._uow() as uow:
            unit_of(uow, unit_account)
            accounts = [a.account_no for a in uow.accounts.list_by_unit(unit_account)]
        settled = already = 0
        total = ZERO
        for account_no in accounts:
            interest = self.settle_account(account_no, settlement, correlation_id)
            if interest is None:
                already += 1
            else:
                settled += 1
                total += interest
        return UnitSettlement(unit_account, settlement, settled, already, total)

    def units_of(self, orgs: list[str]) -> list[str]:
        """Every unit account of these offices: the yearly run's work list."""
        units: list[str] = []
        for org in orgs:
            page = PageRequest(size=200)
            while True:
                with self._uow() as uow:
                    chunk = uow.units.list_by_org(org, page)
                units.extend(u.unit_account for u in chunk.items)
                if not chunk.next_token:
                    break
                page = PageRequest(size=200, token=chunk.next_token)
        return units

    def accrual_of(self, uow: LedgerUnitOfWork, account: PersonalAccount, to: date) -> Accrual:
        """Interest from the last settlement (or the last closing-interest day, 销户结息) to ``to``."""
        last = account.interest_settled_on or previous_settlement(settlement_date_for(account.opened_on))
        opening_current = ZERO
        if account.interest_accrued_to and account.interest_accrued_to > last:
            last, opening_current = account.interest_accrued_to, account.current_at_accrual
        if to < last:
            raise ValidationFailed("计息截止日早于上次结息日", code="INVALID_INTEREST_PERIOD")
        start = max(last, account.opened_on)
        if to < start:
            raise ValidationFailed("计息截止日早于开户日", code="INVALID_INTEREST_PERIOD")
        since_last = entries_of(uow, account.account_no, since=last + timedelta(days=1))
        # The balance brought into the period: today's balance less everything that moved it since.
        opening = account.balance - sum((e.amount for e in since_last), ZERO)
        movements = [Movement(e.business_date, e.amount) for e in since_last if e.business_date <= to]
        try:
            result = accrue(opening, movements, start, to, self._rates(),
                            opening_current=min(opening_current, opening))
        except InterestError as error:
            raise BusinessRuleViolation(str(error), code="INTEREST_NOT_COMPUTABLE") from None
        return Accrual(account.account_no, start, to, result)
