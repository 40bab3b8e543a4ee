"""Corrections of posted money: reversal (冲正) of a deposit line, and merging two accounts of one person
(合并销户). Both append — a reversing entry, a pair of transfer entries — and never edit what was posted.

冲正 of a deposit line posted to the wrong depositor or for the wrong amount: the account gives the amount back
(Dr 201 / Cr 231 — the money returns to the unit's in-transit balance, for finance to refund or re-allocate by a
supplementary deposit), dated today. The business line and its journal entry are reversed in one transaction,
each naming the original; a line is reversed at most once, and only while the money is still in the account.

合并销户: a person holding two accounts (opened under a mis-entered ID, or brought over from a legacy system)
keeps one. The other's interest to today is credited, its whole balance moves across (Dr 201 source / Cr 201
target), and it closes as 03 合并销户 — all in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable

from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, Conflict, NotFound, TransientFailure
from hpf.common.events import DomainEvent
from hpf.common.money import ZERO
from hpf.identity.principal import Principal
from hpf.ledger.interest_service import InterestService
from hpf.ledger.model import (
    ACCOUNT_LIFECYCLE,
    DEPOSIT_KINDS,
    AccountEntry,
    AccountEvent,
    ChangeRecord,
    EntryKind,
    PersonalAccount,
)
from hpf.ledger.ports import LedgerUnitOfWork
from hpf.ledger.services import account_of, entries_of

_ATTEMPTS = 5


class LedgerCorrections:
    def __init__(self, uow_factory: Callable[[], LedgerUnitOfWork], clock: Clock, interest: InterestService):
        self._uow = uow_factory
        self._clock = clock
        self._interest = interest

    def reverse_deposit(self, account_no: str, entry_id: str, reason: str, actor: Principal,
                        correlation_id: str | None = None) -> AccountEntry:
        """冲正 of one deposit line (汇缴、补缴、自愿缴存) of the account."""
        from hpf.ledger.accounting import JournalEntry

        reversal_id = f"REV-{entry_id}"
        for _ in range(_ATTEMPTS):
            with self._uow() as uow:
                account = account_of(uow, account_no)
                actor.require_org(account.org)
                entries = entries_of(uow, account_no)
                original = next((e for e in entries if e.entry_id == entry_id), None)
                if original is None:
                    raise NotFound("该账户没有这笔业务明细", code="ENTRY_NOT_FOUND")
                if original.kind not in DEPOSIT_KINDS or original.amount <= ZERO:
                    raise BusinessRuleViolation("只能冲正缴存入账明细", code="ENTRY_NOT_REVERSIBLE")
                if any(e.entry_id == reversal_id for e in entries):
                    raise Conflict("该笔明细已冲正", code="ENTRY_ALREADY_REVERSED")
                if original.amount > account.available:
                    raise BusinessRuleViolation(f"可用余额{account.available}元不足以冲正{original.amount}元",
                                                code="REVERSAL_OVER_AVAILABLE")
                journal: JournalEntry | None = uow.journal.get(f"{entry_id}#{account_no}", original.business_date)
                if journal is None:
                    raise Conflict("原记账凭证不存在，请核对账账相符", code="JOURNAL_ENTRY_MISSING")
                today = business_date(self._clock)
                balance = account.take_back(original.amount)
                reversal = AccountEntry(account_no, reversal_id, today, original.kind, -original.amount, balance,
                                        entry_id, month=original.month, description=f"冲正：{reason}")
                uow.accounts.update(account)
                uow.entries.add(reversal)
                uow.journal.add(journal.reversal(f"{reversal_id}#{account_no}", today, f"冲正：{reason}"))
                uow.publish(DomainEvent("ledger.EntryReversed", f"{account_no}#{entry_id}", {
                    "account_no": account_no, "entry_id": entry_id, "amount": str(original.amount),
                    "reference": original.reference, "reason": reason, "by": actor.subject,
                }, self._clock.now(), correlation_id))
                try:
                    uow.commit()
                    return reversal
                except Conflict as conflict:
                    if conflict.code != "CONCURRENT_UPDATE":
                        raise
        raise TransientFailure("账户并发业务较多，请稍后重试", code="CORRECTION_CONTENTION")

    def merge_accounts(self, source_no: str, target_no: str, reason: str, actor: Principal,
                       correlation_id: str | None = None) -> tuple[PersonalAccount, PersonalAccount]:
        """合并销户: ``source`` closes into ``target``; both the same person's (same name; the clerk states why)."""
        from hpf.ledger.accounting import FUND, interest_entry, simple_entry

        if source_no == target_no:
            raise BusinessRuleViolation("不能将账户合并到自身", code="SAME_ACCOUNT")
        for _ in range(_ATTEMPTS):
            with self._uow() as uow:
                source, target = account_of(uow, source_no), account_of(uow, target_no)
                actor.require_org(source.org)
                actor.require_org(target.org)
                _check_mergeable(source, target)
                today = business_date(self._clock)
                interest = self._interest.accrual_of(uow, source, today).result.interest
                merge_id = f"MRG-{source_no}-{target_no}"
                if interest > ZERO:
                    balance = source.add_closing_interest(interest, today)
                    uow.entries.add(AccountEntry(source_no, f"INT-{merge_id}", today, EntryKind.INTEREST, interest,
                                                 balance, merge_id, description="合并销户结息"))
                    uow.journal.add(interest_entry(f"INT-{merge_id}#{source_no}", today, merge_id, source_no,
                                                   interest, "合并销户结息"))
                amount = source.balance
                before = source.status
                source.take_back(amount)
                source.apply(AccountEvent.CLOSE_MERGE)
                if amount > ZERO:
                    # arrives as a movement of today: the interest engine counts it in this year's balance
                    target.credit(amount)
                    uow.entries.add(AccountEntry(source_no, merge_id, today, EntryKind.MERGE, -amount, ZERO,
                                                 merge_id, description=f"合并转出至{target_no}"))
                    uow.entries.add(AccountEntry(target_no, merge_id, today, EntryKind.MERGE, amount,
                                                 target.balance, merge_id, description=f"由{source_no}合并转入"))
                    uow.journal.add(simple_entry(f"{merge_id}#{source_no}", today, "merge", merge_id, amount,
                                                 f"合并销户 {source_no}→{target_no}",
                                                 debit=(FUND, source_no), credit=(FUND, target_no)))
                uow.accounts.update(source)
                uow.accounts.update(target)
                if source.id_number != target.id_number:
                    uow.accounts.release_person(source)
                uow.history.add(ChangeRecord(f"ACCOUNT#{source_no}", source.version, self._clock.now(), "close_merge",
                                             {"status": f"{before.value}→{source.status.value}",
                                              "merged_into": target_no}, reason, actor.subject))
                uow.publish(DomainEvent("ledger.AccountsMerged", merge_id, {
                    "source": source_no, "target": target_no, "amount": str(amount), "interest": str(interest),
                }, self._clock.now(), correlation_id))
                try:
                    uow.commit()
                    return source, target
                except Conflict as conflict:
                    if conflict.code != "CONCURRENT_UPDATE":
                        raise
        raise TransientFailure("账户并发业务较多，请稍后重试", code="CORRECTION_CONTENTION")


def _check_mergeable(source: PersonalAccount, target: PersonalAccount) -> None:
    if source.name != target.name:
        raise BusinessRuleViolation("两个账户的姓名不一致，不能合并", code="NOT_SAME_PERSON")
    if source.reserved > ZERO:
        raise BusinessRuleViolation("转出账户有待支付的提取，不能合并", code="WITHDRAWAL_PENDING")
    ACCOUNT_LIFECYCLE.next(source.status, AccountEvent.CLOSE_MERGE)
    ACCOUNT_LIFECYCLE.next(target.status, AccountEvent.DEPOSIT)

