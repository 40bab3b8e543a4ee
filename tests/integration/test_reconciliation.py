"""Daily reconciliation on the local platform (S.9.10): the bank sandbox's statement of the special account against
settlement's instructions, the financial ledger (101) and the business ledger, with the Excel report."""

from __future__ import annotations

import io
from datetime import datetime

import httpx
import pytest

from hpf.common.clock import SHANGHAI
from tests.integration.conftest import eventually
from tests.integration.test_withdrawals import purchase_request, withdrawal


@pytest.mark.feature("S.9.10")
def test_a_settled_day_reconciles_across_the_three_ledgers(platform, http, auth, deposited_account):
    _, acct = deposited_account()
    w = http.post(f"/ledger/accounts/{acct['account_no']}/withdrawals", headers=auth("clerk01"),
                  json=purchase_request("CTR-RECON-0001", "200.00")).json()
    eventually(lambda: withdrawal(http, auth, w["withdrawal_id"]).get("status") == "02")
    eventually(lambda: http.get(f"/settlement/instructions/{w['withdrawal_id']}",
                                headers=auth("finance01")).json().get("status") == "APPLIED")
    today = datetime.now(SHANGHAI).date().isoformat()

    assert http.post("/settlement/reconciliations", headers=auth("clerk01"),
                     json={"org": "360600", "day": today}).status_code == 403
    response = http.post("/settlement/reconciliations", headers=auth("finance01"), json={"org": "360600", "day": today})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["bank_lines"] >= 1 and report["matched"] >= 1
    ours = [d for d in report["differences"] if w["withdrawal_id"] in (d["reference"],)]
    assert ours == []  # paid at the bank, posted to 201 and 101 the same day: nothing to explain
    # whatever differs on this shared day is explained by a cause, never left unlabelled
    assert all(d["cause_label"] and d["cause"] != "LEDGERS_DISAGREE" for d in report["differences"])


    workbook = httpx.get(report["workbook_url"], timeout=10)
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(workbook.content)).namelist()
    assert "xl/worksheets/sheet2.xml" in names  # the summary and the differences


@pytest.mark.feature("S.9.10")
def test_a_business_ledger_that_disagrees_with_the_financial_ledger_is_reported(platform, http, auth,
                                                                                deposited_account):
    """账账不符 found, not assumed away: an account's statement entry changed beneath the API (the business
    ledger says 1,234.56 where the journal's 201 detail says 1,200.00) is reported as LEDGERS_DISAGREE for that
    account, by the ledger check and by the day's reconciliation."""
    from hpf.adapters.aws.clients import client

    _, acct = deposited_account()
    today = datetime.now(SHANGHAI).date().isoformat()
    table = platform.physical["LedgerTable"]
    db = client("dynamodb")
    entry = next(i for i in db.query(TableName=table, KeyConditionExpression="pk = :pk",
                                     ExpressionAttributeValues={":pk": {"S": f"ACCOUNT#{acct['account_no']}"}})
                 ["Items"] if i["sk"]["S"].startswith(f"ENTRY#{today}"))
    original = entry["amount"]
    db.update_item(TableName=table, Key={"pk": entry["pk"], "sk": entry["sk"]}, UpdateExpression="SET amount = :a",
                   ExpressionAttributeValues={":a": {"N": "1234.56"}})
    try:
        check = http.get("/ledger/ledger-check", params={"day": today}, headers=auth("finance01")).json()
        assert check["agrees"] is False, check
        report = http.post("/settlement/reconciliations", headers=auth("finance01"),
                           json={"org": "360600", "day": today}).json()
        found = [d for d in report["differences"] if d["cause"] == "LEDGERS_DISAGREE"
                 and d["reference"] == acct["account_no"]]
        assert len(found) == 1 and not report["agrees"], report["differences"]
        assert found[0]["our_amount"] == "1234.56" and "业务帐1234.56 财务帐1200.00" in found[0]["detail"]
    finally:
        db.update_item(TableName=table, Key={"pk": entry["pk"], "sk": entry["sk"]}, UpdateExpression="SET amount = :a",
                       ExpressionAttributeValues={":a": original})
    assert http.get("/ledger/ledger-check", params={"day": today}, headers=auth("finance01")).json()["agrees"]


def test_the_daily_schedule_reconciles_every_office(platform):
    rule = next(r for r in platform.scheduler.rules() if r["Name"].endswith("reconcile-daily"))
    assert rule["ScheduleExpression"] == "cron(30 17 * * ? *)"
    result = platform.scheduler.fire(rule)[0]
    assert set(result["offices"]) == {"360600", "360602", "360603", "360681"}


