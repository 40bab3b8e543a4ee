"""Loan vouchers from lending, through its service — so lending's own access rules decide who may have which
voucher (the borrower their own loans, staff their office's).

- 贷款结清证明 (8.1.4): once the loan is settled; one per loan;
- 还款流水 (8.1.5): every movement on the loan; a settled loan's is final (one voucher), a loan still being repaid
  gets one per day it is asked for (it grows);
- 提前还款凭证 (8.1.6): one per early repayment booked, by its business id (``PRE-<request id>``);
- 借款合同明细表 (S.8.3): the contract's terms and the plan in force; a new one after each movement changes it.
"""

from __future__ import annotations

from typing import Any

from hpf.common.clock import Clock, business_date
from hpf.common.errors import BusinessRuleViolation, ValidationFailed
from hpf.common.money import ZERO
from hpf.identity.principal import Principal
from hpf.lending.model import DetailType, Loan, LoanStatus
from hpf.observability.masking import mask_text
from hpf.seal.ledger_source import org_name, yuan
from hpf.seal.vouchers import LOAN_KINDS, Table, Voucher, VoucherKind, voucher_no

PERCENT = 100


class LoanVoucherSource:
    kinds = LOAN_KINDS

    def __init__(self, loans: Any, clock: Clock):
        self._loans = loans
        self._clock = clock

    def voucher(self, kind: VoucherKind, reference: str, actor: Principal, year: int | None = None) -> Voucher:
        if kind is VoucherKind.LOAN_SETTLEMENT_CERTIFICATE:
            return self._settlement_certificate(reference, actor)
        if kind is VoucherKind.REPAYMENT_STATEMENT:
            return self._repayment_statement(reference, actor)
        if kind is VoucherKind.EARLY_REPAYMENT_VOUCHER:
            return self._early_repayment(reference, actor)
        if kind is VoucherKind.LOAN_CONTRACT_SCHEDULE:
            return self._contract_schedule(reference, actor)
        raise ValidationFailed(f"不支持的凭证类型：{kind}", code="VOUCHER_KIND_UNKNOWN")

    # -- 贷款结清证明 (8.1.4) --------------------------------------------------------------------------------
    def _settlement_certificate(self, loan_no: str, actor: Principal) -> Voucher:
        loan = self._loans.get(loan_no, actor)
        if loan.status is not LoanStatus.SETTLED:
            raise BusinessRuleViolation("贷款尚未结清，不能出具结清证明", code="LOAN_NOT_SETTLED")
        paid = [d for d in self._loans.details(loan_no, actor) if d.type is not DetailType.DISBURSEMENT]
        return self._voucher(
            VoucherKind.LOAN_SETTLEMENT_CERTIFICATE, (loan.loan_no,), loan, loan.loan_no,
            (*self._contract(loan), ("结清日期", loan.settled_on.isoformat()),
             ("累计归还本金", yuan(sum((d.principal for d in paid), ZERO))),
             ("累计归还利息", yuan(sum((d.interest for d in paid), ZERO))),
             ("结清情况", "本息已全部结清")),
            "贷款金额", loan.principal)

    # -- 还款流水 (8.1.5) ------------------------------------------------------------------------------------
    def _repayment_statement(self, loan_no: str, actor: Principal) -> Voucher:
        loan = self._loans.get(loan_no, actor)
        details = self._loans.details(loan_no, actor)
        if not details:
            raise BusinessRuleViolation("贷款尚未发放，没有还款流水", code="LOAN_NOT_DISBURSED")
        today = business_date(self._clock)
        parts = (loan.loan_no,) if loan.status is LoanStatus.SETTLED else (loan.loan_no, today.strftime("%Y%m%d"))
        rows = tuple((d.on.isoformat(), d.type.label, str(d.period) if d.period else "—", yuan(d.amount),
                      yuan(d.principal), yuan(d.interest), yuan(d.balance_after)) for d in details)
        repaid = sum((d.amount for d in details if d.type is not DetailType.DISBURSEMENT), ZERO)
        return self._voucher(
            VoucherKind.REPAYMENT_STATEMENT, parts, loan, f"{loan.loan_no}/{today:%Y%m%d}",
            (*self._contract(loan), ("贷款状态", loan.status.label), ("贷款余额", yuan(loan.balance)),
             ("已还期数", str(loan.paid_periods)), ("笔数", str(len(rows)))),
            "累计还款", repaid,
            Table(("日期", "业务类型", "期次", "发生额", "本金", "利息", "余额"), rows, (1.3, 1.2, 0.6, 1.2, 1.2, 1, 1.3)))

    # -- 提前还款凭证 (8.1.6) ---------------------------------------------------------------------------------
    def _early_repayment(self, detail_id: str, actor: Principal) -> Voucher:
        loan, detail = self._loans.movement(detail_id, actor)
        if detail.type is not DetailType.EARLY_REPAYMENT:
            raise BusinessRuleViolation("该笔业务不是提前还款", code="NOT_AN_EARLY_REPAYMENT")
        settled = detail.balance_after == 0
        return self._voucher(
            VoucherKind.EARLY_REPAYMENT_VOUCHER, (detail.detail_id,), loan, detail.detail_id,
            (("借款人", loan.borrower.name), ("证件号码", mask_text(loan.borrower.id_number)),
             ("贷款账号", loan.loan_no), ("借款合同编号", loan.contract_no), ("还款日期", detail.on.isoformat()),
             ("还款方式", "提前结清" if settled else "部分提前还款"), ("归还本金", yuan(detail.principal)),
             ("归还利息", yuan(detail.interest)), ("还款后贷款余额", yuan(detail.balance_after)),
             ("扣款账户", mask_text(loan.repayment_card.account_no)), ("银行流水号", detail.bank_serial or "—"),
             ("业务流水号", detail.detail_id)),
            "还款金额", detail.amount)

    # -- 借款合同明细表 (S.8.3) -------------------------------------------------------------------------------
    def _contract_schedule(self, loan_no: str, actor: Principal) -> Voucher:
        loan = self._loans.get(loan_no, actor)
        details = self._loans.details(loan_no, actor)
        if not details:
            raise BusinessRuleViolation("贷款尚未发放，还款计划未生成", code="LOAN_NOT_DISBURSED")
        rows = tuple((str(i.period), i.due.isoformat(), yuan(i.payment), yuan(i.principal), yuan(i.interest),
                      yuan(i.balance_after)) for i in loan.plan)
        return self._voucher(
            VoucherKind.LOAN_CONTRACT_SCHEDULE, (loan.loan_no, str(len(details))), loan, loan.contract_no,
            (*self._contract(loan), ("收款人", loan.payee.name), ("收款账号", mask_text(loan.payee.account_no)),
             ("还款账户", mask_text(loan.repayment_card.account_no)), ("贷款余额", yuan(loan.balance)),
             ("剩余期数", str(len(rows)))),
            "合同贷款金额", loan.principal,
            Table(("期次", "应还日期", "月还款额", "本金", "利息", "剩余本金"), rows, (0.7, 1.3, 1.2, 1.2, 1, 1.4)))

    # -- helpers ------------------------------------------------------------------------------------------------
    @staticmethod
    def _contract(loan: Loan) -> tuple[tuple[str, str], ...]:
        rate = f"{loan.annual_rate * PERCENT:.3f}".rstrip("0").rstrip(".")
        return (("借款人", loan.borrower.name), ("证件号码", mask_text(loan.borrower.id_number)),
                ("贷款账号", loan.loan_no), ("借款合同编号", loan.contract_no), ("贷款金额", yuan(loan.principal)),
                ("年利率", f"{rate}%"), ("贷款期限", f"{loan.months}个月"), ("还款方式", loan.method.label),
                ("发放日期", loan.disbursed_on.isoformat() if loan.disbursed_on else "—"),
                ("房屋坐落", loan.house_address))

    def _voucher(self, kind: VoucherKind, parts: tuple[str, ...], loan: Loan, business_id: str,
                 fields: tuple[tuple[str, str], ...], amount_label: str, amount: Any,
                 table: Table | None = None) -> Voucher:
        return Voucher(voucher_no=voucher_no(kind, *parts), kind=kind, org=loan.org, org_name=org_name(loan.org),
                       business_id=business_id, subject=loan.borrower.id_number, subject_name=loan.borrower.name,
                       issued_on=business_date(self._clock), fields=fields, amount_label=amount_label,
                       amount=amount, table=table)


class VoucherSources:
    """Each voucher kind from the area that keeps its data: lending's kinds from lending, the rest the ledger's."""

    def __init__(self, ledger_source: Any, loan_source: LoanVoucherSource):
        self._ledger, self._loans = ledger_source, loan_source

    def voucher(self, kind: VoucherKind, reference: str, actor: Principal, year: int | None = None) -> Voucher:
        source = self._loans if kind in self._loans.kinds else self._ledger
        return source.voucher(kind, reference, actor, year)
