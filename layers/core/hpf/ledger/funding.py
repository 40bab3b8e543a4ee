"""Remittance money (汇缴资金): arrival confirmed, bank collection (托收), and the receipt (汇补缴回单) as data.

A recorded list waits for its money. It arrives one of two ways:
- the unit transfers the list's total to the office's special account; the arrival (an SBDC100 account-change
  notice or a line of the bank statement) is matched to the list by settlement — or by finance staff reading the
  statement — and ``confirm_funds`` is called;
- under a collection agreement the list is collected: ``ledger.CollectionRequested`` carries the instruction to
  debit the unit's account (settlement business 01), and settlement answers through ``record_collection``.
Only the exact total is accepted: a short or excess transfer is the unit's to correct (finance refunds it), not
something to spread over the depositors. Confirming posts Dr 101 / Cr 231 (the unit's money in transit) and
announces ``ledger.RemittanceFunded``, on which the posting workflow starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, Conflict, ValidationFailed
from hpf.common.events import DomainEvent
from hpf.common.money import ZERO, to_chinese_uppercase, to_money
from hpf.identity.principal import Principal
from hpf.ledger.access import require_unit_visible
from hpf.ledger.model import (
    REMITTANCE_LIFECYCLE,
    Remittance,
    RemittanceEvent,
    RemittanceKind,
    RemittanceStatus,
    Unit,
)
from hpf.ledger.ports import LedgerUnitOfWork
from hpf.ledger.services import remittance_of, unit_of

COLLECTION_BUSINESS = "01"  # settlement BusType 汇补缴 (domain facts §1.6)


@dataclass(frozen=True)
class RemittanceReceipt:
    """汇补缴回单: what the unit's receipt states (the sealed PDF comes with the e-seal)."""

    receipt_no: str
    unit: Unit
    remittance: Remittance
    unit_amount: Decimal
    personal_amount: Decimal
    total_uppercase: str
    issued_on: date


