"""Ledger aggregates. Field names follow the basic data standard (JGJ/T 320-2014) in their docstrings.

Status codes are the standard's code tables (Appendix A.4 unit account status, A.6 personal account status);
see docs/interfaces/basic-data-standard.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from hpf.common.coded import CodedEnum
from hpf.common.errors import BusinessRuleViolation
from hpf.common.lifecycle import Lifecycle
from hpf.common.money import ZERO

_Coded = CodedEnum  # the ledger's enums predate the shared one; the alias keeps their declarations short


class UnitStatus(_Coded):
    """单位账户状态 DWZHZT (A.4)."""

    NORMAL = ("01", "正常")
    OPENING = ("02", "开户")
    DEFERRED = ("03", "缓缴")
    CLOSED = ("04", "销户")
    SEALED = ("05", "封存")


class UnitEvent(_Coded):
    ACTIVATE = ("activate", "开户确认")
    DEFER = ("defer", "缓缴")
    END_DEFERRAL = ("end_deferral", "缓缴结束")
    SEAL = ("seal", "封存")
    UNSEAL = ("unseal", "启封")
    CLOSE = ("close", "销户")
    REMIT = ("remit", "汇缴")


UNIT_LIFECYCLE: Lifecycle[UnitStatus, UnitEvent] = Lifecycle(
    "UNIT_STATUS",
    "单位账户",
    {
        (UnitStatus.OPENING, UnitEvent.ACTIVATE): UnitStatus.NORMAL,
        (UnitStatus.OPENING, UnitEvent.CLOSE): UnitStatus.CLOSED,
        (UnitStatus.NORMAL, UnitEvent.DEFER): UnitStatus.DEFERRED,
        (UnitStatus.NORMAL, UnitEvent.SEAL): UnitStatus.SEALED,
        (UnitStatus.NORMAL, UnitEvent.CLOSE): UnitStatus.CLOSED,
        (UnitStatus.NORMAL, UnitEvent.REMIT): UnitStatus.NORMAL,
        (UnitStatus.DEFERRED, UnitEvent.END_DEFERRAL): UnitStatus.NORMAL,
        (UnitStatus.DEFERRED, UnitEvent.REMIT): UnitStatus.DEFERRED,  # a deferred unit may still pay
        (UnitStatus.DEFERRED, UnitEvent.SEAL): UnitStatus.SEALED,
        (UnitStatus.SEALED, UnitEvent.UNSEAL): UnitStatus.NORMAL,
        (UnitStatus.SEALED, UnitEvent.CLOSE): UnitStatus.CLOSED,
    },
)


class AccountStatus(_Coded):
    """个人账户状态 GRZHZT (A.6)."""

    NORMAL = ("01", "正常")
    SEALED = ("02", "封存")
    CLOSED_MERGED = ("03", "合并销户")
    CLOSED_TRANSFERRED = ("04", "外部转出销户")
    CLOSED_WITHDRAWN = ("05", "提取销户")
    FROZEN = ("06", "冻结")

    @property
    def is_closed(self) -> bool:
        return self in {AccountStatus.CLOSED_MERGED, AccountStatus.CLOSED_TRANSFERRED,
                        AccountStatus.CLOSED_WITHDRAWN}


class AccountEvent(_Coded):
    DEPOSIT = ("deposit", "缴存入账")
    SEAL = ("seal", "封存")
    UNSEAL = ("unseal", "启封")
    FREEZE = ("freeze", "冻结")
    UNFREEZE = ("unfreeze", "解冻")
    CLOSE_MERGE = ("close_merge", "合并销户")
    CLOSE_TRANSFER = ("close_transfer", "转出销户")
    CLOSE_WITHDRAW = ("close_withdraw", "提取销户")
    WITHDRAW = ("withdraw", "部分提取")


ACCOUNT_LIFECYCLE: Lifecycle[AccountStatus, AccountEvent] = Lifecycle(
    "ACCOUNT_STATUS",
    "个人账户",
    {
        (AccountStatus.NORMAL, AccountEvent.DEPOSIT): AccountStatus.NORMAL,
        (AccountStatus.NORMAL, AccountEvent.SEAL): AccountStatus.SEALED,
        (AccountStatus.NORMAL, AccountEvent.FREEZE): AccountStatus.FROZEN,
        (AccountStatus.NORMAL, AccountEvent.CLOSE_MERGE): AccountStatus.CLOSED_MERGED,
        (AccountStatus.NORMAL, AccountEvent.CLOSE_TRANSFER): AccountStatus.CLOSED_TRANSFERRED,
        (AccountStatus.NORMAL, AccountEvent.CLOSE_WITHDRAW): AccountStatus.CLOSED_WITHDRAWN,
        (AccountStatus.NORMAL, AccountEvent.WITHDRAW): AccountStatus.NORMAL,
        (AccountStatus.SEALED, AccountEvent.UNSEAL): AccountStatus.NORMAL,
        (AccountStatus.SEALED, AccountEvent.FREEZE): AccountStatus.FROZEN,
        (AccountStatus.SEALED, AccountEvent.CLOSE_MERGE): AccountStatus.CLOSED_MERGED,
        (AccountStatus.SEALED, AccountEvent.CLOSE_TRANSFER): AccountStatus.CLOSED_TRANSFERRED,
        (AccountStatus.SEALED, AccountEvent.CLOSE_WITHDRAW): AccountStatus.CLOSED_WITHDRAWN,
        (AccountStatus.SEALED, AccountEvent.WITHDRAW): AccountStatus.SEALED,  # a sealed account may still pay out
        (AccountStatus.FROZEN, AccountEvent.UNFREEZE): AccountStatus.NORMAL,
        (AccountStatus.FROZEN, AccountEvent.DEPOSIT): AccountStatus.FROZEN,  # a court freeze blocks payouts, not deposits
    },
)


class RemittanceKind(_Coded):
    REGULAR = ("remittance", "汇缴")
    SUPPLEMENTARY = ("supplementary", "补缴")
    VOLUNTARY = ("voluntary", "自愿缴存")


class RemittanceStatus(_Coded):
    RECORDED = ("RECORDED", "已登记，待缴款")
    COLLECTING = ("COLLECTING", "托收中")
    FUNDED = ("FUNDED", "已到账，待入账")
    POSTED = ("POSTED", "已入账")


class RemittanceEvent(_Coded):
    COLLECT = ("collect", "发起托收")
    COLLECTION_FAILED = ("collection_failed", "托收失败")
    FUND = ("fund", "资金到账")
    POST = ("post", "入账")


# Money first, then accounts: a list is posted to depositors only once its money is in the special account —
# paid by the unit's transfer, or collected from the unit's bank account under a collection agreement (托收).
REMITTANCE_LIFECYCLE: Lifecycle[RemittanceStatus, RemittanceEvent] = Lifecycle(
    "REMITTANCE_STATUS",
    "汇缴",
    {
        (RemittanceStatus.RECORDED, RemittanceEvent.COLLECT): RemittanceStatus.COLLECTING,
        (RemittanceStatus.RECORDED, RemittanceEvent.FUND): RemittanceStatus.FUNDED,
        (RemittanceStatus.COLLECTING, RemittanceEvent.FUND): RemittanceStatus.FUNDED,
        (RemittanceStatus.COLLECTING, RemittanceEvent.COLLECTION_FAILED): RemittanceStatus.RECORDED,
        (RemittanceStatus.FUNDED, RemittanceEvent.POST): RemittanceStatus.POSTED,
    },
)


@dataclass(frozen=True)
class CollectionAgreement:
    """托收协议: the unit authorises the center to collect each month's remittance from its bank account."""

    bank_account: str
    account_name: str
    bank: str
    agreement_no: str
    signed_on: date


