"""How the loans' movements enter the financial ledger (财务帐), once the bank has moved the money.

    disbursement      Dr 121 委托贷款 (明细: loan) / Cr 101 住房公积金存款 (明细: special account)
    repayment         Dr 101 (special account) / Cr 121 (loan) the principal, Cr 401 委托贷款利息收入 the interest

Each entry's id and reference is the settlement instruction's id: the daily reconciliation matches the bank's
line, the instruction and subject 101 by it, and a retried step can only ever journal a movement once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hpf.ledger.accounting import (
    BANK_DEPOSITS,
    ENTRUSTED_LOANS,
    LOAN_INTEREST_INCOME,
    JournalEntry,
    JournalLine,
    Side,
)


def disbursement_entry(instruction_id: str, day: date, loan_no: str, special_account: str,
                       amount: Decimal) -> JournalEntry:
    return JournalEntry(instruction_id, day, "loan_disbursement", instruction_id, (
        JournalLine(ENTRUSTED_LOANS, Side.DEBIT, amount, loan_no),
        JournalLine(BANK_DEPOSITS, Side.CREDIT, amount, special_account)), f"贷款发放 {loan_no}")


def repayment_entry(instruction_id: str, day: date, loan_no: str, special_account: str, principal: Decimal,
                    interest: Decimal, description: str) -> JournalEntry:
    lines = [JournalLine(BANK_DEPOSITS, Side.DEBIT, principal + interest, special_account)]
    if principal > 0:
        lines.append(JournalLine(ENTRUSTED_LOANS, Side.CREDIT, principal, loan_no))
    if interest > 0:
        lines.append(JournalLine(LOAN_INTEREST_INCOME, Side.CREDIT, interest, loan_no))
    return JournalEntry(instruction_id, day, "loan_repayment", instruction_id, tuple(lines), description)