@pytest.mark.feature("4.2.7")
@pytest.mark.feature("4.1.4")
def test_finance_pages_through_a_special_account_s_transactions(http, auth, deposited_account):
    _, acct = deposited_account()
    w = http.post(f"/ledger/accounts/{acct['account_no']}/withdrawals", headers=auth("clerk01"),
                  json=purchase_request("CTR-STMT-0001", "123.45")).json()
    eventually(lambda: withdrawal(http, auth, w["withdrawal_id"]).get("status") == "02")
    today = datetime.now(SHANGHAI).date().isoformat()
    query = {"org": "360600", "start": today, "end": today, "begin": 1, "size": 2}
    assert http.get("/settlement/statements", params=query, headers=auth("clerk01")).status_code == 403
    first = http.get("/settlement/statements", params=query, headers=auth("finance01"))
    assert first.status_code == 200, first.text
    page = first.json()
    assert page["total"] >= 1 and len(page["lines"]) <= 2
    everything = []
    begin = 1
    while begin <= page["total"]:  # small pages: the bank's paging (BeginRec/MaxRec, 4.1.4) does the work
        chunk = http.get("/settlement/statements", params={**query, "begin": begin, "size": 7},
                         headers=auth("finance01")).json()["lines"]
        assert 0 < len(chunk) <= 7
        everything += chunk
        begin += len(chunk)
    # the pages tile the day: every line once, none skipped, none twice
    assert len(everything) == page["total"] == len({ln["host_seq_no"] for ln in everything})
    mine = [ln for ln in everything if ln["reference"] == w["withdrawal_id"]]
    assert len(mine) == 1 and (mine[0]["dc"], mine[0]["amount"]) == ("D", "123.45")
    too_long = http.get("/settlement/statements", params={**query, "start": "2026-01-01"}, headers=auth("finance01"))
    assert (too_long.status_code, too_long.json()["code"]) == (400, "INVALID_DATE_RANGE")


@pytest.mark.feature("4.1.6")
def test_staff_look_up_a_payee_branch_s_line_number_through_their_bank(http, auth):
    """联行号模糊查询 (BDC200) through the office's own bank; the city bank's 2018 front lacks it, so the center asks
    it by bank and area (BDC112) and matches the name itself."""
    query = {"org": "360600", "keyword": "建设银行", "begin": 1, "size": 2}
    assert http.get("/settlement/bank-lines", params=query, headers=auth("auditor01")).status_code == 403
    first = http.get("/settlement/bank-lines", params=query, headers=auth("clerk01"))
    assert first.status_code == 200, first.text
    page = first.json()
    assert (page["via"], page["total"], len(page["lines"])) == ("BDC200", 3, 2)
    assert all("建设银行" in line["bank_name"] and len(line["line_no"]) == 12 for line in page["lines"])
    rest = http.get("/settlement/bank-lines", params={**query, "begin": 3}, headers=auth("clerk01")).json()["lines"]
    assert len(rest) == 1 and rest[0]["line_no"] not in {line["line_no"] for line in page["lines"]}
    # the 上饶银行 front (profile bank-2018) offers no fuzzy query: codes are needed, then BDC112 answers
    gx = {"org": "360681", "keyword": "贵溪"}
    refused = http.get("/settlement/bank-lines", params=gx, headers=auth("clerk-gx"))
    assert (refused.status_code, refused.json()["code"]) == (400, "BANK_LINE_QUERY_NEEDS_CODES")
    found = http.get("/settlement/bank-lines", params={**gx, "bank_no": "105", "area": "4271"},
                     headers=auth("clerk-gx")).json()
    assert found["via"] == "BDC112" and [line["line_no"] for line in found["lines"]] == ["105427100017"]
    # a branch office's clerk asks through their own office's bank only
    assert http.get("/settlement/bank-lines", params=query, headers=auth("clerk-gx")).status_code == 403


@pytest.mark.feature("4.2.6")
def test_funds_move_between_two_offices_special_accounts_and_both_days_reconcile(platform, http, auth):
    from decimal import Decimal

    from hpf.local.banks import special_account_no

    icbc, ccb = platform.banks["102"], platform.banks["105"]
    before = (icbc.balance(special_account_no("102")), ccb.balance(special_account_no("105")))
    body = {"request_id": "ALC-20261127-01", "from_org": "360602", "to_org": "360600", "amount": "250000.00",
            "reason": "月湖管理部归集资金上划中心"}
    assert http.post("/settlement/allocations", headers=auth("clerk01"), json=body).status_code == 403
    accepted = http.post("/settlement/allocations", headers=auth("finance01"), json=body)
    assert accepted.status_code == 202, accepted.text
    url = f"/settlement/instructions/{accepted.json()['instruction_id']}"
    eventually(lambda: http.get(url, headers=auth("finance01")).json().get("status") == "APPLIED")
    after = (icbc.balance(special_account_no("102")), ccb.balance(special_account_no("105")))
    assert (before[0] - after[0], after[1] - before[1]) == (Decimal("250000.00"), Decimal("250000.00"))
    again = http.post("/settlement/allocations", headers=auth("finance01"), json=body)  # the same request again
    assert again.status_code == 202
    assert icbc.balance(special_account_no("102")) == after[0]
    today = datetime.now(SHANGHAI).date().isoformat()
    for org in ("360602", "360600"):
        report = http.post("/settlement/reconciliations", headers=auth("finance01"),
                           json={"org": org, "day": today}).json()
        assert not [d for d in report["differences"] if d["reference"] == accepted.json()["instruction_id"]], org
    balance = http.get("/ledger/trial-balance", params={"day": today}, headers=auth("finance01")).json()
    assert balance["balanced"] is True
