"""Request and response models of the ledger's HTTP interface. Money travels as decimal strings ("1234.50")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

from pydantic import ConfigDict, Field, StringConstraints

from hpf.ledger.model import AccountEntry, PersonalAccount, Remittance, Unit

if TYPE_CHECKING:  # only the views' constructors name them; a cold start need not import them
    pass
from hpf.observability.masking import mask_name, mask_text
from hpf.web.schemas import Day, Money, PageQuery, Schema

Ratio = Annotated[Decimal, Field(ge=Decimal("0"), le=Decimal("1"), max_digits=5, decimal_places=4,
                                 allow_inf_nan=False, description="比例，如 0.12 表示 12%")]
Amount = Money
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
    collection_agreement_no: str | None = Field(description="托收协议号；无则由单位转账缴款")

    @classmethod
    def of(cls, unit: Unit) -> UnitView:
        return cls(unit_account=unit.unit_account, name=unit.name, credit_code=unit.credit_code, org=unit.org,
                   unit_ratio=unit.unit_ratio, personal_ratio=unit.personal_ratio, status=unit.status.value,
                   status_label=unit.status.label, opened_on=unit.opened_on,
                   collection_agreement_no=unit.collection.agreement_no if unit.collection else None)


class OpenAccountRequest(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        description="姓名")
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=18, max_length=18)] = Field(
        description="居民身份证号码")
    deposit_base: Amount = Field(description="个人缴存基数 GRJCJS（元）")
    mobile: Annotated[str, StringConstraints(pattern=r"^1[3-9]\d{9}$")] | None = None


class AccountView(Schema):
    account_no: str = Field(description="个人账号 GRZH")
    unit_account: str
    name: str = Field(description="姓名（脱敏）")
    id_number: str = Field(description="证件号码（脱敏）")
    deposit_base: Decimal
    status: str = Field(description="个人账户状态 GRZHZT（A.6）")
    status_label: str
    balance: Decimal = Field(description="账户余额 GRZHYE（元）")
    available: Decimal = Field(description="可提取余额：余额减去待支付提取（元）")
    opened_on: date

    @classmethod
    def of(cls, account: PersonalAccount) -> AccountView:
        return cls(account_no=account.account_no, unit_account=account.unit_account, name=mask_name(account.name),
                   id_number=mask_text(account.id_number), deposit_base=account.deposit_base,
                   status=account.status.value, status_label=account.status.label, balance=account.balance,
                   available=account.available, opened_on=account.opened_on)


class RecordRemittanceRequest(_Strict):
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = Field(
        description="汇缴年月 YYYY-MM")


class RemittanceLineView(Schema):
    account_no: str
    unit_amount: Decimal
    personal_amount: Decimal


class RemittanceView(Schema):
    remittance_id: str
    kind: str = Field(description="remittance 汇缴 / supplementary 补缴")
    unit_account: str
    month: str
    status: str = Field(description="RECORDED 待缴款 / COLLECTING 托收中 / FUNDED 已到账 / POSTED 已入账")
    status_label: str
    total: Decimal
    lines: list[RemittanceLineView]
    recorded_at: datetime
    funded_at: datetime | None
    bank_serial: str
    collection_failure: str
    posted_at: datetime | None

    @classmethod
    def of(cls, r: Remittance) -> RemittanceView:
        return cls(remittance_id=r.remittance_id, kind=r.kind.value, unit_account=r.unit_account, month=r.month,
                   status=r.status.value, status_label=r.status.label, total=r.total, recorded_at=r.recorded_at,
                   funded_at=r.funded_at, bank_serial=r.bank_serial, collection_failure=r.collection_failure,
                   posted_at=r.posted_at,
                   lines=[RemittanceLineView(account_no=ln.account_no, unit_amount=ln.unit_amount,
                                             personal_amount=ln.personal_amount) for ln in r.lines])


class StatementQuery(PageQuery):
    start: Day | None = Field(None, description="开始日期 YYYY-MM-DD")
    end: Day | None = Field(None, description="结束日期 YYYY-MM-DD")


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
    def of(cls, e: AccountEntry) -> EntryView:
        return cls(entry_id=e.entry_id, business_date=e.business_date, kind=e.kind.value, amount=e.amount,
                   balance_after=e.balance_after, reference=e.reference, month=e.month, description=e.description)


class StatementView(Schema):
    account_no: str
    entries: list[EntryView]
    next_page_token: str | None
