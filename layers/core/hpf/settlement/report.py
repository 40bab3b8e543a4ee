"""The reconciliation report for finance staff as an Excel workbook (xlsxwriter): a summary sheet and the list
of differences with their causes in Chinese."""

from __future__ import annotations

import io
from datetime import datetime, time

from hpf.settlement.reconciliation import Cause, ReconciliationReport

CAUSE_LABELS = {
    Cause.LINE_WITHOUT_BUSINESS: "银行有记账、业务无对应",
    Cause.BUSINESS_WITHOUT_LINE: "业务记为成功、银行无记账",
    Cause.AMOUNT_DIFFERS: "金额不符",
    Cause.DIRECTION_DIFFERS: "借贷方向不符",
    Cause.NOT_IN_FINANCIAL_LEDGER: "财务帐（101）当日无对应发生额",
    Cause.FINANCIAL_WITHOUT_BANK: "财务帐有发生额、银行无对应",
    Cause.LEDGERS_DISAGREE: "业务帐与财务帐不符",
    Cause.STILL_UNKNOWN: "结果不明、待银行对账单",
}


def workbook(report: ReconciliationReport) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    # Dated by the day it reconciles, not by when it was written: the same findings make the same bytes, so the
    # archive files a re-run that found nothing new once.
    book.set_properties({"created": datetime.combine(report.day, time()), "title": f"资金结算对账 {report.day}"})
    bold = book.add_format({"bold": True})
    # Amounts go in as text with two decimals: a spreadsheet number is a binary float, and money stays exact.
    money = book.add_format({"align": "right"})
    summary = book.add_worksheet("对账汇总")
    rows = [("管理部", report.org), ("对账日期", report.day.isoformat()), ("专户账号", report.account_no),
            ("银行流水笔数", report.bank_lines), ("银行借方合计", f"{report.bank_debit:.2f}"),
            ("银行贷方合计", f"{report.bank_credit:.2f}"), ("已核对笔数", report.matched),
            ("依对账单确认结果", len(report.settled_from_statement)), ("差异笔数", len(report.differences)),
            ("结论", "账账相符" if report.agrees else "存在差异")]
    for r, (label, value) in enumerate(rows):
        summary.write(r, 0, label, bold)
        summary.write_string(r, 1, str(value), money if label.endswith("合计") else None)
    summary.set_column(0, 0, 18)
    summary.set_column(1, 1, 28)
    sheet = book.add_worksheet("差异明细")
    for c, title in enumerate(("差异原因", "业务号/流水号", "银行金额", "业务金额", "说明")):
        sheet.write(0, c, title, bold)
    for r, d in enumerate(report.differences, start=1):
        sheet.write(r, 0, CAUSE_LABELS.get(d.cause, d.cause))
        sheet.write(r, 1, d.reference)
        if d.bank_amount is not None:
            sheet.write_string(r, 2, f"{d.bank_amount:.2f}", money)
        if d.our_amount is not None:
            sheet.write_string(r, 3, f"{d.our_amount:.2f}", money)
        sheet.write(r, 4, d.detail)
    sheet.set_column(0, 1, 34)
    sheet.set_column(4, 4, 40)
    book.close()
    return buffer.getvalue()
