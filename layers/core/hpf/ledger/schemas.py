"""Request and response models of the ledger's HTTP interface. Money travels as decimal strings ("1234.50")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from hpf.ledger.model import AccountEntry, ChangeRecord, PersonalAccount, Remittance, Unit

if TYPE_CHECKING:  # only the views' constructors name them; a cold start need not import them
    from hpf.ledger.accounting import LedgerCheck, TrialBalance
    from hpf.ledger.certificate import DepositCertificate
from hpf.observability.masking import mask, mask_name, mask_text
from hpf.web.schemas import PageQuery, Schema

Ratio = Annotated[Decimal, Field(ge=Decimal("0"), le=Decimal("1"), decimal_places=4,
                                 description="比例，如 0.12 表示 12%")]
Amount = Annotated[Decimal, Field(gt=Decimal("0"), decimal_places=2, description="金额（元），最多两位小数")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class UnitPath(_Strict):
    unit_account: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] = Field(description="单位账号（12位）")


class AccountPath(_Strict):
    account_no: Annotated[str, StringConstraints(pattern=r"^\d{15}$")] = Field(description="个人账号（15位）")


class RemittancePath(_Strict):
    remittance_id: Annotated[str, StringConstraints(
        pattern=r"^(RMT-\d{12}-\d{6}|SUP-\d{12}-\d{6}-[0-9a-f]{8}|VOL-\d{15}-\d{6})$")] = Field(
        description="汇缴 RMT-<单位账号>-<年月>，补缴 SUP-<单位账号>-<年月>-<名单摘要>，自愿缴存 VOL-<个人账号>-<年月>")


class RegisterUnitRequest(_Strict):
    name: Text = Field(description="单位名称 DWMC")
    credit_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=18, max_length=18)] = Field(
        description="统一社会信用代码")
    unit_ratio: Ratio = Field(description="单位缴存比例 DWJCBL")
    personal_ratio: Ratio = Field(description="个人缴存比例 GRJCBL")
    org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = Field(
        None, description="管理部代码；缺省为经办人所在机构")
    address: Annotated[str, StringConstraints(max_length=255)] = ""


class UnitView(Schema):
    unit_account: str = Field(description="单位账号 DWZH")
    name: str
    credit_code: str
    org: str
    unit_ratio: Decimal
    personal_ratio: Decimal
    status: str = Field(description="单位账户状态 DWZHZT（A.4）")
    status_label: str
    opened_on: date

    @classmethod
    def of(cls, unit: Unit) -> "UnitView":
        return cls(unit_account=unit.unit_account, name=unit.name, credit_code=unit.credit_code, org=unit.org,
                   unit_ratio=unit.unit_ratio, personal_ratio=unit.personal_ratio, status=unit.status.value,
                   status_label=unit.status.label, opened_on=unit.opened_on)


class UnitListQuery(PageQuery):
    org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = Field(
        None, description="管理部代码；缺省为本人所在机构")


class UnitPage(Schema):
    units: list[UnitView]
    next_page_token: str | None


class OpenAccountRequest(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        description="姓名")
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=18, max_length=18)] = Field(
        description="居民身份证号码")
    deposit_base: Amount = Field(description="个人缴存基数 GRJCJS（元）")
    mobile: Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")] | None = None


class RegisterVoluntaryRequest(OpenAccountRequest):
    org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = Field(
        None, description="管理部代码；缺省为经办人所在机构或中心")


class VoluntaryDepositRequest(_Strict):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(description="缴存年月")


class AccountView(Schema):
    account_no: str = Field(description="个人账号 GRZH")
    unit_account: str
    name: str = Field(description="姓名（脱敏）")
    id_number: str = Field(description="证件号码（脱敏）")
    deposit_base: Decimal
    status: str = Field(description="个人账户状态 GRZHZT（A.6）")
    status_label: str
    balance: Decimal = Field(description="账户余额 GRZHYE（元）")
    opened_on: date

    @classmethod
    def of(cls, account: PersonalAccount) -> "AccountView":
        return cls(account_no=account.account_no, unit_account=account.unit_account, name=mask_name(account.name),
                   id_number=mask_text(account.id_number), deposit_base=account.deposit_base,
                   status=account.status.value, status_label=account.status.label, balance=account.balance,
                   opened_on=account.opened_on)


class UnitAccountsView(Schema):
    unit_account: str
    accounts: list[AccountView]


class RecordRemittanceRequest(_Strict):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        description="汇缴年月 YYYY-MM")


class RecordSupplementaryRequest(_Strict):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        description="补缴年月 YYYY-MM（以前月份）")
    account_nos: list[Annotated[str, StringConstraints(pattern=r"^\d{15}$")]] = Field(
        min_length=1, max_length=95, description="补缴职工的个人账号")
    reason: Reason = Field(description="补缴原因（必填）")


class RemittanceLineView(Schema):
    account_no: str
    unit_amount: Decimal
    personal_amount: Decimal


class RemittanceView(Schema):
    remittance_id: str
    kind: str = Field(description="remittance 汇缴 / supplementary 补缴")
    unit_account: str
    month: str
    status: str
    total: Decimal
    lines: list[RemittanceLineView]
    recorded_at: datetime
    posted_at: datetime | None

    @classmethod
    def of(cls, r: Remittance) -> "RemittanceView":
        return cls(remittance_id=r.remittance_id, kind=r.kind.value, unit_account=r.unit_account, month=r.month,
                   status=r.status.value,
                   total=r.total, recorded_at=r.recorded_at, posted_at=r.posted_at,
                   lines=[RemittanceLineView(account_no=l.account_no, unit_amount=l.unit_amount,
                                             personal_amount=l.personal_amount) for l in r.lines])


class StatementQuery(PageQuery):
    start: date | None = Field(None, description="开始日期 YYYY-MM-DD")
    end: date | None = Field(None, description="结束日期 YYYY-MM-DD")


class EntryView(Schema):
    entry_id: str
    business_date: date
    kind: str
    amount: Decimal
    balance_after: Decimal
    reference: str
    month: str
    description: str

    @classmethod
    def of(cls, e: AccountEntry) -> "EntryView":
        return cls(entry_id=e.entry_id, business_date=e.business_date, kind=e.kind.value, amount=e.amount,
                   balance_after=e.balance_after, reference=e.reference, month=e.month, description=e.description)


class StatementView(Schema):
    account_no: str
    entries: list[EntryView]
    next_page_token: str | None


class DayQuery(_Strict):
    day: date = Field(description="业务日期 YYYY-MM-DD")


class TrialBalanceRowView(Schema):
    subject: str = Field(description="科目代码")
    name: str
    debit: Decimal = Field(description="借方发生额")
    credit: Decimal = Field(description="贷方发生额")
    balance: Decimal = Field(description="按科目余额方向的净发生额")


class TrialBalanceView(Schema):
    day: date
    entries: int
    rows: list[TrialBalanceRowView]
    total_debit: Decimal
    total_credit: Decimal
    balanced: bool

    @classmethod
    def of(cls, day: date, tb: TrialBalance) -> "TrialBalanceView":
        return cls(day=day, entries=tb.entries, total_debit=tb.total_debit, total_credit=tb.total_credit,
                   balanced=tb.balanced,
                   rows=[TrialBalanceRowView(subject=r.subject.code, name=r.subject.name, debit=r.debit,
                                             credit=r.credit, balance=r.balance) for r in tb.rows])


class LedgerDifferenceView(Schema):
    account_no: str
    business: Decimal = Field(description="业务帐发生额")
    financial: Decimal = Field(description="财务帐（201科目明细）发生额")


class LedgerCheckView(Schema):
    day: date
    agrees: bool = Field(description="账账相符")
    business_total: Decimal
    financial_total: Decimal
    differences: list[LedgerDifferenceView]

    @classmethod
    def of(cls, day: date, check: LedgerCheck) -> "LedgerCheckView":
        return cls(day=day, agrees=check.agrees, business_total=check.business_total,
                   financial_total=check.financial_total,
                   differences=[LedgerDifferenceView(account_no=a, business=b, financial=f)
                                for a, (b, f) in check.differences.items()])




class ChangeUnitRequest(_Strict):
    name: Text | None = Field(None, description="单位名称")
    address: Annotated[str, StringConstraints(max_length=255)] | None = None
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class SetRatiosRequest(_Strict):
    unit_ratio: Ratio
    personal_ratio: Ratio
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class UnitStatusEventRequest(_Strict):
    event: Literal["defer", "end_deferral", "seal", "unseal", "close"] = Field(
        description="defer 缓缴, end_deferral 缓缴结束, seal 封存, unseal 启封, close 销户")
    reason: Reason = Field(description="办理原因（必填）")


class ChangeAccountRequest(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] | None = None
    mobile: Annotated[str, StringConstraints(max_length=20)] | None = None
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class AdjustBaseRequest(_Strict):
    deposit_base: Amount = Field(description="新的个人缴存基数（元）")
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class AccountStatusEventRequest(_Strict):
    event: Literal["seal", "unseal", "freeze", "unfreeze"] = Field(
        description="seal 封存, unseal 启封, freeze 冻结, unfreeze 解冻")
    reason: Reason = Field(description="办理原因或法律文书编号（必填）")


class MoveAccountRequest(_Strict):
    to_unit: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] = Field(description="调入单位账号")
    reason: Annotated[str, StringConstraints(max_length=500)] = ""


class ChangeRecordView(Schema):
    version: int
    at: datetime
    action: str
    business_type: str = Field(description="归集和提取业务类型（A.5；未公开的为99）")
    detail: dict[str, str]
    reason: str
    actor: str

    @classmethod
    def of(cls, r: ChangeRecord) -> "ChangeRecordView":
        return cls(version=r.version, at=r.at, action=r.action, business_type=r.business_type,
                   detail=mask(r.detail), reason=r.reason, actor=r.actor)


class HistoryView(Schema):
    records: list[ChangeRecordView]


class InterestQuery(_Strict):
    to: date = Field(description="计息截止日 YYYY-MM-DD（可为将来日期，用于预计利息）")


class AccrualView(Schema):
    account_no: str
    start: date = Field(description="起息日（上次结息日或开户日）")
    end: date
    carried_product: Decimal = Field(description="上年结转余额积数（元·天）")
    current_product: Decimal = Field(description="本年归集余额积数（元·天）")
    interest: Decimal = Field(description="应计利息（元，四舍五入到分）")


class SettleInterestRequest(_Strict):
    settlement: date = Field(description="结息日（6月30日）")


class UnitSettlementView(Schema):
    unit_account: str
    settlement: date
    settled: int = Field(description="本次结息的账户数")
    already: int = Field(description="此前已结息或已销户的账户数")
    total_interest: Decimal


class DepositCertificateView(Schema):
    certificate_no: str = Field(description="证明编号（同一账户同一天重复开具编号不变）")
    as_of: date
    name: str = Field(description="姓名")
    id_number: str = Field(description="证件号码（脱敏）")
    account_no: str
    account_status: str
    account_status_label: str
    opened_on: date
    unit_account: str
    unit_name: str
    deposit_base: Decimal
    monthly_unit_amount: Decimal = Field(description="单位月缴存额")
    monthly_personal_amount: Decimal = Field(description="个人月缴存额")
    balance: Decimal
    first_month: str | None = Field(description="首次缴存年月")
    last_month: str | None = Field(description="最近缴存年月")
    months_deposited: int = Field(description="累计缴存月数")
    consecutive_months: int = Field(description="连续缴存月数（截至最近缴存年月）")

    @classmethod
    def of(cls, c: "DepositCertificate") -> "DepositCertificateView":
        a = c.account
        return cls(certificate_no=c.certificate_no, as_of=c.as_of, name=a.name, id_number=mask_text(a.id_number),
                   account_no=a.account_no, account_status=a.status.value, account_status_label=a.status.label,
                   opened_on=a.opened_on, unit_account=c.unit.unit_account, unit_name=c.unit.name,
                   deposit_base=a.deposit_base, monthly_unit_amount=c.monthly_unit_amount,
                   monthly_personal_amount=c.monthly_personal_amount, balance=a.balance, first_month=c.first_month,
                   last_month=c.last_month, months_deposited=c.months_deposited,
                   consecutive_months=c.consecutive_months)
