"""The withdrawal (提取) aggregate, its lifecycle, and the settlement instruction its payment goes out as.

A withdrawal is requested → PENDING: the rules held and the amount is reserved on the account (not yet
debited: it still accrues interest, and nobody else can withdraw it). The payment instruction goes to
settlement. Settlement answers PAID → the account is debited (and closed, for a closing withdrawal), or
FAILED → the reservation is released. An unknown bank outcome is no answer at all: the withdrawal stays
PENDING until settlement settles it (issue 4: result query, reconciliation, manual review).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from hpf.common.errors import ValidationFailed
from hpf.common.lifecycle import Lifecycle
from hpf.ledger.model import AccountEvent, _Coded

if TYPE_CHECKING:
    from hpf.ledger.settlement_port import SettlementInstruction

_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{8,40}$")


class WithdrawalStatus(_Coded):
    """提取状态 (A.33's values are not public: ours, docs/interfaces/basic-data-standard.md)."""

    PENDING = ("01", "待支付")
    PAID = ("02", "已支付")
    FAILED = ("03", "支付失败")


class WithdrawalEvent(_Coded):
    PAY = ("pay", "支付成功")
    FAIL = ("fail", "支付失败")


WITHDRAWAL_LIFECYCLE: Lifecycle[WithdrawalStatus, WithdrawalEvent] = Lifecycle(
    "WITHDRAWAL_STATUS",
    "提取",
    {
        (WithdrawalStatus.PENDING, WithdrawalEvent.PAY): WithdrawalStatus.PAID,
        (WithdrawalStatus.PENDING, WithdrawalEvent.FAIL): WithdrawalStatus.FAILED,
    },
)


@dataclass(frozen=True)
class PayeeAccount:
    """收款账户: the depositor's bank card, or the heir's for a death withdrawal."""

    card_no: str
    name: str
    bank: str  # bank code or name as the settlement channel needs it
    id_number: str = ""  # the heir's ID when the payee is not the holder


@dataclass(frozen=True)
class Material:
    code: str  # the rule catalogue's code
    reference: str = ""  # where it is: an archive id, an e-licence number (证照编号)…


@dataclass
class Withdrawal:
    """提取业务: one request against one personal account (TQYY reason, TQFS 02 transfer)."""

    withdrawal_id: str
    account_no: str
    org: str
    rule: str  # the withdrawal rule's key
    reason_code: str  # TQYY
    closing: bool
    amount: Decimal  # reserved, and what is paid
    payee: PayeeAccount
    status: WithdrawalStatus
    requested_on: date
    requested_at: datetime
    requested_by: str
    channel: str
    materials: list[Material] = field(default_factory=list)
    evidence_reference: str = ""
    evidence_amount: Decimal | None = None
    evidence_date: date | None = None
    closing_interest: Decimal = Decimal("0.00")  # credited before the payout, part of ``amount``
    transfer_out: bool = False  # 外部转出 to another city's center rather than a withdrawal
    bank_serial: str = ""
    settled_at: datetime | None = None
    failure_reason: str = ""
    version: int = 0

    @property
    def settlement_business(self) -> str:
        """Settlement BusType (domain facts §1.6): 02 partial, 03 closing withdrawal, 07 external transfer-out."""
        return "07" if self.transfer_out else "03" if self.closing else "02"

    @property
    def closing_event(self) -> AccountEvent:
        return AccountEvent.CLOSE_TRANSFER if self.transfer_out else AccountEvent.CLOSE_WITHDRAW

    @staticmethod
    def id_for(account_no: str, request_id: str) -> str:
        # From the caller's own request id: a retried request (a double-click, a lost reply) finds its twin
        # instead of reserving the money twice.
        if not _REQUEST_ID.match(request_id):
            raise ValidationFailed("业务请求号应为8至40位字母、数字或连字符", code="INVALID_REQUEST_ID")
        return f"WDR-{account_no}-{request_id}"


def instruction_for(withdrawal: Withdrawal, summary: str) -> SettlementInstruction:
    """What settlement needs to pay a withdrawal out of the office's special account (专户)."""
    from hpf.ledger.settlement_port import Counterparty, SettlementInstruction

    p = withdrawal.payee
    return SettlementInstruction(withdrawal.withdrawal_id, withdrawal.settlement_business, "pay", withdrawal.org,
                                 withdrawal.amount, Counterparty(p.card_no, p.name, p.bank, p.id_number),
                                 withdrawal.account_no, summary)
