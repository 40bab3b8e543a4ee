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
    """The kinds the requirement names (8.1.x, S.8.3). Loan kinds arrive with the lending area."""

    REMITTANCE_RECEIPT = ("remittance_receipt", "住房公积金汇（补）缴回单")
    PAYMENT_CONFIRMATION = ("payment_confirmation", "住房公积金缴款确认单")
    DEPOSIT_STATEMENT = ("deposit_statement", "住房公积金个人缴存明细")
    WITHDRAWAL_VOUCHER = ("withdrawal_voucher", "住房公积金提取凭证（业务确认单）")

    @property
    def prefix(self) -> str:
        return _PREFIX[self]

    @property
    def category(self) -> Category:
        return Category.WITHDRAWAL if self is VoucherKind.WITHDRAWAL_VOUCHER else Category.DEPOSIT

    @property
    def retention(self) -> Retention:
        # Receipts and payouts prove money moved (30 years, as accounting vouchers); a statement is a copy of
        # ledger rows that are themselves kept, so ten years.
        return Retention.YEARS_10 if self is VoucherKind.DEPOSIT_STATEMENT else Retention.YEARS_30


_PREFIX = {VoucherKind.REMITTANCE_RECEIPT: "HJHD", VoucherKind.PAYMENT_CONFIRMATION: "JKQR",
           VoucherKind.DEPOSIT_STATEMENT: "GRMX", VoucherKind.WITHDRAWAL_VOUCHER: "TQPZ"}


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


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

    @property
    def title(self) -> str:
        return self.kind.label


def voucher_no(kind: VoucherKind, *parts: str) -> str:
    return "-".join((kind.prefix, *parts))
