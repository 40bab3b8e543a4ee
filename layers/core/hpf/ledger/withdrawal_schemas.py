"""HTTP models of withdrawals (提取). Named lazily by the routes ("hpf.ledger.withdrawal_schemas:Name"): a cold
start answering a balance query does not build them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from hpf.ledger.schemas import Amount, Text, _Strict
from hpf.observability.masking import mask_name, mask_text
from hpf.web.schemas import Day, Schema

if TYPE_CHECKING:
    from hpf.ledger.withdrawal import Withdrawal
    from hpf.ledger.withdrawal_rules import WithdrawalRule
    from hpf.ledger.withdrawal_service import RequestWithdrawal

Code = Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")]


class WithdrawalPath(_Strict):
    withdrawal_id: Annotated[str, StringConstraints(pattern=r"^WDR-\d{15}-[A-Za-z0-9-]{8,40}$")] = Field(
        description="提取业务号 WDR-<个人账号>-<业务请求号>")


class PayeeIn(_Strict):
    card_no: Annotated[str, StringConstraints(strip_whitespace=True, min_length=12, max_length=23)] = Field(
        description="收款银行卡号")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)] = Field(
        description="收款人姓名：职工本人；死亡提取为继承人")
    bank: Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)] = Field(
        description="收款银行（行号或名称）")
    id_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=18, max_length=18)] | None = Field(
        None, description="继承人身份证号（死亡提取必填）")


class MaterialIn(_Strict):
    code: Code = Field(description="材料代码（见提取规则）")
    reference: Annotated[str, StringConstraints(max_length=120)] = Field("", description="档案号或电子证照编号")


class EvidenceIn(_Strict):
    reference: Text = Field(description="凭证号码：合同备案号、不动产权证号、借款合同号、发票号…")
    amount: Amount = Field(description="凭证金额：房价、费用、贷款余额、租金（元）")
    issued_on: Day = Field(description="凭证日期")


class WithdrawalRequest(_Strict):
    request_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,40}$")] = Field(
        description="业务请求号：同一请求重复提交只受理一次")
    reason: Code = Field(description="提取原因（规则代码，如 purchase_commercial、retirement）")
    closing: bool = Field(False, description="是否销户提取（提取全部余额及利息）")
    amount: Amount | None = Field(None, description="提取金额（元）；销户提取不填")
    payee: PayeeIn
    materials: list[MaterialIn] = Field(max_length=30, description="已收取的材料")
    evidence: EvidenceIn | None = None

    def command(self) -> RequestWithdrawal:
        from hpf.ledger.withdrawal import Material, PayeeAccount
        from hpf.ledger.withdrawal_rules import Evidence
        from hpf.ledger.withdrawal_service import RequestWithdrawal

        e, p = self.evidence, self.payee
        return RequestWithdrawal(
            request_id=self.request_id, rule=self.reason, closing=self.closing, amount=self.amount,
            payee=PayeeAccount(p.card_no, p.name, p.bank, p.id_number or ""),
            materials=[Material(m.code, m.reference) for m in self.materials],
            evidence=Evidence(e.reference, e.amount, e.issued_on) if e else None,
        )


class PaymentResultRequest(_Strict):
    outcome: Literal["paid", "failed"] = Field(description="paid 支付成功 / failed 支付失败")
    bank_serial: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] = Field(
        "", description="银行交易流水号（支付成功必填）")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = Field(
        "", description="失败原因")


class WithdrawalView(Schema):
    withdrawal_id: str
    account_no: str
    reason: str = Field(description="提取原因规则代码")
    reason_code: str = Field(description="提取原因 TQYY（A.7，10–13 为本中心扩展）")
    closing: bool
    amount: Decimal = Field(description="提取金额（含销户利息）")
    closing_interest: Decimal
    status: str = Field(description="提取状态：01 待支付、02 已支付、03 支付失败")
    status_label: str
    payee_name: str = Field(description="收款人（脱敏）")
    payee_card: str = Field(description="收款卡号（脱敏）")
    requested_on: date
    channel: str
    bank_serial: str
    settled_at: datetime | None
    failure_reason: str

    @classmethod
    def of(cls, w: Withdrawal) -> WithdrawalView:
        return cls(withdrawal_id=w.withdrawal_id, account_no=w.account_no, reason=w.rule, reason_code=w.reason_code,
                   closing=w.closing, amount=w.amount, closing_interest=w.closing_interest, status=w.status.value,
                   status_label=w.status.label, payee_name=mask_name(w.payee.name),
                   payee_card=mask_text(w.payee.card_no), requested_on=w.requested_on, channel=w.channel,
                   bank_serial=w.bank_serial, settled_at=w.settled_at, failure_reason=w.failure_reason)


class WithdrawalList(Schema):
    account_no: str
    withdrawals: list[WithdrawalView]


class RuleView(Schema):
    reason: str
    reason_code: str
    name: str
    mode: str = Field(description="partial 部分提取 / closing 销户提取 / either 均可")
    materials: list[dict[str, str]] = Field(description="所需材料：code 代码、name 名称、licence 可调用的电子证照类型"
                                                        "（空：提交扫描件或编号）")
    online: bool = Field(description="可否在APP、网厅办理")
    per_year: int | None
    cap: Decimal | None
    yearly_cap: Decimal | None
    evidence_within_months: int | None
    deposit_months: int
    sealed_months: int
    scenario: str = Field(description="核验该提取原因的共享数据场景（空：无）；免交的材料以核验的查询编号（DSQ-…）为凭")

    @classmethod
    def of(cls, rule: WithdrawalRule, catalogue: dict[str, str], licences: dict[str, str]) -> RuleView:
        return cls(reason=rule.key, reason_code=rule.code, name=rule.name, mode=rule.mode.value,
                   materials=[{"code": m, "name": catalogue[m], "licence": licences.get(m, "")}
                              for m in rule.materials],
                   online="online" in rule.channels, per_year=rule.per_year, cap=rule.cap,
                   yearly_cap=rule.yearly_cap, evidence_within_months=rule.evidence_within_months,
                   deposit_months=rule.deposit_months, sealed_months=rule.sealed_months, scenario=rule.scenario)


class RuleList(Schema):
    rules: list[RuleView]