class UnitKind(_Coded):
    EMPLOYER = ("employer", "缴存单位")
    VOLUNTARY = ("voluntary", "自愿缴存户")  # one per office: holds the accounts of voluntary depositors


@dataclass
class Unit:
    """缴存单位 (4.0.2) with its account (5.0.2)."""

    unit_account: str  # DWZH 单位账号
    name: str  # DWMC 单位名称
    credit_code: str  # 统一社会信用代码
    org: str  # the office (管理部) that manages the unit
    unit_ratio: Decimal  # DWJCBL
    personal_ratio: Decimal  # GRJCBL
    status: UnitStatus
    opened_on: date  # DWKHRQ
    address: str = ""
    kind: UnitKind = UnitKind.EMPLOYER
    collection: CollectionAgreement | None = None
    version: int = 0


@dataclass
class PersonalAccount:
    """个人账户 (5.0.4) with the person (4.0.3)."""

    account_no: str  # GRZH 个人账号
    unit_account: str  # DWZH
    org: str
    name: str  # XINGMING
    id_number: str  # ZJHM (证件类型 01 居民身份证)
    deposit_base: Decimal  # GRJCJS 个人缴存基数
    status: AccountStatus  # GRZHZT
    opened_on: date  # KHRQ
    balance: Decimal = ZERO  # GRZHYE
    mobile: str = ""
    current_year: Decimal = ZERO  # GRZHDNGJYE 本年归集余额; the rest of the balance is carried over (GRZHSNJZYE)
    interest_settled_on: date | None = None  # the last 30 June whose interest is in the balance
    reserved: Decimal = ZERO  # held for withdrawals awaiting payment (提取待支付): not available, still accruing
    # A closing withdrawal credits interest up to its day (销户结息). If its payment then fails the account stays
    # open, and the next accrual must start from that day, with this year's deposits as they stood then.
    interest_accrued_to: date | None = None
    current_at_accrual: Decimal = ZERO
    version: int = 0

    @property
    def available(self) -> Decimal:
        """可提取余额: the balance less what pending withdrawals hold."""
        return self.balance - self.reserved

    @property
    def carried_over(self) -> Decimal:
        """GRZHSNJZYE 上年结转余额."""
        return self.balance - self.current_year

    def apply(self, event: AccountEvent) -> None:
        self.status = ACCOUNT_LIFECYCLE.next(self.status, event)

    def credit(self, amount: Decimal) -> Decimal:
        if amount <= 0:
            raise BusinessRuleViolation("入账金额必须大于零", code="AMOUNT_NOT_POSITIVE")
        self.apply(AccountEvent.DEPOSIT)
        self.balance += amount
        self.current_year += amount
        return self.balance

    def add_interest(self, interest: Decimal, settled_on: date, rolled_into_carried: Decimal) -> Decimal:
        """结息: the interest joins the balance and this year's deposits roll into the carried-over balance."""
        self.balance += interest
        self.current_year = max(self.current_year - rolled_into_carried, ZERO)
        self.interest_settled_on = settled_on
        self.interest_accrued_to = None
        self.current_at_accrual = ZERO
        return self.balance

    def add_closing_interest(self, interest: Decimal, to: date) -> Decimal:
        """销户结息: interest to ``to`` joins the (carried-over) balance; the year is not rolled."""
        self.balance += interest
        self.interest_accrued_to = to
        self.current_at_accrual = self.current_year
        return self.balance

    def reserve(self, amount: Decimal) -> None:
        if amount <= 0 or amount > self.available:
            raise BusinessRuleViolation("提取金额超过可提取余额", code="WITHDRAWAL_OVER_AVAILABLE")
        self.reserved += amount

    def release(self, amount: Decimal) -> None:
        self.reserved = max(self.reserved - amount, ZERO)

    def debit_reserved(self, amount: Decimal) -> Decimal:
        """A paid withdrawal leaves the account."""
        self.release(amount)
        return self.take_back(amount)

    def take_back(self, amount: Decimal) -> Decimal:
        """Money leaves the account (a payout, a reversal, a merge): from this year's deposits first, as the
        interest engine assumes. Never more than is available."""
        if amount > self.available:
            raise BusinessRuleViolation("金额超过账户可用余额", code="INSUFFICIENT_BALANCE")
        self.balance -= amount
        self.current_year = max(self.current_year - amount, ZERO)
        return self.balance


