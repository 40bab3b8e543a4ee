"""Ledger services: each public method is one business step, run in its own unit of work."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound, TransientFailure, ValidationFailed
from hpf.common.events import DomainEvent
from hpf.common.money import to_money
from hpf.common.paging import Page, PageRequest
from hpf.identity.principal import Principal
from hpf.identity.roles import CENTER_ORG
from hpf.ledger.access import require_account_visible, require_unit_visible
from hpf.ledger.model import (
    ACCOUNT_LIFECYCLE,
    REMITTANCE_LIFECYCLE,
    UNIT_LIFECYCLE,
    AccountEntry,
    AccountEvent,
    AccountStatus,
    PersonalAccount,
    Remittance,
    RemittanceEvent,
    RemittanceKind,
    RemittanceLine,
    RemittanceStatus,
    Unit,
    UnitEvent,
    UnitKind,
    UnitStatus,
    deposited_months,
)
from hpf.ledger.ports import LedgerUnitOfWork

if TYPE_CHECKING:
    from hpf.ledger.certificate import DepositCertificate
    from hpf.ledger.policy import PolicyBook

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# An account posting retries when a concurrent posting to the same account won the version race.
_POSTING_ATTEMPTS = 5


@dataclass(frozen=True)
class RegisterUnit:
    name: str
    credit_code: str
    unit_ratio: Decimal
    personal_ratio: Decimal
    org: str | None = None
    address: str = ""


@dataclass(frozen=True)
class OpenAccount:
    name: str
    id_number: str
    deposit_base: Decimal
    mobile: str = ""


class LedgerService:
    def __init__(self, uow_factory: Callable[[], LedgerUnitOfWork], clock: Clock,
                 policies: Callable[[], PolicyBook]):
        self._uow = uow_factory
        self._clock = clock
        self._policy_book = policies  # loaded on first write: queries never need it

    @property
    def _policies(self) -> PolicyBook:
        return self._policy_book()

    # -- units ---------------------------------------------------------------------------------------------
    def register_unit(self, command: RegisterUnit, actor: Principal, correlation_id: str | None = None) -> Unit:
        """单位开户: the credit code is validated and unique; ratios within the policy of today."""
        from hpf.common.identifiers import social_credit_code

        credit_code = social_credit_code(command.credit_code)
        org = command.org or actor.org or CENTER_ORG
        actor.require_org(org)
        today = business_date(self._clock)
        self._policies.on(today).check_ratios(command.unit_ratio, command.personal_ratio)
        with self._uow() as uow:
            unit = Unit(
                unit_account=f"{CENTER_ORG}{uow.next_number('unit'):06d}",
                name=command.name.strip(),
                credit_code=credit_code,
                org=org,
                unit_ratio=command.unit_ratio,
                personal_ratio=command.personal_ratio,
                status=UnitStatus.NORMAL,
                opened_on=today,
                address=command.address,
            )
            uow.units.add(unit)
            uow.publish(self._event("ledger.UnitRegistered", unit.unit_account, correlation_id,
                                    unit_account=unit.unit_account, org=org, credit_code=credit_code))
            uow.commit()
        return unit

    def list_units(self, org: str, page: PageRequest, actor: Principal) -> Page[Unit]:
        """单位列表 of one office, in account order."""
        actor.require_org(org)
        with self._uow() as uow:
            return uow.units.list_by_org(org, page)

    def get_unit(self, unit_account: str, actor: Principal) -> Unit:
        with self._uow() as uow:
            unit = unit_of(uow, unit_account)
        require_unit_visible(actor, unit)
        return unit

    # -- personal accounts -------------------------------------------------------------------------------
    def open_account(self, unit_account: str, command: OpenAccount, actor: Principal,
                     correlation_id: str | None = None) -> PersonalAccount:
        """个人开户: resident ID validated; one active account per person in the center."""
        with self._uow() as uow:
            unit = unit_of(uow, unit_account)
            require_unit_visible(actor, unit)
            if unit.kind is UnitKind.VOLUNTARY:
                raise BusinessRuleViolation("自愿缴存者请通过自愿缴存登记开户", code="VOLUNTARY_UNIT")
            account = self._new_account(uow, unit, command, correlation_id)
            uow.commit()
        return account

    def register_voluntary(self, command: OpenAccount, actor: Principal, org: str | None = None,
                           correlation_id: str | None = None) -> PersonalAccount:
        """自愿缴存者登记: a flexibly employed person opens an account in the office's voluntary unit (created
        with the first registration there) and pays both sides each month. A depositor registers themselves."""
        from hpf.common.identifiers import resident_id
        from hpf.identity.roles import organisations

        if not actor.is_staff and resident_id(command.id_number) != actor.id_number:
            raise Forbidden("只能为本人办理自愿缴存登记", code="FORBIDDEN_SCOPE")
        office = org or actor.org or CENTER_ORG
        if office not in organisations():
            raise ValidationFailed("管理部代码不存在", code="UNKNOWN_ORG")
        if actor.is_staff:
            actor.require_org(office)
        for _ in range(2):  # two first registrations in an office may race to create its voluntary unit
            with self._uow() as uow:
                unit = uow.units.voluntary_unit(office)
                if unit is None:
                    unit_ratio, personal_ratio = self._policies.on(business_date(self._clock)).voluntary_ratios
                    unit = Unit(unit_account=f"{CENTER_ORG}{uow.next_number('unit'):06d}",
                                name=f"{organisations()[office]}自愿缴存户", credit_code="", org=office,
                                unit_ratio=unit_ratio, personal_ratio=personal_ratio, status=UnitStatus.NORMAL,
                                opened_on=business_date(self._clock), kind=UnitKind.VOLUNTARY)
                    uow.units.add(unit)
                account = self._new_account(uow, unit, command, correlation_id)
                try:
                    uow.commit()
                    return account
                except Conflict as conflict:
                    if conflict.code != "UNIT_ALREADY_REGISTERED":
                        raise
        raise Conflict(code="CONCURRENT_UPDATE")

    def _new_account(self, uow: LedgerUnitOfWork, unit: Unit, command: OpenAccount,
                     correlation_id: str | None) -> PersonalAccount:
        from hpf.common.identifiers import resident_id

        id_number = resident_id(command.id_number)
        deposit_base = to_money(command.deposit_base)
        today = business_date(self._clock)
        self._policies.on(today).check_base(deposit_base)
        if unit.status not in (UnitStatus.NORMAL, UnitStatus.DEFERRED):
            raise BusinessRuleViolation(f"单位账户状态为“{unit.status.label}”，不能开立个人账户", code="UNIT_NOT_ACTIVE")
        account = PersonalAccount(
            account_no=f"{CENTER_ORG}{uow.next_number('account'):09d}", unit_account=unit.unit_account, org=unit.org,
            name=command.name.strip(), id_number=id_number, deposit_base=deposit_base, status=AccountStatus.NORMAL,
            opened_on=today, mobile=command.mobile,
        )
        uow.accounts.add(account)
        uow.publish(self._event("ledger.AccountOpened", account.account_no, correlation_id,
                                account_no=account.account_no, unit_account=unit.unit_account))
        return account

    def unit_accounts(self, unit_account: str, actor: Principal) -> list[PersonalAccount]:
        """单位职工列表: the unit's personal accounts, for its agent and the staff of its office."""
        with self._uow() as uow:
            require_unit_visible(actor, unit_of(uow, unit_account))
            return sorted(uow.accounts.list_by_unit(unit_account), key=lambda a: a.account_no)

    def get_account(self, account_no: str, actor: Principal) -> PersonalAccount:
        with self._uow() as uow:
            account = account_of(uow, account_no)
        require_account_visible(actor, account, unit_agent_allowed=True)
        return account

    def my_account(self, actor: Principal) -> PersonalAccount:
        """本人账户: the signed-in depositor's open account, found by the resident ID in their token (where the APP
        and the web hall start)."""
        account = None
        if actor.id_number:
            with self._uow() as uow:
                account = uow.accounts.active_of_person(actor.id_number)
        if account is None:
            # 422, not 404: nothing is being probed (the token names the person), and a non-staff 404 would be
            # answered as the generic "not yours"
            raise BusinessRuleViolation("您在本中心暂无正常的住房公积金个人账户", code="NO_ACCOUNT")
        return account

    def statement(self, account_no: str, start: date | None, end: date | None, page: PageRequest,
                  actor: Principal) -> Page[AccountEntry]:
        """个人明细: entries in date order, paged."""
        if start and end and start > end:
            raise ValidationFailed("开始日期不能晚于结束日期", code="INVALID_DATE_RANGE")
        with self._uow() as uow:
            account = account_of(uow, account_no)
            require_account_visible(actor, account, unit_agent_allowed=False)
            return uow.entries.list(account_no, start, end, page)

    def deposit_certificate(self, account_no: str, actor: Principal) -> DepositCertificate:
        """缴存证明 for the holder or the counter (not the unit: it states the person's whole history)."""
        from hpf.ledger.certificate import certificate_for

        with self._uow() as uow:
            account = account_of(uow, account_no)
            require_account_visible(actor, account, unit_agent_allowed=False)
            unit = unit_of(uow, account.unit_account)
            entries = entries_of(uow, account_no)
        policy = self._policies.on(business_date(self._clock))
        return certificate_for(account, unit, entries, business_date(self._clock),
                               policy.monthly_amount(account.deposit_base, unit.unit_ratio),
                               policy.monthly_amount(account.deposit_base, unit.personal_ratio))

    # -- remittances (汇缴) -------------------------------------------------------------------------------
    def record_remittance(self, unit_account: str, month: str, actor: Principal,
                          correlation_id: str | None = None) -> Remittance:
        """Record a unit's remittance list for one month; posting to the accounts follows asynchronously."""
        today = business_date(self._clock)
        if _month_order(month, today) > 0:
            raise BusinessRuleViolation("不能登记未来月份的汇缴", code="MONTH_IN_FUTURE")
        with self._uow() as uow:
            unit = unit_of(uow, unit_account)
            require_unit_visible(actor, unit)
            UNIT_LIFECYCLE.next(unit.status, UnitEvent.REMIT)
            if unit.kind is UnitKind.VOLUNTARY:
                raise BusinessRuleViolation("自愿缴存户由职工本人逐月缴存，不生成汇缴清册", code="VOLUNTARY_UNIT")
            if month < unit.opened_on.strftime("%Y-%m"):
                raise BusinessRuleViolation("缴存年月早于单位开户年月", code="MONTH_BEFORE_OPENING")
            policy = self._policies.on(today)
            # Depositors a supplementary deposit already covered for this month are left out.
            covered = {line.account_no for r in uow.remittances.of_unit_month(unit_account, month)
                       if r.kind is RemittanceKind.SUPPLEMENTARY for line in r.lines}
            lines = [
                RemittanceLine(
                    account_no=a.account_no,
                    unit_amount=policy.monthly_amount(a.deposit_base, unit.unit_ratio),
                    personal_amount=policy.monthly_amount(a.deposit_base, unit.personal_ratio),
                )
                for a in uow.accounts.list_by_unit(unit_account)
                if a.status in (AccountStatus.NORMAL, AccountStatus.FROZEN) and a.account_no not in covered
            ]
            if not lines:
                raise BusinessRuleViolation("单位没有正常缴存的职工，无法生成汇缴清册", code="NO_ACTIVE_DEPOSITORS")
            remittance = Remittance(
                remittance_id=Remittance.id_for(unit_account, month),
                unit_account=unit_account,
                org=unit.org,
                month=month,
                lines=lines,
                status=RemittanceStatus.RECORDED,
                recorded_at=self._clock.now(),
            )
            self._add_remittance(uow, unit, remittance, correlation_id)
            uow.commit()
        return remittance

    def record_supplementary(self, unit_account: str, month: str, account_nos: list[str], actor: Principal,
                             reason: str, correlation_id: str | None = None) -> Remittance:
        """补缴: deposits for a past month the named depositors missed, at their current base and the unit's
        ratios; posted like a remittance. A month already deposited for a depositor is refused."""
        today = business_date(self._clock)
        if _month_order(month, today) >= 0:
            raise BusinessRuleViolation("补缴年月应为以前月份", code="MONTH_NOT_PAST")
        if not account_nos or len(set(account_nos)) != len(account_nos):
            raise ValidationFailed("补缴职工名单不能为空或重复", code="INVALID_ACCOUNT_LIST")
        with self._uow() as uow:
            unit = unit_of(uow, unit_account)
            require_unit_visible(actor, unit)
            UNIT_LIFECYCLE.next(unit.status, UnitEvent.REMIT)
            covered = {line.account_no for r in uow.remittances.of_unit_month(unit_account, month) for line in r.lines}
            policy = self._policies.on(today)
            lines = []
            for account_no in account_nos:
                account = account_of(uow, account_no)
                if account.unit_account != unit_account or account.status.is_closed:
                    raise BusinessRuleViolation(f"个人账户{account_no}不属于本单位或已销户", code="ACCOUNT_NOT_IN_UNIT")
                if account_no in covered or _deposited_for(uow, account_no, month):
                    raise Conflict(f"个人账户{account_no}的{month}已缴存，不能重复补缴", code="MONTH_ALREADY_DEPOSITED")
                lines.append(RemittanceLine(account_no, policy.monthly_amount(account.deposit_base, unit.unit_ratio),
                                            policy.monthly_amount(account.deposit_base, unit.personal_ratio)))
            remittance = Remittance(
                remittance_id=Remittance.supplementary_id_for(unit_account, month, account_nos),
                unit_account=unit_account, org=unit.org, month=month, lines=lines,
                status=RemittanceStatus.RECORDED, recorded_at=self._clock.now(),
                kind=RemittanceKind.SUPPLEMENTARY, reason=reason,
            )
            self._add_remittance(uow, unit, remittance, correlation_id)
            uow.commit()
        return remittance

    def record_voluntary_deposit(self, account_no: str, month: str, actor: Principal,
                                 correlation_id: str | None = None) -> Remittance:
        """自愿缴存: a voluntary depositor's deposit for a month (both sides from their base), posted like a
        remittance; one per account and month."""
        today = business_date(self._clock)
        if _month_order(month, today) > 0:
            raise BusinessRuleViolation("不能缴存未来月份", code="MONTH_IN_FUTURE")
        with self._uow() as uow:
            account = account_of(uow, account_no)
            require_account_visible(actor, account, unit_agent_allowed=False)
            unit = unit_of(uow, account.unit_account)
            if unit.kind is not UnitKind.VOLUNTARY:
                raise BusinessRuleViolation("单位职工由单位汇缴，不能自愿缴存", code="NOT_VOLUNTARY")
            ACCOUNT_LIFECYCLE.next(account.status, AccountEvent.DEPOSIT)
            if _deposited_for(uow, account_no, month):
                raise Conflict(f"{month}已缴存", code="MONTH_ALREADY_DEPOSITED")
            policy = self._policies.on(today)
            remittance = Remittance(
                remittance_id=f"VOL-{account_no}-{month.replace('-', '')}", unit_account=unit.unit_account,
                org=unit.org, month=month, status=RemittanceStatus.RECORDED, recorded_at=self._clock.now(),
                kind=RemittanceKind.VOLUNTARY,
                lines=[RemittanceLine(account_no, policy.monthly_amount(account.deposit_base, unit.unit_ratio),
                                      policy.monthly_amount(account.deposit_base, unit.personal_ratio))],
            )
            self._add_remittance(uow, unit, remittance, correlation_id)
            uow.commit()
        return remittance

    def _add_remittance(self, uow: LedgerUnitOfWork, unit: Unit, remittance: Remittance,
                        correlation_id: str | None) -> None:
        """Store a recorded list and announce it. Under a collection agreement (托收) the list goes straight to
        collection: the instruction to debit the unit's account is part of the same transaction."""
        from hpf.ledger.funding import collection_requested

        collect = unit.collection is not None and remittance.kind is not RemittanceKind.VOLUNTARY
        if collect:
            remittance.status = REMITTANCE_LIFECYCLE.next(remittance.status, RemittanceEvent.COLLECT)
        uow.remittances.add(remittance)
        uow.publish(self._event("ledger.RemittanceRecorded", remittance.remittance_id, correlation_id,
                                remittance_id=remittance.remittance_id, unit_account=unit.unit_account,
                                month=remittance.month, total=str(remittance.total), lines=len(remittance.lines),
                                kind=remittance.kind.value, status=remittance.status.value))
        if collect:
            uow.publish(collection_requested(unit, remittance, self._clock.now(), correlation_id))

    def remittances_of_month(self, unit_account: str, month: str, actor: Principal) -> list[Remittance]:
        """汇补缴清册 of one unit and month (the regular one and any supplementary), in the order recorded."""
        with self._uow() as uow:
            require_unit_visible(actor, unit_of(uow, unit_account))
            found = uow.remittances.of_unit_month(unit_account, month)
        return sorted(found, key=lambda r: (r.recorded_at, r.remittance_id))

    def get_remittance(self, remittance_id: str, actor: Principal) -> Remittance:
        with self._uow() as uow:
            remittance = remittance_of(uow, remittance_id)
            require_unit_visible(actor, unit_of(uow, remittance.unit_account))
        return remittance

    def post_remittance(self, remittance_id: str, correlation_id: str | None = None) -> Remittance:
        """入账: credit every line to its account. Safe to run any number of times (idempotent per line)."""
        with self._uow() as uow:
            remittance = remittance_of(uow, remittance_id)
        if remittance.status is RemittanceStatus.POSTED:
            return remittance
        if remittance.status is not RemittanceStatus.FUNDED:
            raise BusinessRuleViolation("汇缴资金尚未到账，不能入账", code="REMITTANCE_NOT_FUNDED")
        for line in remittance.lines:
            self._post_line(remittance, line)
        with self._uow() as uow:
            remittance = remittance_of(uow, remittance_id)
            if remittance.status is RemittanceStatus.POSTED:
                return remittance
            remittance.status = REMITTANCE_LIFECYCLE.next(remittance.status, RemittanceEvent.POST)
            remittance.posted_at = self._clock.now()
            uow.remittances.update(remittance)
            uow.publish(self._event("ledger.RemittancePosted", remittance_id, correlation_id,
                                    remittance_id=remittance_id, unit_account=remittance.unit_account,
                                    month=remittance.month, total=str(remittance.total)))
            try:
                uow.commit()
            except Conflict:
                # A concurrent run of the same posting marked it first: its outcome is ours.
                done = remittance_of(uow, remittance_id)
                if done.status is not RemittanceStatus.POSTED:
                    raise
                return done
        return remittance

    def _post_line(self, remittance: Remittance, line: RemittanceLine) -> None:
        from hpf.ledger.accounting import deposit_entry  # the journal matters to postings, not to queries

        entry_id = remittance.remittance_id
        for _ in range(_POSTING_ATTEMPTS):
            with self._uow() as uow:
                if uow.entries.exists(line.account_no, entry_id):
                    return
                account = account_of(uow, line.account_no)
                balance = account.credit(line.amount)
                today = business_date(self._clock)
                description = f"{remittance.month}{remittance.kind.label}"
                uow.accounts.update(account)
                # The business ledger's line and the financial ledger's entry, from the same event, in one
                # transaction: the two ledgers cannot disagree at any commit.
                uow.entries.add(AccountEntry(
                    account_no=line.account_no,
                    entry_id=entry_id,
                    business_date=today,
                    kind=remittance.entry_kind,
                    amount=line.amount,
                    balance_after=balance,
                    reference=remittance.remittance_id,
                    month=remittance.month,
                    description=description,
                ))
                uow.journal.add(deposit_entry(f"{entry_id}#{line.account_no}", today, remittance.remittance_id,
                                              line.account_no, line.amount, description, remittance.unit_account))
                try:
                    uow.commit()
                    return
                except Conflict:
                    continue  # another posting moved the account; re-read and try again
        raise TransientFailure("账户并发入账冲突，稍后重试", code="POSTING_CONTENTION")

    # -- helpers -------------------------------------------------------------------------------------------
    def _event(self, event_type: str, aggregate_id: str, correlation_id: str | None, **payload: object) -> DomainEvent:
        return DomainEvent(event_type, aggregate_id, payload, self._clock.now(), correlation_id)


