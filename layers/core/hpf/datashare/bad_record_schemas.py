"""HTTP models of 不良信息处理 and 电子信息上报."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from hpf.datashare.bad_records import ACTIONS, KINDS, STATES, BadRecord, ReportRun
from hpf.observability.masking import mask_name
from hpf.web.schemas import Money, Schema

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=200)]


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class BadRecordBody(_Strict):
    kind: Literal["unit_arrears", "fraudulent_withdrawal", "loan_default"] = Field(
        description="; ".join(f"{k} {v[1]}" for k, v in KINDS.items()))
    subject_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z]{15,18}$")] = Field(
        description="身份证号码（个人）或统一社会信用代码（单位）")
    subject_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
    business_id: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z_.-]{3,60}$")] = Field(
        description="所依据的业务：单位账号、提取业务编号或贷款编号")
    amount: Money = Field(description="涉及金额（欠缴、骗提或逾期金额）")
    evidence_reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)] = Field(
        description="证据材料在电子档案中的文件键")
    reason: Reason


class BadRecordPath(_Strict):
    record_id: Annotated[str, StringConstraints(pattern=r"^BAD-[0-9A-F]{16}$")]


class DecisionBody(_Strict):
    action: Literal["approve", "reject", "object", "uphold", "withdraw", "repair"] = Field(
        description="; ".join(f"{k} {v}" for k, v in ACTIONS.items()))
    reason: Reason


class BadRecordQuery(_Strict):
    state: Literal["recorded", "approved", "objected", "withdrawn", "repaired"] = "recorded"


class StepView(Schema):
    action: str
    action_name: str
    by_name: str
    at: datetime
    reason: str


class BadRecordView(Schema):
    record_id: str
    kind: str
    kind_name: str
    subject_kind: str
    subject_id: str = Field(description="证件号码（脱敏）")
    subject_name: str = Field(description="名称（个人脱敏）")
    business_id: str
    amount: str
    evidence_reference: str
    state: str
    state_name: str
    decided_on: date | None
    published: bool = Field(description="信用平台是否正在公示（以回执为准）")
    owed: str | None = Field(description="待上报：publish 公示，remove 撤销公示")
    report_state: str | None = Field(description="pending 待上报，unknown 已发送未获回执（下次原样重发）")
    receipt: str
    report_error: str
    steps: list[StepView]

    @classmethod
    def of(cls, r: BadRecord) -> BadRecordView:
        masked_id = r.subject_id[:4] + "*" * (len(r.subject_id) - 8) + r.subject_id[-4:]
        return cls(record_id=r.record_id, kind=r.kind, kind_name=KINDS[r.kind][1], subject_kind=r.subject_kind,
                   subject_id=masked_id,
                   subject_name=mask_name(r.subject_name) if r.subject_kind == "person" else r.subject_name,
                   business_id=r.business_id, amount=str(r.amount), evidence_reference=r.evidence_reference,
                   state=r.state, state_name=STATES[r.state], decided_on=r.decided_on, published=r.published,
                   owed=r.owed, report_state=r.report_state, receipt=r.receipt, report_error=r.report_error,
                   steps=[StepView(action=s.action, action_name=ACTIONS.get(s.action, "登记"), by_name=s.by_name,
                                   at=s.at, reason=s.reason) for s in r.steps])


class BadRecordList(Schema):
    records: list[BadRecordView]


class ReportRunView(Schema):
    sent: int
    accepted: int
    rejected: int
    unknown: int = Field(description="已发送未获回执：下次上报原样重发")
    failed: str = Field(description="整批未被接收的原因（数据源不可用等）")
    errors: dict[str, str]

    @classmethod
    def of(cls, run: ReportRun) -> ReportRunView:
        return cls(sent=run.sent, accepted=run.accepted, rejected=run.rejected, unknown=run.unknown,
                   failed=run.failed, errors=run.errors)