@dataclass(frozen=True)
class RemittanceLine:
    """One depositor's row of a remittance list (汇缴清册)."""

    account_no: str
    unit_amount: Decimal  # DWYJCE 单位月缴存额
    personal_amount: Decimal  # GRYJCE 个人月缴存额

    @property
    def amount(self) -> Decimal:
        return self.unit_amount + self.personal_amount


@dataclass
class Remittance:
    """汇缴: one unit's deposit for one month (HBJNY 汇补缴年月)."""

    remittance_id: str
    unit_account: str
    org: str
    month: str  # YYYY-MM
    lines: list[RemittanceLine]
    status: RemittanceStatus
    recorded_at: datetime
    posted_at: datetime | None = None
    kind: RemittanceKind = RemittanceKind.REGULAR
    reason: str = ""
    funded_at: datetime | None = None
    bank_serial: str = ""  # the arrival's (or the collection's) bank transaction serial
    funding: str = ""  # "transfer" (the unit paid) | "collection" (托收)
    collection_failure: str = ""
    version: int = 0

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def entry_kind(self) -> EntryKind:
        return EntryKind.SUPPLEMENTARY if self.kind is RemittanceKind.SUPPLEMENTARY else EntryKind.REMITTANCE

    @staticmethod
    def id_for(unit_account: str, month: str) -> str:
        # Deterministic: one remittance per unit and month, so a retried request cannot create a second one.
        return f"RMT-{unit_account}-{month.replace('-', '')}"

    @staticmethod
    def supplementary_id_for(unit_account: str, month: str, account_nos: list[str]) -> str:
        # Deterministic from the unit, the month and who is covered: a retried request finds its twin.
        import hashlib

        digest = hashlib.sha256(",".join(sorted(account_nos)).encode()).hexdigest()[:8]
        return f"SUP-{unit_account}-{month.replace('-', '')}-{digest}"