T = TypeVar("T")


def _found(value: T | None, message: str, code: str) -> T:
    if value is None:
        raise NotFound(message, code=code)
    return value


def _month_order(month: str, today: date) -> int:
    """Compare a YYYY-MM month with today's: negative before, 0 this month, positive after."""
    match = _MONTH.match(month)
    if not match:
        raise ValidationFailed("缴存年月格式应为YYYY-MM", code="INVALID_MONTH")
    given, current = (int(match.group(1)), int(match.group(2))), (today.year, today.month)
    return (given > current) - (given < current)


def entries_of(uow: LedgerUnitOfWork, account_no: str, since: date | None = None) -> list[AccountEntry]:
    """Every entry of the account (from ``since`` on, when given), across all pages."""
    entries: list[AccountEntry] = []
    page = PageRequest(size=200)
    while True:
        chunk = uow.entries.list(account_no, since, None, page)
        entries.extend(chunk.items)
        if not chunk.next_token:
            return entries
        page = PageRequest(size=200, token=chunk.next_token)


def _deposited_for(uow: LedgerUnitOfWork, account_no: str, month: str) -> bool:
    """Whether the account holds a deposit for ``month`` (whichever unit paid it), net of reversals."""
    return month in deposited_months(entries_of(uow, account_no))


def unit_of(uow: LedgerUnitOfWork, unit_account: str) -> Unit:
    return _found(uow.units.get(unit_account), "单位账户不存在", "UNIT_NOT_FOUND")


def account_of(uow: LedgerUnitOfWork, account_no: str) -> PersonalAccount:
    return _found(uow.accounts.get(account_no), "个人账户不存在", "ACCOUNT_NOT_FOUND")


def remittance_of(uow: LedgerUnitOfWork, remittance_id: str) -> Remittance:
    return _found(uow.remittances.get(remittance_id), "汇缴记录不存在", "REMITTANCE_NOT_FOUND")
