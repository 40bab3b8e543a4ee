"""Maintenance of units and personal accounts (单位/个人信息变更、比例与基数调整、封存启封、冻结解冻、缓缴、
销户、单位调整). Each change bumps the aggregate's version, appends a change record and publishes an event, in
one transaction; money never moves here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, ValidationFailed
from hpf.common.events import DomainEvent
from hpf.common.money import to_money
from hpf.identity.principal import Principal
from hpf.ledger.access import require_account_visible, require_unit_visible
from hpf.ledger.model import (
    ACCOUNT_LIFECYCLE,
    UNIT_LIFECYCLE,
    AccountEvent,
    AccountStatus,
    ChangeRecord,
    CollectionAgreement,
    PersonalAccount,
    Unit,
    UnitEvent,
    UnitStatus,
)
from hpf.ledger.ports import LedgerUnitOfWork
from hpf.ledger.services import account_of, unit_of

if TYPE_CHECKING:
    from hpf.ledger.policy import PolicyBook

# Closing an account is the end of a withdrawal, a transfer-out or a merge, never a bare status change.
ACCOUNT_EVENTS_BY_REQUEST = {AccountEvent.SEAL, AccountEvent.UNSEAL, AccountEvent.FREEZE, AccountEvent.UNFREEZE}
UNIT_EVENTS_BY_REQUEST = {UnitEvent.DEFER, UnitEvent.END_DEFERRAL, UnitEvent.SEAL, UnitEvent.UNSEAL, UnitEvent.CLOSE}
_ACTIVE_UNIT = (UnitStatus.NORMAL, UnitStatus.DEFERRED)


class LedgerMaintenance:
    def __init__(self, uow_factory: Callable[[], LedgerUnitOfWork], clock: Clock,
                 policies: Callable[[], PolicyBook]):
        self._uow = uow_factory
        self._clock = clock
        self._policies = policies

    # -- units ---------------------------------------------------------------------------------------------
    def change_unit(self, unit_account: str, actor: Principal, *, name: str | None = None,
                    address: str | None = None, reason: str = "", correlation_id: str | None = None) -> Unit:
        """单位信息变更 (name, address). The credit code identifies the unit and does not change."""
        if name is None and address is None:
            raise ValidationFailed("没有要变更的信息", code="NOTHING_TO_CHANGE")
        with self._uow() as uow:
            unit = self._staff_unit(uow, unit_account, actor)
            detail = {}
            if name is not None and name.strip() != unit.name:
                detail["name"], unit.name = f"{unit.name}→{name.strip()}", name.strip()
            if address is not None and address != unit.address:
                detail["address"], unit.address = f"{unit.address}→{address}", address
            return self._save_unit(uow, unit, "change", detail, reason, actor, correlation_id)

    def set_unit_ratios(self, unit_account: str, unit_ratio: Decimal, personal_ratio: Decimal, actor: Principal,
                        *, reason: str = "", correlation_id: str | None = None) -> Unit:
        """缴存比例调整, within the policy in force; later remittance lists use the new ratios."""
        self._policies().on(business_date(self._clock)).check_ratios(unit_ratio, personal_ratio)
        with self._uow() as uow:
            unit = unit_of(uow, unit_account)
            require_unit_visible(actor, unit)
            if unit.status not in _ACTIVE_UNIT:
                raise BusinessRuleViolation(f"单位账户状态为“{unit.status.label}”，不能调整缴存比例",
                                            code="UNIT_NOT_ACTIVE")
            detail = {"unit_ratio": f"{unit.unit_ratio}→{unit_ratio}",
                      "personal_ratio": f"{unit.personal_ratio}→{personal_ratio}"}
            unit.unit_ratio, unit.personal_ratio = unit_ratio, personal_ratio
            return self._save_unit(uow, unit, "ratios", detail, reason, actor, correlation_id)

    def set_collection_agreement(self, unit_account: str, agreement: CollectionAgreement | None, actor: Principal,
                                 *, reason: str = "", correlation_id: str | None = None) -> Unit:
        """托收协议 signed (or replaced) or ended: from the next recorded list on, its money is collected."""
        from hpf.common.identifiers import bank_account

        if agreement is not None:
            agreement = replace(agreement, bank_account=bank_account(agreement.bank_account))
        with self._uow() as uow:
            unit = unit_of(uow, unit_account)
            require_unit_visible(actor, unit)
            if unit.status not in _ACTIVE_UNIT:
                raise BusinessRuleViolation(f"单位账户状态为“{unit.status.label}”，不能办理托收", code="UNIT_NOT_ACTIVE")
            before = unit.collection.agreement_no if unit.collection else "无"
            after = agreement.agreement_no if agreement else "无"
            detail = {"collection": f"{before}→{after}"} if unit.collection != agreement else {}
            unit.collection = agreement
            return self._save_unit(uow, unit, "collection", detail, reason, actor, correlation_id)

    def unit_status_event(self, unit_account: str, event: UnitEvent, actor: Principal, *, reason: str,
                          correlation_id: str | None = None) -> Unit:
        """缓缴、缓缴结束、封存、启封、销户 by the unit's lifecycle table, with the rules on its accounts."""
        if event not in UNIT_EVENTS_BY_REQUEST:
            raise BusinessRuleViolation(f"“{event.label}”不能单独办理", code="UNIT_EVENT_NOT_REQUESTABLE")
        with self._uow() as uow:
            unit = self._staff_unit(uow, unit_account, actor)
            accounts = uow.accounts.list_by_unit(unit_account)
            if event is UnitEvent.SEAL and any(a.status in (AccountStatus.NORMAL, AccountStatus.FROZEN)
                                               for a in accounts):
                raise BusinessRuleViolation("单位尚有正常或冻结的个人账户，请先封存或转移", code="UNIT_HAS_ACTIVE_ACCOUNTS")
            if event is UnitEvent.CLOSE and any(not a.status.is_closed for a in accounts):
                raise BusinessRuleViolation("单位尚有未销户的个人账户，不能销户", code="UNIT_HAS_OPEN_ACCOUNTS")
            before = unit.status
            unit.status = UNIT_LIFECYCLE.next(unit.status, event)
            action = event.value if event is not UnitEvent.END_DEFERRAL else "end_deferral"
            detail = {"status": f"{before.value}→{unit.status.value}"}
            return self._save_unit(uow, unit, action, detail, reason, actor, correlation_id)

    # -- personal accounts -------------------------------------------------------------------------------
    def change_account(self, account_no: str, actor: Principal, *, name: str | None = None,
                       mobile: str | None = None, reason: str = "", correlation_id: str | None = None
                       ) -> PersonalAccount:
        """个人信息变更 (name, mobile). The ID number identifies the person and does not change here."""
        from hpf.common.identifiers import mobile_number

        if name is None and mobile is None:
            raise ValidationFailed("没有要变更的信息", code="NOTHING_TO_CHANGE")
        with self._uow() as uow:
            account = self._staff_account(uow, account_no, actor)
            detail = {}
            if name is not None and name.strip() != account.name:
                detail["name"], account.name = f"{account.name}→{name.strip()}", name.strip()
            if mobile is not None:
                compact = mobile_number(mobile)
                if compact != account.mobile:
                    detail["mobile"], account.mobile = f"{account.mobile}→{compact}", compact
            return self._save_account(uow, account, "change", detail, reason, actor, correlation_id)

    def adjust_base(self, account_no: str, deposit_base: Decimal, actor: Principal, *, reason: str = "",
                    correlation_id: str | None = None) -> PersonalAccount:
        """缴存基数调整, within the policy's floor and cap; later remittance lists use the new base."""
        base = to_money(deposit_base)
        with self._uow() as uow:
            account = account_of(uow, account_no)
            require_account_visible(actor, account, unit_agent_allowed=True)  # who asks, before what they ask
            self._policies().on(business_date(self._clock)).check_base(base)
            if account.status is not AccountStatus.NORMAL:
                raise BusinessRuleViolation(f"个人账户状态为“{account.status.label}”，不能调整缴存基数",
                                            code="ACCOUNT_NOT_NORMAL")
            detail = {"deposit_base": f"{account.deposit_base}→{base}"}
            account.deposit_base = base
            return self._save_account(uow, account, "base", detail, reason, actor, correlation_id)

    def account_status_event(self, account_no: str, event: AccountEvent, actor: Principal, *, reason: str,
                             correlation_id: str | None = None) -> PersonalAccount:
        """封存、启封、冻结、解冻 by the account's lifecycle table."""
        if event not in ACCOUNT_EVENTS_BY_REQUEST:
            raise BusinessRuleViolation("销户须通过提取、转出或合并业务办理", code="ACCOUNT_EVENT_NOT_REQUESTABLE")
        with self._uow() as uow:
            account = self._staff_account(uow, account_no, actor)
            if event is AccountEvent.UNSEAL and unit_of(uow, account.unit_account).status not in _ACTIVE_UNIT:
                raise BusinessRuleViolation("所在单位未处于正常缴存状态，不能启封", code="UNIT_NOT_ACTIVE")
            before = account.status
            account.status = ACCOUNT_LIFECYCLE.next(account.status, event)
            detail = {"status": f"{before.value}→{account.status.value}"}
            return self._save_account(uow, account, event.value, detail, reason, actor, correlation_id)

    def move_account(self, account_no: str, to_unit: str, actor: Principal, *, reason: str = "",
                     correlation_id: str | None = None) -> PersonalAccount:
        """单位调整: the account follows its holder to another unit of the center, and deposits there."""
        with self._uow() as uow:
            account = self._staff_account(uow, account_no, actor)
            target = self._staff_unit(uow, to_unit, actor)
            if target.unit_account == account.unit_account:
                raise BusinessRuleViolation("职工已在该单位", code="SAME_UNIT")
            if account.status not in (AccountStatus.NORMAL, AccountStatus.SEALED):
                raise BusinessRuleViolation(f"个人账户状态为“{account.status.label}”，不能办理单位调整",
                                            code="ACCOUNT_NOT_MOVABLE")
            if target.status not in _ACTIVE_UNIT:
                raise BusinessRuleViolation("调入单位未处于正常缴存状态", code="UNIT_NOT_ACTIVE")
            detail = {"unit_account": f"{account.unit_account}→{target.unit_account}",
                      "status": f"{account.status.value}→{AccountStatus.NORMAL.value}"}
            account.unit_account, account.org, account.status = target.unit_account, target.org, AccountStatus.NORMAL
            return self._save_account(uow, account, "move", detail, reason, actor, correlation_id)

    # -- history -------------------------------------------------------------------------------------------
    def unit_history(self, unit_account: str, actor: Principal) -> list[ChangeRecord]:
        with self._uow() as uow:
            require_unit_visible(actor, unit_of(uow, unit_account))
            return uow.history.of(f"UNIT#{unit_account}")

    def account_history(self, account_no: str, actor: Principal) -> list[ChangeRecord]:
        with self._uow() as uow:
            require_account_visible(actor, account_of(uow, account_no), unit_agent_allowed=False)
            return uow.history.of(f"ACCOUNT#{account_no}")

    # -- helpers -------------------------------------------------------------------------------------------
    @staticmethod
    def _staff_unit(uow: LedgerUnitOfWork, unit_account: str, actor: Principal) -> Unit:
        unit = unit_of(uow, unit_account)
        actor.require_org(unit.org)
        return unit

    @staticmethod
    def _staff_account(uow: LedgerUnitOfWork, account_no: str, actor: Principal) -> PersonalAccount:
        account = account_of(uow, account_no)
        actor.require_org(account.org)
        return account

    def _save_unit(self, uow: LedgerUnitOfWork, unit: Unit, action: str, detail: dict[str, str], reason: str,
                   actor: Principal, correlation_id: str | None) -> Unit:
        if not detail:
            return unit  # nothing changed: no version, no record, no event
        uow.units.update(unit)
        self._record(uow, f"UNIT#{unit.unit_account}", unit.version, action, detail, reason, actor,
                     "ledger.UnitChanged", correlation_id, unit_account=unit.unit_account)
        uow.commit()
        return unit

    def _save_account(self, uow: LedgerUnitOfWork, account: PersonalAccount, action: str, detail: dict[str, str],
                      reason: str, actor: Principal, correlation_id: str | None) -> PersonalAccount:
        if not detail:
            return account
        uow.accounts.update(account)
        self._record(uow, f"ACCOUNT#{account.account_no}", account.version, action, detail, reason, actor,
                     "ledger.AccountChanged", correlation_id, account_no=account.account_no,
                     unit_account=account.unit_account)
        uow.commit()
        return account

    def _record(self, uow: LedgerUnitOfWork, aggregate: str, version: int, action: str, detail: dict[str, str],
                reason: str, actor: Principal, event_type: str, correlation_id: str | None, **ids: str) -> None:
        now = self._clock.now()
        uow.history.add(ChangeRecord(aggregate, version, now, action, detail, reason, actor.subject))
        uow.publish(DomainEvent(event_type, f"{aggregate.split('#', 1)[1]}#v{version}",
                                {"action": action, "detail": detail, **ids}, now, correlation_id))