class EntryKind(str, Enum):
    """个人业务明细类型 (our codes where A.5 is not public: docs/interfaces/basic-data-standard.md)."""

    REMITTANCE = "01"  # 汇缴
    INTEREST = "02"  # 结息
    SUPPLEMENTARY = "03"  # 补缴
    MERGE = "06"  # 合并转移: internal transfer between two accounts of one person (A.5 06 内部转移)
    TRANSFER_OUT = "07"  # 外部转出 (ours: A.5's 07–09 were not found)
    WITHDRAWAL = "11"  # 部分提取 (A.5 code)
    CLOSING_WITHDRAWAL = "12"  # 销户提取 (A.5 code)


@dataclass(frozen=True)
class AccountEntry:
    """个人业务明细 (5.0.5): append-only; a correction is a reversing entry, never an edit."""

    account_no: str
    entry_id: str  # derived from the business id (YWLSH): posting twice is impossible
    business_date: date  # JZRQ 记账日期
    kind: EntryKind
    amount: Decimal  # FSE 发生额 (credit positive)
    balance_after: Decimal
    reference: str  # the business id, e.g. the remittance id
    month: str = ""  # HBJNY for deposits
    description: str = ""


DEPOSIT_KINDS = frozenset({EntryKind.REMITTANCE, EntryKind.SUPPLEMENTARY})


def deposited_months(entries: list[AccountEntry]) -> set[str]:
    """The months (HBJNY) an account holds a deposit for: net of reversals (冲正), so a month whose deposit was
    reversed counts as not deposited."""
    net: dict[str, Decimal] = {}
    for e in entries:
        if e.kind in DEPOSIT_KINDS and e.month:
            net[e.month] = net.get(e.month, ZERO) + e.amount
    return {month for month, amount in net.items() if amount > 0}


# 归集和提取业务类型 (A.5) codes of the non-monetary records we keep; 99 where the standard's code was not found.
BUSINESS_TYPES = {
    "open": "03", "unseal": "04", "seal": "05", "move": "06", "base": "10", "defer": "13",
    "freeze": "14", "unfreeze": "15", "close_withdraw": "12", "close_merge": "06", "close_transfer": "07",
    "collection": "99",
}


@dataclass(frozen=True)
class ChangeRecord:
    """A non-monetary business record of a unit or an account (变更、封存、冻结、基数调整…), append-only."""

    aggregate: str  # "UNIT#<dwzh>" or "ACCOUNT#<grzh>"
    version: int  # the aggregate's version the change produced: orders and identifies the record
    at: datetime
    action: str
    detail: dict[str, str]  # what changed: {"status": "01→02"}, {"deposit_base": "5000.00→5200.00"}…
    reason: str
    actor: str

    @property
    def business_type(self) -> str:
        return BUSINESS_TYPES.get(self.action, "99")
