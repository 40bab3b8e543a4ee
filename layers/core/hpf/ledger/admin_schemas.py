"""HTTP models of the ledger's less frequent routes: maintenance, interest, accounting reports, certificates,
supplementary and voluntary deposits, lists. The routes name them as "hpf.ledger.admin_schemas:Name" so a cold
start answering an everyday query (balance, statement) does not build them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from hpf.ledger.model import ChangeRecord
from hpf.ledger.schemas import (
    AccountView,
    Amount,
    OpenAccountRequest,
    Ratio,
    Reason,
    RemittanceView,
    Text,
    UnitView,
    _Strict,
)
from hpf.observability.masking import mask, mask_text
from hpf.web.schemas import Day, PageQuery, Schema

if TYPE_CHECKING:
    from hpf.ledger.accounting import LedgerCheck, TrialBalance
    from hpf.ledger.certificate import DepositCertificate
    from hpf.ledger.funding import RemittanceReceipt
    from hpf.ledger.model import CollectionAgreement


class UnitListQuery(PageQuery):
    org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = Field(
        None, description="管理部代码；缺省为本人所在机构")


class UnitPage(Schema):
    units: list[UnitView]
    next_page_token: str | None


class MonthQuery(Schema):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(description="缴存年月")


class RemittanceList(Schema):
    remittances: list[RemittanceView] = Field(description="该月的汇缴与补缴清册，按登记先后")


class RegisterVoluntaryRequest(OpenAccountRequest):
    org: Annotated[str, StringConstraints(pattern=r"^\d{6}$")] | None = Field(
        None, description="管理部代码；缺省为经办人所在机构或中心")


class VoluntaryDepositRequest(_Strict):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(description="缴存年月")


class UnitAccountsView(Schema):
    unit_account: str
    accounts: list[AccountView]


class RecordSupplementaryRequest(_Strict):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        description="补缴年月 YYYY-MM（以前月份）")
    account_nos: list[Annotated[str, StringConstraints(pattern=r"^\d{15}$")]] = Field(
        min_length=1, max_length=95, description="补缴职工的个人账号")
    reason: Reason = Field(description="补缴原因（必填）")


class DayQuery(_Strict):
    day: Day = Field(description="业务日期 YYYY-MM-DD")


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
    def of(cls, day: date, tb: TrialBalance) -> TrialBalanceView:
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
    def of(cls, day: date, check: LedgerCheck) -> LedgerCheckView:
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
    def of(cls, r: ChangeRecord) -> ChangeRecordView:
        return cls(version=r.version, at=r.at, action=r.action, business_type=r.business_type,
                   detail=mask(r.detail), reason=r.reason, actor=r.actor)


class HistoryView(Schema):
    records: list[ChangeRecordView]


class InterestQuery(_Strict):
    to: Day = Field(description="计息截止日 YYYY-MM-DD（可为将来日期，用于预计利息）")


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
    def of(cls, c: DepositCertificate) -> DepositCertificateView:
        a = c.account
        return cls(certificate_no=c.certificate_no, as_of=c.as_of, name=a.name, id_number=mask_text(a.id_number),
                   account_no=a.account_no, account_status=a.status.value, account_status_label=a.status.label,
                   opened_on=a.opened_on, unit_account=c.unit.unit_account, unit_name=c.unit.name,
                   deposit_base=a.deposit_base, monthly_unit_amount=c.monthly_unit_amount,
                   monthly_personal_amount=c.monthly_personal_amount, balance=a.balance, first_month=c.first_month,
                   last_month=c.last_month, months_deposited=c.months_deposited,
                   consecutive_months=c.consecutive_months)


class CollectionAgreementRequest(_Strict):
    bank_account: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=40)] = Field(
        description="单位扣款账号（对公）")
    account_name: Text = Field(description="账户名称")
    bank: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60)] = Field(
        description="开户银行")
    agreement_no: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=40)] = Field(
        description="托收协议号（多方协议号）")
    signed_on: date = Field(description="签订日期")
    reason: Annotated[str, StringConstraints(max_length=500)] = ""

    def agreement(self) -> CollectionAgreement:
        from hpf.ledger.model import CollectionAgreement

        return CollectionAgreement(self.bank_account, self.account_name, self.bank, self.agreement_no, self.signed_on)


class EndCollectionRequest(_Strict):
    reason: Reason = Field(description="终止托收的原因")


class FundsRequest(_Strict):
    amount: Amount = Field(description="到账金额（元），须等于清册合计")
    bank_serial: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] = Field(
        description="银行交易流水号")


class CollectionResultRequest(_Strict):
    outcome: Literal["collected", "failed"] = Field(description="collected 托收成功 / failed 托收失败")
    bank_serial: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = ""
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class RemittanceReceiptView(Schema):
    receipt_no: str = Field(description="回单编号")
    kind: str = Field(description="汇缴 / 补缴 / 自愿缴存")
    org: str
    unit_account: str
    unit_name: str
    credit_code: str
    month: str = Field(description="汇补缴年月")
    persons: int = Field(description="人数")
    unit_amount: Decimal = Field(description="单位缴存额合计")
    personal_amount: Decimal = Field(description="个人缴存额合计")
    total: Decimal = Field(description="合计（小写）")
    total_uppercase: str = Field(description="合计（大写）")
    funding: str = Field(description="transfer 转账缴款 / collection 托收")
    bank_serial: str
    funded_at: datetime | None
    posted_at: datetime | None
    issued_on: date

    @classmethod
    def of(cls, r: RemittanceReceipt) -> RemittanceReceiptView:
        m = r.remittance
        return cls(receipt_no=r.receipt_no, kind=m.kind.label, org=m.org, unit_account=r.unit.unit_account,
                   unit_name=r.unit.name, credit_code=r.unit.credit_code, month=m.month, persons=len(m.lines),
                   unit_amount=r.unit_amount, personal_amount=r.personal_amount, total=m.total,
                   total_uppercase=r.total_uppercase, funding=m.funding, bank_serial=m.bank_serial,
                   funded_at=m.funded_at, posted_at=m.posted_at, issued_on=r.issued_on)


class EntryPath(_Strict):
    account_no: Annotated[str, StringConstraints(pattern=r"^\d{15}$")] = Field(description="个人账号（15位）")
    entry_id: Annotated[str, StringConstraints(pattern=r"^(RMT|SUP|VOL)-[0-9A-Za-z-]{6,60}$")] = Field(
        description="要冲正的缴存明细编号（汇缴、补缴、自愿缴存）")


class ReversalRequest(_Strict):
    reason: Reason = Field(description="冲正原因（必填）")


class MergeRequest(_Strict):
    into: Annotated[str, StringConstraints(pattern=r"^\d{15}$")] = Field(description="保留的个人账号")
    reason: Reason = Field(description="合并原因，如证件号码登记错误（必填）")


class MergeView(Schema):
    source: AccountView = Field(description="已合并销户的账户")
    target: AccountView = Field(description="保留的账户")