class RemittanceFunding:
    def __init__(self, uow_factory: Callable[[], LedgerUnitOfWork], clock: Clock, *, answers_by_hand: bool = True):
        """``answers_by_hand``: False when the bank links settle collections (see WithdrawalService)."""
        self._answers_by_hand = answers_by_hand
        self._uow = uow_factory
        self._clock = clock

    def confirm_funds(self, remittance_id: str, amount: Decimal, bank_serial: str, *, funding: str = "transfer",
                      actor: Principal | None = None, correlation_id: str | None = None) -> Remittance:
        """资金到账确认. The same arrival twice (a retried notice) is a no-op; a second, different arrival for
        a list already funded is refused — that money must go back to the unit, and finance must see it."""
        if not bank_serial.strip():
            raise ValidationFailed("到账确认须登记银行交易流水号", code="BANK_SERIAL_REQUIRED")
        amount = to_money(amount)
        with self._uow() as uow:
            remittance = self._visible(uow, remittance_id, actor)
            if remittance.status in (RemittanceStatus.FUNDED, RemittanceStatus.POSTED):
                if remittance.bank_serial == bank_serial:
                    return remittance
                raise Conflict(f"该汇缴已于{remittance.funded_at:%Y-%m-%d}到账（流水号{remittance.bank_serial}），"
                               "重复到账的款项应退回单位", code="REMITTANCE_ALREADY_FUNDED")
            if amount != remittance.total:
                raise BusinessRuleViolation(f"到账金额{amount}元与清册合计{remittance.total}元不符",
                                            code="FUNDS_AMOUNT_MISMATCH")
            remittance.status = REMITTANCE_LIFECYCLE.next(remittance.status, RemittanceEvent.FUND)
            remittance.funded_at, remittance.bank_serial, remittance.funding = self._clock.now(), bank_serial, funding
            self._journal_funds(uow, remittance)
            uow.remittances.update(remittance)
            uow.publish(self._event("ledger.RemittanceFunded", remittance, correlation_id, bank_serial=bank_serial,
                                    funding=funding))
            uow.commit()
        return remittance

    def record_collection(self, remittance_id: str, collected: bool, *, bank_serial: str = "", reason: str = "",
                          actor: Principal | None = None, correlation_id: str | None = None) -> Remittance:
        """The bank's answer to a collection: collected → funded; failed (余额不足, 账户冻结…) → back to
        recorded, with the reason, for the unit to pay by transfer or for another collection."""
        if actor is not None and not self._answers_by_hand:
            raise Conflict("托收由资金结算自动处理，结果不明的请在资金结算中人工核实", code="SETTLED_BY_BANK")
        if collected:
            with self._uow() as uow:
                total = self._visible(uow, remittance_id, actor).total
            return self.confirm_funds(remittance_id, total, bank_serial, funding="collection", actor=actor,
                                      correlation_id=correlation_id)
        with self._uow() as uow:
            remittance = self._visible(uow, remittance_id, actor)
            if remittance.status is RemittanceStatus.RECORDED and remittance.collection_failure:
                return remittance  # the same failure reported again
            remittance.status = REMITTANCE_LIFECYCLE.next(remittance.status, RemittanceEvent.COLLECTION_FAILED)
            remittance.collection_failure = reason or "托收失败"
            uow.remittances.update(remittance)
            # one event per failure: a list may fail collection more than once
            uow.publish(self._event("ledger.CollectionFailed", remittance, correlation_id, reason=reason,
                                    aggregate_id=f"{remittance.remittance_id}#v{remittance.version}"))
            uow.commit()
        return remittance

    def collect_again(self, remittance_id: str, actor: Principal, correlation_id: str | None = None) -> Remittance:
        """Another collection after a failed one (the unit topped its account up)."""
        with self._uow() as uow:
            remittance = self._visible(uow, remittance_id, actor)
            unit = unit_of(uow, remittance.unit_account)
            if unit.collection is None:
                raise BusinessRuleViolation("单位未签订托收协议", code="NO_COLLECTION_AGREEMENT")
            remittance.status = REMITTANCE_LIFECYCLE.next(remittance.status, RemittanceEvent.COLLECT)
            remittance.collection_failure = ""
            uow.remittances.update(remittance)
            uow.publish(collection_requested(unit, remittance, self._clock.now(), correlation_id,
                                             attempt=remittance.version))
            uow.commit()
        return remittance

    def receipt(self, remittance_id: str, actor: Principal) -> RemittanceReceipt:
        """汇补缴回单 of a posted list, for the unit's agent and the counter."""
        with self._uow() as uow:
            remittance = self._visible(uow, remittance_id, actor)
            unit = unit_of(uow, remittance.unit_account)
        if remittance.status is not RemittanceStatus.POSTED:
            raise BusinessRuleViolation("汇缴尚未入账，不能出具回单", code="REMITTANCE_NOT_POSTED")
        return RemittanceReceipt(
            receipt_no=f"HJHD-{remittance.remittance_id}", unit=unit, remittance=remittance,
            unit_amount=sum((ln.unit_amount for ln in remittance.lines), ZERO),
            personal_amount=sum((ln.personal_amount for ln in remittance.lines), ZERO),
            total_uppercase=to_chinese_uppercase(remittance.total), issued_on=business_date(self._clock),
        )

    # -- helpers -------------------------------------------------------------------------------------------
    def _visible(self, uow: LedgerUnitOfWork, remittance_id: str, actor: Principal | None) -> Remittance:
        remittance = remittance_of(uow, remittance_id)
        if actor is not None:  # None: settlement itself, matching a bank notice
            require_unit_visible(actor, unit_of(uow, remittance.unit_account))
        return remittance

    def _journal_funds(self, uow: LedgerUnitOfWork, remittance: Remittance) -> None:
        from hpf.ledger.accounting import remittance_funds_entry

        label = "补缴" if remittance.kind is RemittanceKind.SUPPLEMENTARY else "汇缴"
        uow.journal.add(remittance_funds_entry(f"FUND-{remittance.remittance_id}", business_date(self._clock),
                                               remittance.remittance_id, remittance.unit_account, remittance.total,
                                               f"{remittance.month}{label}资金到账"))

    def _event(self, event_type: str, remittance: Remittance, correlation_id: str | None,
               aggregate_id: str | None = None, **extra: object) -> DomainEvent:
        return DomainEvent(event_type, aggregate_id or remittance.remittance_id,
                           {"remittance_id": remittance.remittance_id, "unit_account": remittance.unit_account,
                            "month": remittance.month, "total": str(remittance.total), **extra},
                           self._clock.now(), correlation_id)


def collection_requested(unit: Unit, remittance: Remittance, now: datetime, correlation_id: str | None,
                         attempt: int = 0) -> DomainEvent:
    """The collection instruction for settlement: debit the unit's account by the list's total. A later attempt
    is a new instruction (its own id): the failed one is finished at the bank."""
    from hpf.ledger.settlement_port import Counterparty, SettlementInstruction

    agreement = unit.collection
    assert agreement is not None
    instruction_id = remittance.remittance_id if not attempt else f"{remittance.remittance_id}-C{attempt}"
    instruction = SettlementInstruction(
        instruction_id, COLLECTION_BUSINESS, "collect", unit.org, remittance.total,
        Counterparty(agreement.bank_account, agreement.account_name, agreement.bank), remittance.remittance_id,
        f"{remittance.month}{remittance.kind.label}托收", agreement.agreement_no)
    return DomainEvent("ledger.CollectionRequested", instruction_id, {
        "remittance_id": remittance.remittance_id, "unit_account": unit.unit_account,
        "instruction": instruction.to_payload(),
    }, now, correlation_id)
