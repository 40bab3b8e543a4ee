"""Queries straight to an office's bank: 交易明细业务查询 (4.2.7) — a special account's transactions of a period, paged
(BDC113) — for finance staff checking a payment, and auditors; and 联行号查询 (4.1.6) — the line number (联行号) of
a payee's branch for a cross-bank payment, by part of its name (BDC200, paged) where the bank offers it, else by
bank code and area (BDC112). Staff of an office ask their office's bank only."""

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


@dataclass(frozen=True)
class BankLinePage:
    org: str
    via: str  # the transaction that answered: BDC200 (fuzzy) or BDC112 (by bank and area)
    total: int
    lines: list[dict[str, str]]


def bank_lines(banks: Any, org: str, keyword: str, area: str, bank_no: str, begin: int, size: int,
               actor: Principal) -> BankLinePage:
    actor.require_org(org)
    account = _special_account(banks, org)
    if banks.offers(account.bank, "BDC200"):
        body = {"Keyword": keyword, **({"AreaNo": area} if area else {})}
        page = _ask(banks, account.bank, "BDC200", body, paging=(begin, size))
        return BankLinePage(org, "BDC200", int(page.head.get("TotalRec", "0")), _lines(page))
    if not (bank_no and area):  # the exact query needs both; the name is then matched here
        raise ValidationFailed("该银行不提供联行号模糊查询，请同时给出银行代码和地区代码", code="BANK_LINE_QUERY_NEEDS_CODES")
    found = [line for line in _lines(_ask(banks, account.bank, "BDC112", {"BankNo": bank_no, "AreaNo": area}))
             if keyword in line["bank_name"]]
    return BankLinePage(org, "BDC112", len(found), found[begin - 1: begin - 1 + size])


def _lines(page: Any) -> list[dict[str, str]]:
    return [{"line_no": r["ChgNo"], "bank_name": r["BankName"], "area": r.get("AreaNo", "")}
            for r in page.lists.get("LINE_LIST", [])]


def _special_account(banks: Any, org: str) -> Any:
    try:
        return banks.special_account(org)
    except KeyError:
        raise NotFound("该管理部未配置住房公积金专户", code="NO_SPECIAL_ACCOUNT") from None


def _ask(banks: Any, bank: str, tx_code: str, body: dict[str, str], paging: tuple[int, int] | None = None) -> Any:
    from hpf.settlement.bdc.client import BdcOutcomeUnknown, BdcUnavailable

    try:
        page = banks.call(bank, tx_code, body, paging=paging)
    except (BdcUnavailable, BdcOutcomeUnknown) as error:
        raise TransientFailure(f"银行暂不可达：{error}", code="BANK_UNAVAILABLE") from None
    if not page.ok:
        raise TransientFailure(f"银行拒绝查询：{page.head.get('RtnMessage')}", code="BANK_BUSY")
    return page


def statement(banks: Any, org: str, start: date, end: date, begin: int, size: int, actor: Principal) -> StatementPage:
    actor.require_org(org)
    if start > end or (end - start).days >= MAX_DAYS:
        raise ValidationFailed(f"查询期间应在{MAX_DAYS}天以内且开始日期不晚于结束日期", code="INVALID_DATE_RANGE")
    account = _special_account(banks, org)
    page = _ask(banks, account.bank, "BDC113", {"AcctNo": account.account_no, "BeginDate": f"{start:%Y%m%d}",
                                                "EndDate": f"{end:%Y%m%d}"}, paging=(begin, size))
    lines = [{"tx_date": r["TxDate"], "tx_time": r["TxTime"], "host_seq_no": r["HostSeqNo"], "dc": r["DcFlag"],
              "amount": Decimal(r["Amt"]), "balance": Decimal(r["Balance"]), "counterparty_account": r.get("OppAcctNo", ""),
              "counterparty_name": r.get("OppAcctName", ""), "summary": r.get("Summary", ""),
              "reference": r.get("RefSeqNo", "")} for r in page.lists.get("DETAIL_LIST", [])]
    return StatementPage(org, account.account_no, start, end, int(page.head.get("TotalRec", "0")), lines)
