"""HTTP models of developer and project registration and the developer hall."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints

from hpf.lending.developers import Developer, Project, Verification, verification_dict
from hpf.web.schemas import Schema

CreditCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
Permit = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z-]{4,40}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
AuthorizationId = Annotated[str, StringConstraints(pattern=r"^DSA-[0-9a-f]{24}$")]


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class DeveloperPath(_Strict):
    credit_code: CreditCode = Field(description="开发商统一社会信用代码")


class AccountIn(_Strict):
    bank: Annotated[str, StringConstraints(pattern=r"^\d{3}$")] = Field(description="开户银行代码")
    account_no: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{8,32}$")]
    account_name: Text


class DeveloperRegistration(_Strict):
    credit_code: CreditCode
    name: Text
    legal_representative: Text
    address: Text
    accounts: list[AccountIn] = Field(min_length=1, max_length=20, description="资金监管账户")
    authorization_id: AuthorizationId = Field(description="开发商的数据查询授权（用途含 developer_registration）")


class ConfirmationBody(_Strict):
    materials_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)] = \
        Field(description="已归档的纸质材料扫描件的档案文件键")


class ProjectRegistration(_Strict):
    name: Text
    location: Text
    presale_permit: Permit = Field(description="商品房预售许可证号（项目编号）")
    planning_permit: Permit = Field(description="建设工程规划许可证号")
    land_planning_permit: Permit = Field(description="建设用地规划许可证号")
    construction_permit: Permit = Field(description="建筑工程施工许可证号")
    authorization_id: AuthorizationId = Field(description="以预售许可证号为对象的数据查询授权（用途 project_registration）")


class VerificationView(Schema):
    online: bool = Field(description="共享数据核验通过")
    paper: list[str]
    differences: list[dict[str, str]]
    query_ids: dict[str, str]
    confirmed_by: str
    materials_reference: str

    @classmethod
    def of(cls, v: Verification) -> VerificationView:
        return cls(**verification_dict(v))


class AccountView(Schema):
    bank: str
    account_no: str
    account_name: str


class DeveloperView(Schema):
    credit_code: str
    name: str
    legal_representative: str
    address: str
    accounts: list[AccountView]
    status: str
    status_label: str
    registered_on: date
    verification: VerificationView

    @classmethod
    def of(cls, d: Developer) -> DeveloperView:
        return cls(credit_code=d.credit_code, name=d.name, legal_representative=d.legal_representative,
                   address=d.address, accounts=[AccountView(bank=a.bank, account_no=a.account_no,
                                                            account_name=a.account_name) for a in d.accounts],
                   status=d.status.value, status_label=d.status.label, registered_on=d.registered_on,
                   verification=VerificationView.of(d.verification))


class ProjectView(Schema):
    project_id: str
    name: str
    location: str
    planning_permit: str
    land_planning_permit: str
    construction_permit: str
    supervised_account: str
    status: str
    status_label: str
    registered_on: date
    verification: VerificationView

    @classmethod
    def of(cls, p: Project) -> ProjectView:
        return cls(project_id=p.project_id, name=p.name, location=p.location, planning_permit=p.planning_permit,
                   land_planning_permit=p.land_planning_permit, construction_permit=p.construction_permit,
                   supervised_account=p.supervised_account, status=p.status.value, status_label=p.status.label,
                   registered_on=p.registered_on, verification=VerificationView.of(p.verification))


class ProjectList(Schema):
    projects: list[ProjectView]


class BuyerLoanView(Schema):
    """A buyer's loan as the developer sees it: the buyer's name masked, the amount and where it stands."""

    account_no: str = Field(description="收款的资金监管账户")
    loan_no: str
    contract_no: str
    borrower_name: str
    principal: str
    status: str
    status_label: str
    disbursed_on: date | None
    house_address: str


class BuyerLoanList(Schema):
    loans: list[BuyerLoanView]
    total_disbursed: str = Field(description="已发放至监管账户的贷款合计（元）")


def buyer_loan(account_no: str, loan: Any) -> BuyerLoanView:
    from hpf.observability.masking import mask_name

    return BuyerLoanView(account_no=account_no, loan_no=loan.loan_no, contract_no=loan.contract_no,
                         borrower_name=mask_name(loan.borrower.name), principal=f"{loan.principal:.2f}",
                         status=loan.status.value, status_label=loan.status.label, disbursed_on=loan.disbursed_on,
                         house_address=loan.house_address)
