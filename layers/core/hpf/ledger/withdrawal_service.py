"""Withdrawals (提取): request against the configured rules, reserve, and post the settlement's outcome.

Timeline of one withdrawal, and why each step is where it is:
1. ``request`` — in one transaction: the rules are checked on the account as read, the amount is reserved on the
   account (its version moves), the withdrawal is stored under an id derived from the caller's request id, and
   ``ledger.WithdrawalRequested`` (the payment instruction) goes to the outbox. Two concurrent requests on one
   account read the same version; only one commits, the other re-reads and meets the reduced available balance.
   A closing withdrawal first settles any due yearly interest, then credits interest up to today (销户结息), and
   reserves everything.
2. Settlement pays (issue 4; meanwhile finance staff record the bank's answer, as for any manual payment).
3. ``record_payment`` — PAID: debit the reserved amount with its business-ledger entry and its journal entry
   (Dr 201 / Cr 101) in one transaction, and close the account for a closing withdrawal. FAILED: release the
   reservation. The same answer twice is a no-op; a contradicting answer is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, Conflict, NotFound, TransientFailure, ValidationFailed
from hpf.common.events import DomainEvent
from hpf.common.money import ZERO
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel
from hpf.ledger.access import require_account_visible
from hpf.ledger.interest import latest_settlement
from hpf.ledger.interest_service import InterestService
from hpf.ledger.model import (
    ACCOUNT_LIFECYCLE,
    AccountEntry,
    AccountEvent,
    AccountStatus,
    ChangeRecord,
    EntryKind,
    PersonalAccount,
    deposited_months,
)
from hpf.ledger.ports import LedgerUnitOfWork, MaterialProof
from hpf.ledger.services import account_of, entries_of
from hpf.ledger.withdrawal import (
    WITHDRAWAL_LIFECYCLE,
    Material,
    PayeeAccount,
    Withdrawal,
    WithdrawalEvent,
    WithdrawalStatus,
    instruction_for,
)
from hpf.ledger.withdrawal_rules import (
    AccountFacts,
    Evidence,
    Kind,
    PastWithdrawal,
    Payee,
    Request,
    WithdrawalRule,
    WithdrawalRuleBook,
    check,
)

_ATTEMPTS = 5
_ONLINE = {Channel.APP, Channel.WEB, Channel.MINI_PROGRAM, Channel.GANFUTONG}


@dataclass(frozen=True)
class RequestWithdrawal:
    request_id: str  # the caller's idempotency key: the counter's business serial, the APP's request id
    rule: str
    closing: bool
    amount: Decimal | None
    payee: PayeeAccount
    materials: list[Material]
    evidence: Evidence | None = None


class WithdrawalService:
    def __init__(self, uow_factory: Callable[[], LedgerUnitOfWork], clock: Clock,
                 rules: Callable[[], WithdrawalRuleBook], interest: InterestService, *,
                 answers_by_hand: bool = True, proof: MaterialProof | None = None):
        """``answers_by_hand``: False when the bank links settle payouts — a person's answer could then contradict
        what the bank does at that very moment (HPF_SETTLEMENT_MODE=bank)."""
        self._answers_by_hand = answers_by_hand
        self._uow = uow_factory
        self._clock = clock
        self._rules = rules
        self._interest = interest
        self._proof = proof  # materials spared by shared data, proven by the query that spared them

    def rules_in_force(self) -> tuple[WithdrawalRuleBook, list[WithdrawalRule]]:
        book = self._rules()
        return book, list(book.on(business_date(self._clock)).rules.values())

    # -- request -------------------------------------------------------------------------------------------
    def request(self, account_no: str, command: RequestWithdrawal, actor: Principal,
                correlation_id: str | None = None) -> Withdrawal:
        from hpf.common.identifiers import bank_card, resident_id

        withdrawal_id = Withdrawal.id_for(account_no, command.request_id)
        today = business_date(self._clock)
        book = self._rules()
        rule = book.rule(command.rule, today)
        payee = PayeeAccount(bank_card(command.payee.card_no).number, command.payee.name.strip(),
                             command.payee.bank, resident_id(command.payee.id_number) if command.payee.id_number else "")
        for _ in range(_ATTEMPTS):
            with self._uow() as uow:
                existing = uow.withdrawals.get(withdrawal_id)
                account = account_of(uow, account_no)
                require_account_visible(actor, account, unit_agent_allowed=False)
                if existing is not None:
                    return _same_request(existing, command)
                transfer_out = rule.kind is Kind.TRANSFER_OUT
                ACCOUNT_LIFECYCLE.next(account.status, AccountEvent.WITHDRAW if not command.closing
                                       else AccountEvent.CLOSE_TRANSFER if transfer_out else AccountEvent.CLOSE_WITHDRAW)
                _check_payee(rule, account, payee)
                self._check_shared_proofs(command, account)
                request = Request(rule.key, command.closing, command.amount,
                                  frozenset(m.code for m in command.materials), command.evidence,
                                  actor.channel in _ONLINE, bool(payee.id_number))
                amount = check(rule, request, self._facts(uow, account, rule), today, book.materials)
                # the holder's own card: settlement verifies it against the holder's name and ID (S.4.2)
                holder_payee = replace(payee, id_number=account.id_number) \
                    if rule.payee is Payee.HOLDER and not payee.id_number else payee
                if not (command.closing and _settlement_due(account, today)):
                    withdrawal = self._reserve(uow, account, withdrawal_id, rule, command, holder_payee, amount,
                                               actor, correlation_id)
                    if withdrawal is not None:
                        return withdrawal
                    continue  # the account moved, or the same request won a race: read again, decide again
            # A closing withdrawal pays the interest of every day: the yearly settlement this account is still
            # owed (closing on 1 July, before the run reached it) runs first — only once the rules held, so a
            # refused request changes nothing — and then everything is read again.
            self._interest.settle_account(account_no, latest_settlement(today), correlation_id)
        raise TransientFailure("账户并发业务较多，请稍后重试", code="WITHDRAWAL_CONTENTION")

    def _check_shared_proofs(self, command: RequestWithdrawal, account: PersonalAccount) -> None:
        """免交材料: a material whose reference is a shared-data query counts only if that query proves it."""
        shared = [(m.code, m.reference) for m in command.materials if m.reference.startswith("DSQ-")]
        if not shared:
            return
        refused = [c for c, _ in shared] if self._proof is None else \
            self._proof.unproven(shared, account.id_number, self._clock.now())
        if refused:
            raise BusinessRuleViolation(f"共享数据核验不能代替以下材料，请提交：{'、'.join(refused)}",
                                        code="SHARED_PROOF_INVALID", details={"materials": refused})

    def _reserve(self, uow: LedgerUnitOfWork, account: PersonalAccount, withdrawal_id: str, rule: WithdrawalRule,
                 command: RequestWithdrawal, payee: PayeeAccount, amount: Decimal, actor: Principal,
                 correlation_id: str | None) -> Withdrawal | None:
        """Reserve and record in one transaction; None when a concurrent write won (the caller retries)."""
        today = business_date(self._clock)
        interest = self._credit_closing_interest(uow, account, withdrawal_id, today) if command.closing else ZERO
        evidence = command.evidence
        withdrawal = Withdrawal(
            withdrawal_id=withdrawal_id, account_no=account.account_no, org=account.org, rule=rule.key,
            reason_code=rule.code, closing=command.closing, amount=amount + interest, payee=payee,
            status=WithdrawalStatus.PENDING, requested_on=today, requested_at=self._clock.now(),
            requested_by=actor.subject, channel=actor.channel.value, materials=list(command.materials),
            evidence_reference=evidence.reference if evidence else "",
            evidence_amount=evidence.amount if evidence else None,
            evidence_date=evidence.issued_on if evidence else None, closing_interest=interest,
            transfer_out=rule.kind is Kind.TRANSFER_OUT,
        )
        account.reserve(withdrawal.amount)
        uow.accounts.update(account)
        uow.withdrawals.add(withdrawal)
        uow.publish(self._requested(withdrawal, rule, correlation_id))
        try:
            uow.commit()
            return withdrawal
        except Conflict as conflict:
            if conflict.code not in ("CONCURRENT_UPDATE", "WITHDRAWAL_ALREADY_REQUESTED"):
                raise
            return None

    def _credit_closing_interest(self, uow: LedgerUnitOfWork, account: PersonalAccount, withdrawal_id: str,
                                 today: date) -> Decimal:
        from hpf.ledger.accounting import interest_entry

        accrual = self._interest.accrual_of(uow, account, today)
        interest = accrual.result.interest
        balance = account.add_closing_interest(interest, today)
        if interest > ZERO:
            entry_id = f"INT-{withdrawal_id}"
            uow.entries.add(AccountEntry(account.account_no, entry_id, today, EntryKind.INTEREST, interest, balance,
                                         withdrawal_id, description="销户结息"))
            uow.journal.add(interest_entry(f"{entry_id}#{account.account_no}", today, withdrawal_id,
                                           account.account_no, interest, "销户结息"))
        return interest

    def _facts(self, uow: LedgerUnitOfWork, account: PersonalAccount, rule: WithdrawalRule) -> AccountFacts:
        history = uow.withdrawals.of_account(account.account_no)
        months: frozenset[str] = frozenset()
        if rule.deposit_months:
            months = frozenset(deposited_months(entries_of(uow, account.account_no)))
        sealed_since = None
        if rule.sealed_months and account.status is AccountStatus.SEALED:
            seals = [r for r in uow.history.of(f"ACCOUNT#{account.account_no}") if r.action == "seal"]
            sealed_since = seals[-1].at.date() if seals else None
        return AccountFacts(
            available=account.available,
            pending=sum(w.status is WithdrawalStatus.PENDING for w in history),
            history=[PastWithdrawal(w.rule, w.amount, w.requested_on, w.evidence_reference)
                     for w in history if w.status is not WithdrawalStatus.FAILED],
            deposited_months=months, sealed_since=sealed_since,
        )

    def _requested(self, w: Withdrawal, rule: WithdrawalRule, correlation_id: str | None) -> DomainEvent:
        instruction = instruction_for(w, f"{rule.name}{'（销户）' if w.closing else ''}")
        return DomainEvent("ledger.WithdrawalRequested", w.withdrawal_id, {
            "withdrawal_id": w.withdrawal_id, "account_no": w.account_no, "reason_code": w.reason_code,
            "instruction": instruction.to_payload(),
        }, self._clock.now(), correlation_id)

    # -- the settlement's answer ---------------------------------------------------------------------------
    def record_payment(self, withdrawal_id: str, paid: bool, *, bank_serial: str = "", reason: str = "",
                       actor: Principal | None = None, correlation_id: str | None = None) -> Withdrawal:
        """The payment's outcome from settlement (``actor`` None) or from finance staff (manual payment)."""
        if actor is not None and not self._answers_by_hand:
            raise Conflict("提取款项由资金结算自动支付，结果不明的请在资金结算中人工核实", code="SETTLED_BY_BANK")
        if paid and actor is not None and not bank_serial:
            raise ValidationFailed("支付成功须登记银行交易流水号", code="BANK_SERIAL_REQUIRED")
        event = WithdrawalEvent.PAY if paid else WithdrawalEvent.FAIL
        outcome = WithdrawalStatus.PAID if paid else WithdrawalStatus.FAILED
        for _ in range(_ATTEMPTS):
            with self._uow() as uow:
                withdrawal = withdrawal_of(uow, withdrawal_id)
                if actor is not None:
                    actor.require_org(withdrawal.org)
                if withdrawal.status is outcome:
                    return withdrawal  # the same answer again (a retried task, a duplicate notice)
                withdrawal.status = WITHDRAWAL_LIFECYCLE.next(withdrawal.status, event)
                withdrawal.bank_serial, withdrawal.failure_reason = bank_serial, reason
                withdrawal.settled_at = self._clock.now()
                account = account_of(uow, withdrawal.account_no)
                if paid:
                    self._post_payout(uow, account, withdrawal, actor, correlation_id)
                else:
                    account.release(withdrawal.amount)
                uow.accounts.update(account)
                uow.withdrawals.update(withdrawal)
                uow.publish(DomainEvent(
                    "ledger.WithdrawalPaid" if paid else "ledger.WithdrawalFailed", withdrawal_id,
                    {"withdrawal_id": withdrawal_id, "account_no": withdrawal.account_no,
                     "amount": str(withdrawal.amount), "closing": withdrawal.closing, "bank_serial": bank_serial,
                     "account_status": account.status.value},
                    self._clock.now(), correlation_id))
                try:
                    uow.commit()
                    return withdrawal
                except Conflict as conflict:
                    if conflict.code != "CONCURRENT_UPDATE":
                        raise
                    continue
        raise TransientFailure("账户并发业务较多，请稍后重试", code="WITHDRAWAL_CONTENTION")

    def _post_payout(self, uow: LedgerUnitOfWork, account: PersonalAccount, w: Withdrawal,
                     actor: Principal | None, correlation_id: str | None) -> None:
        from hpf.ledger.accounting import withdrawal_entry

        today = business_date(self._clock)
        balance = account.debit_reserved(w.amount)
        kind = (EntryKind.TRANSFER_OUT if w.transfer_out else EntryKind.CLOSING_WITHDRAWAL if w.closing
                else EntryKind.WITHDRAWAL)
        description = f"{self._rule_name(w)}{'（销户）' if w.closing else ''}"
        uow.entries.add(AccountEntry(w.account_no, w.withdrawal_id, today, kind, -w.amount, balance,
                                     w.withdrawal_id, description=description))
        uow.journal.add(withdrawal_entry(f"{w.withdrawal_id}#{w.account_no}", today, w.withdrawal_id, w.account_no,
                                         w.amount, description))
        # A deposit posted while the payout was in flight leaves money behind: the account stays open, and the
        # event says so, for a second closing withdrawal of what is left.
        if w.closing and balance == ZERO and ACCOUNT_LIFECYCLE.allows(account.status, w.closing_event):
            before = account.status
            account.apply(w.closing_event)
            uow.accounts.release_person(account)
            uow.history.add(ChangeRecord(f"ACCOUNT#{w.account_no}", account.version + 1, self._clock.now(),
                                         w.closing_event.value, {"status": f"{before.value}→{account.status.value}"},
                                         self._rule_name(w), actor.subject if actor else "settlement"))

    def _rule_name(self, w: Withdrawal) -> str:
        rules = self._rules().on(w.requested_on).rules
        return rules[w.rule].name if w.rule in rules else "提取"

    # -- queries -------------------------------------------------------------------------------------------
    def get(self, withdrawal_id: str, actor: Principal) -> Withdrawal:
        with self._uow() as uow:
            withdrawal = withdrawal_of(uow, withdrawal_id)
            require_account_visible(actor, account_of(uow, withdrawal.account_no), unit_agent_allowed=False)
        return withdrawal

    def of_account(self, account_no: str, actor: Principal) -> list[Withdrawal]:
        with self._uow() as uow:
            require_account_visible(actor, account_of(uow, account_no), unit_agent_allowed=False)
            return uow.withdrawals.of_account(account_no)


