"""Vouchers (电子凭证): what each kind states, independent of how it is drawn or sealed.

A voucher number is derived from the business it proves, so asking again for the same voucher finds the one
already sealed and archived instead of issuing a second, different original.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hpf.archive.model import Category, Retention
from hpf.common.coded import CodedEnum


class VoucherKind(CodedEnum):
    """The kinds the requirement names (8.1.x, S.8.3)."""

    REMITTANCE_RECEIPT = ("remittance_receipt", "住房公积金汇（补）缴回单")
    PAYMENT_CONFIRMATION = ("payment_confirmation", "住房公积金缴款确认单")
    DEPOSIT_STATEMENT = ("deposit_statement", "住房公积金个人缴存明细")
    WITHDRAWAL_VOUCHER = ("withdrawal_voucher", "住房公积金提取凭证（业务确认单）")
    LOAN_SETTLEMENT_CERTIFICATE = ("loan_settlement_certificate", "住房公积金贷款结清证明")
    REPAYMENT_STATEMENT = ("repayment_statement", "住房公积金贷款还款流水")
    EARLY_REPAYMENT_VOUCHER = ("early_repayment_voucher", "住房公积金贷款提前还款凭证")
    LOAN_CONTRACT_SCHEDULE = ("loan_contract_schedule", "住房公积金借款合同明细表")
    # The accounting archive's documents (7.5.16), drawn and sealed the same way.
    ACCOUNTING_JOURNAL = ("accounting_journal", "住房公积金记账凭证汇总表")
    ACCOUNTING_VOLUME = ("accounting_volume", "会计档案卷内目录")
    BORROWING_APPROVAL = ("borrowing_approval", "电子档案借阅审批单")
    DISPOSAL_RECORD = ("disposal_record", "电子档案销毁清册")

    @property
    def prefix(self) -> str:
        return _PREFIX[self]

    @property
    def category(self) -> Category:
        if self in (VoucherKind.ACCOUNTING_JOURNAL, VoucherKind.ACCOUNTING_VOLUME):
            return Category.ACCOUNTING
        if self in (VoucherKind.BORROWING_APPROVAL, VoucherKind.DISPOSAL_RECORD):
            return Category.ADMINISTRATIVE
        if self in LOAN_KINDS:
            return Category.LOAN
        return Category.WITHDRAWAL if self is VoucherKind.WITHDRAWAL_VOUCHER else Category.DEPOSIT

    @property
    def retention(self) -> Retention:
        # Receipts and payouts prove money moved (30 years, as accounting vouchers — 会计档案管理办法 keeps
        # 记账凭证 30 years); a statement is a copy of ledger rows that are themselves kept, so ten years.
        if self is VoucherKind.DISPOSAL_RECORD:
            return Retention.PERMANENT  # 销毁清册 are kept for good: they are what remains of what was disposed
        if self is VoucherKind.LOAN_SETTLEMENT_CERTIFICATE:
            return Retention.PERMANENT  # the discharge of a mortgage debt: asked for decades later (抵押注销)
        short = (VoucherKind.DEPOSIT_STATEMENT, VoucherKind.BORROWING_APPROVAL, VoucherKind.REPAYMENT_STATEMENT,
                 VoucherKind.LOAN_CONTRACT_SCHEDULE)
        return Retention.YEARS_10 if self in short else Retention.YEARS_30


LOAN_KINDS = frozenset({VoucherKind.LOAN_SETTLEMENT_CERTIFICATE, VoucherKind.REPAYMENT_STATEMENT,
                        VoucherKind.EARLY_REPAYMENT_VOUCHER, VoucherKind.LOAN_CONTRACT_SCHEDULE})
_PREFIX = {VoucherKind.LOAN_SETTLEMENT_CERTIFICATE: "DKJQ", VoucherKind.REPAYMENT_STATEMENT: "HKLS",
           VoucherKind.EARLY_REPAYMENT_VOUCHER: "TQHK", VoucherKind.LOAN_CONTRACT_SCHEDULE: "HTMX",
           VoucherKind.REMITTANCE_RECEIPT: "HJHD", VoucherKind.PAYMENT_CONFIRMATION: "JKQR",
           VoucherKind.DEPOSIT_STATEMENT: "GRMX", VoucherKind.WITHDRAWAL_VOUCHER: "TQPZ",
           VoucherKind.ACCOUNTING_JOURNAL: "KJPZ", VoucherKind.ACCOUNTING_VOLUME: "KJJZ",
           VoucherKind.BORROWING_APPROVAL: "JYSP", VoucherKind.DISPOSAL_RECORD: "XHQC"}


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    weights: tuple[float, ...] = ()  # each column's relative width (even when not given)


@dataclass(frozen=True)
class Voucher:
    voucher_no: str
    kind: VoucherKind
    org: str
    org_name: str
    business_id: str
    subject: str  # the unit account or the person's ID number: whom the voucher is about
    subject_name: str
    issued_on: date
    fields: tuple[tuple[str, str], ...]  # (label, value) in reading order
    amount_label: str = ""
    amount: Decimal | None = None
    table: Table | None = None
    # Who signs before the center's seal, in order (identity subjects): the clerk who handled a counter business
    # (加签), or each node of an approval (申请人, 审批人 — S.8.2).
    cosigners: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.kind.label


def voucher_no(kind: VoucherKind, *parts: str) -> str:
    return "-".join((kind.prefix, *parts))
