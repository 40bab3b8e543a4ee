"""Vouchers from the core ledger, through its services — so the ledger's own access rules decide who may have
which voucher (a depositor their own account, a unit agent their unit's lists, staff their office)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, ValidationFailed
from hpf.common.money import to_money
from hpf.common.paging import PageRequest
from hpf.identity.principal import Principal
from hpf.identity.roles import organisations
from hpf.observability.masking import mask_text
from hpf.seal.vouchers import Table, Voucher, VoucherKind, voucher_no

ENTRY_LABELS = {"01": "汇缴", "02": "结息", "03": "补缴", "06": "合并转移", "07": "外部转出", "11": "部分提取",
                "12": "销户提取"}
_FUNDED = {"FUNDED", "POSTED"}


class LedgerVoucherSource:
    def __init__(self, ledger: Any, funding: Any, withdrawals: Any, clock: Clock):
        self._ledger = ledger
        self._funding = funding
        self._withdrawals = withdrawals
        self._clock = clock

    def voucher(self, kind: VoucherKind, reference: str, actor: Principal, year: int | None = None) -> Voucher:
        if kind is VoucherKind.REMITTANCE_RECEIPT:
            return self._remittance_receipt(reference, actor)
        if kind is VoucherKind.PAYMENT_CONFIRMATION:
            return self._payment_confirmation(reference, actor)
        if kind is VoucherKind.DEPOSIT_STATEMENT:
            return self._deposit_statement(reference, actor, year)
        if kind is VoucherKind.WITHDRAWAL_VOUCHER:
            return self._withdrawal_voucher(reference, actor)
        raise ValidationFailed(f"不支持的凭证类型：{kind}", code="VOUCHER_KIND_UNKNOWN")

    # -- 汇补缴回单 (8.1.1) ------------------------------------------------------------------------------
    def _remittance_receipt(self, remittance_id: str, actor: Principal) -> Voucher:
        r = self._funding.receipt(remittance_id, actor)  # refuses a list not yet posted
        m, unit = r.remittance, r.unit
        return Voucher(
            voucher_no=voucher_no(VoucherKind.REMITTANCE_RECEIPT, m.remittance_id), kind=VoucherKind.REMITTANCE_RECEIPT,
            org=m.org, org_name=org_name(m.org), business_id=m.remittance_id, subject=unit.unit_account,
            subject_name=unit.name, issued_on=r.issued_on,
            fields=(("单位名称", unit.name), ("单位账号", unit.unit_account), ("统一社会信用代码", unit.credit_code),
                    ("缴存类型", m.kind.label), ("汇补缴年月", m.month), ("缴存人数", str(len(m.lines))),
                    ("单位缴存额合计", yuan(r.unit_amount)), ("个人缴存额合计", yuan(r.personal_amount)),
                    ("缴款方式", "托收" if m.funding == "collection" else "转账缴款"),
                    ("银行流水号", m.bank_serial or "—"), ("到账时间", _moment(m.funded_at)),
                    ("入账时间", _moment(m.posted_at))),
            amount_label="合计金额", amount=m.total)

    # -- 缴款确认单 (S.8.3) -------------------------------------------------------------------------------
    def _payment_confirmation(self, remittance_id: str, actor: Principal) -> Voucher:
        m = self._ledger.get_remittance(remittance_id, actor)
        if m.status.value not in _FUNDED:
            raise BusinessRuleViolation("该笔缴款尚未到账，不能出具缴款确认单", code="PAYMENT_NOT_ARRIVED")
        unit = self._ledger.get_unit(m.unit_account, actor)
        return Voucher(
            voucher_no=voucher_no(VoucherKind.PAYMENT_CONFIRMATION, m.remittance_id),
            kind=VoucherKind.PAYMENT_CONFIRMATION, org=m.org, org_name=org_name(m.org), business_id=m.remittance_id,
            subject=unit.unit_account, subject_name=unit.name, issued_on=business_date(self._clock),
            fields=(("缴款单位", unit.name), ("单位账号", unit.unit_account), ("缴存类型", m.kind.label),
                    ("汇补缴年月", m.month), ("缴款方式", "托收" if m.funding == "collection" else "转账缴款"),
                    ("银行流水号", m.bank_serial or "—"), ("到账时间", _moment(m.funded_at))),
            amount_label="到账金额", amount=m.total)

    # -- 个人缴存明细 (8.1.2) -----------------------------------------------------------------------------
    def _deposit_statement(self, account_no: str, actor: Principal, year: int | None) -> Voucher:
        today = business_date(self._clock)
        year = year or today.year
        if not 2000 <= year <= today.year:
            raise ValidationFailed("明细年度不正确", code="STATEMENT_YEAR_INVALID")
        start, end = date(year, 1, 1), min(date(year, 12, 31), today)
        entries = self._entries(account_no, start, end, actor)  # refuses a unit agent: the person's statement
        account = self._ledger.get_account(account_no, actor)
        # A past year is closed: one voucher. The current year grows: one voucher per day it is asked for.
        parts = (account_no, str(year)) if end < today else (account_no, str(year), today.strftime("%Y%m%d"))
        rows = tuple((e.business_date.isoformat(), ENTRY_LABELS.get(e.kind.value, e.kind.value), e.month or "—",
                      yuan(e.amount), yuan(e.balance_after)) for e in entries)
        credits = sum((e.amount for e in entries if e.amount > 0), to_money(0))
        return Voucher(
            voucher_no=voucher_no(VoucherKind.DEPOSIT_STATEMENT, *parts), kind=VoucherKind.DEPOSIT_STATEMENT,
            org=account.org, org_name=org_name(account.org), business_id=f"{account_no}/{year}",
            subject=account.id_number, subject_name=account.name, issued_on=today,
            fields=(("姓名", account.name), ("证件号码", mask_text(account.id_number)), ("个人账号", account_no),
                    ("单位账号", account.unit_account), ("账户状态", account.status.label),
                    ("明细期间", f"{start.isoformat()} 至 {end.isoformat()}"), ("当前余额", yuan(account.balance)),
                    ("笔数", str(len(rows)))),
            amount_label="期间入账合计", amount=credits,
            table=Table(("记账日期", "摘要", "缴存年月", "发生额", "余额"), rows))

    def _entries(self, account_no: str, start: date, end: date, actor: Principal) -> list[Any]:
        found, token = [], None
        while True:
            page = self._ledger.statement(account_no, start, end, PageRequest(200, token), actor)
            found.extend(page.items)
            token = page.next_token
            if not token:
                return found

    # -- 提取凭证 (8.1.3) ---------------------------------------------------------------------------------
    def _withdrawal_voucher(self, withdrawal_id: str, actor: Principal) -> Voucher:
        w = self._withdrawals.get(withdrawal_id, actor)
        if w.status.value != "02":
            raise BusinessRuleViolation("提取款项尚未支付成功，不能出具提取凭证", code="WITHDRAWAL_NOT_PAID")
        account = self._ledger.get_account(w.account_no, actor)
        _, rules = self._withdrawals.rules_in_force()
        reason = next((r.name for r in rules if r.key == w.rule), w.rule)
        return Voucher(
            voucher_no=voucher_no(VoucherKind.WITHDRAWAL_VOUCHER, w.withdrawal_id),
            kind=VoucherKind.WITHDRAWAL_VOUCHER, org=w.org, org_name=org_name(w.org), business_id=w.withdrawal_id,
            subject=account.id_number, subject_name=account.name, issued_on=business_date(self._clock),
            fields=(("姓名", account.name), ("证件号码", mask_text(account.id_number)), ("个人账号", w.account_no),
                    ("提取原因", f"{reason}（{w.reason_code}）"), ("提取类型", "销户提取" if w.closing else "部分提取"),
                    ("收款人", w.payee.name), ("收款账号", mask_text(w.payee.card_no)),
                    ("销户结息", yuan(w.closing_interest)) if w.closing else ("申请渠道", w.channel),
                    ("申请日期", w.requested_on.isoformat()), ("银行流水号", w.bank_serial or "—"),
                    ("支付时间", _moment(w.settled_at)), ("业务流水号", w.withdrawal_id)),
            amount_label="提取金额", amount=w.amount,
            cosigners=(w.requested_by,) if w.channel == "counter" else ())


def org_name(org: str) -> str:
    """The office's name as printed on a voucher."""
    return organisations().get(org, org)


def yuan(amount: Any) -> str:
    """An amount as printed: thousands separated, two decimals."""
    return f"{to_money(amount):,.2f}"


def _moment(at: Any) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else "—"
