"""交易明细业务查询 (4.2.7): a special account's transactions of a period, paged, straight from its bank (BDC113)
— for finance staff checking a payment, and auditors. Staff of an office see their office's account only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hpf.common.errors import NotFound, TransientFailure, ValidationFailed
from hpf.identity.principal import Principal

MAX_DAYS = 92  # a quarter per query: the bank answers a period, the center pages through it


@dataclass(frozen=True)
class StatementPage:
    org: str
    account_no: str
    start: date
    end: date
    total: int
    lines: list[dict[str, Any]]


def statement(banks: Any, org: str, start: date, end: date, begin: int, size: int, actor: Principal) -> StatementPage:
    from hpf.settlement.bdc.client import BdcOutcomeUnknown, BdcUnavailable

    actor.require_org(org)
    if start > end or (end - start).days >= MAX_DAYS:
        raise ValidationFailed(f"查询期间应在{MAX_DAYS}天以内且开始日期不晚于结束日期", code="INVALID_DATE_RANGE")
    try:
        account = banks.special_account(org)
    except KeyError:
        raise NotFound("该管理部未配置住房公积金专户", code="NO_SPECIAL_ACCOUNT") from None
    try:
        page = banks.call(account.bank, "BDC113", {"AcctNo": account.account_no, "BeginDate": f"{start:%Y%m%d}",
                                                   "EndDate": f"{end:%Y%m%d}"}, paging=(begin, size))
    except (BdcUnavailable, BdcOutcomeUnknown) as error:
        raise TransientFailure(f"银行暂不可达：{error}", code="BANK_UNAVAILABLE") from None
    if not page.ok:
        raise TransientFailure(f"银行拒绝查询：{page.head.get('RtnMessage')}", code="BANK_BUSY")
    lines = [{"tx_date": r["TxDate"], "tx_time": r["TxTime"], "host_seq_no": r["HostSeqNo"], "dc": r["DcFlag"],
              "amount": Decimal(r["Amt"]), "balance": Decimal(r["Balance"]), "counterparty_account": r.get("OppAcctNo", ""),
              "counterparty_name": r.get("OppAcctName", ""), "summary": r.get("Summary", ""),
              "reference": r.get("RefSeqNo", "")} for r in page.lists.get("DETAIL_LIST", [])]
    return StatementPage(org, account.account_no, start, end, int(page.head.get("TotalRec", "0")), lines)
