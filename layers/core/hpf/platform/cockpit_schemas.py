"""HTTP models of the leader cockpit (领导驾驶舱). Named lazily by the route: only a cockpit request builds them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import ConfigDict, Field

from hpf.web.schemas import Schema

if TYPE_CHECKING:
    from hpf.analytics.cockpit import CockpitFigures
    from hpf.platform.cockpit import CockpitService


class CockpitQuery(Schema):
    model_config = ConfigDict(extra="forbid")
    months: int = Field(12, ge=1, le=60, description="决策层的月份数（截至快照所在月）")


class MonthView(Schema):
    month: str = Field(description="年月 YYYY-MM")
    deposits: Decimal = Field(description="缴存额（汇缴、补缴）")
    withdrawals: Decimal = Field(description="提取额")
    loans_disbursed: Decimal = Field(description="贷款发放额")
    loans_recovered: Decimal = Field(description="回收贷款本金")
    fund_balance: Decimal = Field(description="月末缴存余额（科目201）")
    loans_outstanding: Decimal = Field(description="月末贷款余额（科目121）")
    loan_ratio: Decimal | None = Field(description="个贷率：贷款余额 / 缴存余额")


class ReasonView(Schema):
    month: str
    reason_code: str = Field(description="提取原因 TQYY")
    reason: str = Field(description="提取原因名称")
    count: int
    amount: Decimal


class OfficeView(Schema):
    org: str
    org_name: str
    units: int
    depositors: int = Field(description="正常缴存人数")
    fund_balance: Decimal = Field(description="个人账户余额合计")
    deposits: Decimal = Field(description="本月缴存额")
    withdrawals: Decimal = Field(description="本月提取额")


class WorkView(Schema):
    org: str
    org_name: str
    accounts_opened: int = Field(description="本月个人开户数")
    units_opened: int = Field(description="本月单位开户数")
    deposits_posted: int = Field(description="本月缴存入账笔数")
    withdrawals_requested: int = Field(description="本月提取申请笔数")
    withdrawals_paid: int
    withdrawals_failed: int
    withdrawals_pending: int


class CockpitView(Schema):
    as_of: date = Field(description="数据截至（快照的业务日期）")
    months: list[MonthView] = Field(description="决策层：逐月")
    reasons: list[ReasonView] = Field(description="管理层：按提取原因")
    offices: list[OfficeView] = Field(description="管理层：按管理部（快照所在月）")
    work: list[WorkView] = Field(description="执行层：各管理部本月业务量")

    @classmethod
    def of(cls, f: CockpitFigures, service: CockpitService) -> CockpitView:
        office = service.office_names
        return cls(
            as_of=f.as_of,
            months=[MonthView(**m.__dict__, loan_ratio=m.loan_ratio) for m in f.months],
            reasons=[ReasonView(month=r.month, reason_code=r.reason_code,
                                reason=service.reason_names.get(r.rule, r.rule), count=r.count, amount=r.amount)
                     for r in f.reasons],
            offices=[OfficeView(**o.__dict__, org_name=office.get(o.org, o.org)) for o in f.offices],
            work=[WorkView(**w.__dict__, org_name=office.get(w.org, w.org)) for w in f.work])