def _settlement_due(account: PersonalAccount, today: date) -> bool:
    due = latest_settlement(today)
    return account.opened_on <= due and (account.interest_settled_on is None or account.interest_settled_on < due)


def _check_payee(rule: WithdrawalRule, account: PersonalAccount, payee: PayeeAccount) -> None:
    # Money leaves only to the holder's own card; a death withdrawal to the heir named on the request.
    if rule.payee is Payee.HOLDER and (payee.name != account.name or payee.id_number not in ("", account.id_number)):
        raise BusinessRuleViolation("收款账户须为职工本人的银行账户", code="PAYEE_NOT_HOLDER")


def _same_request(existing: Withdrawal, command: RequestWithdrawal) -> Withdrawal:
    if existing.rule != command.rule or existing.closing != command.closing or (
            not command.closing and existing.amount != command.amount):
        raise Conflict("该业务请求号已用于另一笔提取", code="WITHDRAWAL_REQUEST_REUSED")
    return existing


def withdrawal_of(uow: LedgerUnitOfWork, withdrawal_id: str) -> Withdrawal:
    withdrawal = uow.withdrawals.get(withdrawal_id)
    if withdrawal is None:
        raise NotFound("提取记录不存在", code="WITHDRAWAL_NOT_FOUND")
    return withdrawal

