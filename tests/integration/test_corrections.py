"""Corrections over HTTP on the local platform: 冲正 of a deposit line, 合并销户, and 外部转出销户."""

from __future__ import annotations

from datetime import datetime

from hpf.common.clock import SHANGHAI
from tests.integration.conftest import eventually


def today() -> str:
    return datetime.now(SHANGHAI).date().isoformat()


def test_finance_reverses_a_deposit_line_once(http, auth, deposited_account):
    _, acct = deposited_account()
    no = acct["account_no"]
    entry = http.get(f"/ledger/accounts/{no}/entries", headers=auth("clerk01")).json()["entries"][0]
    url = f"/ledger/accounts/{no}/entries/{entry['entry_id']}/reversal"
    assert http.post(url, headers=auth("clerk01"), json={"reason": "错缴"}).status_code == 403
    reversed_ = http.post(url, headers=auth("finance01"), json={"reason": "错缴：应缴入同事账户"})
    assert reversed_.status_code == 201, reversed_.text
    assert (reversed_.json()["amount"], reversed_.json()["reference"]) == ("-1200.00", entry["entry_id"])
    assert http.get(f"/ledger/accounts/{no}", headers=auth("clerk01")).json()["balance"] == "0.00"
    again = http.post(url, headers=auth("finance01"), json={"reason": "再次冲正"})
    assert (again.status_code, again.json()["code"]) == (409, "ENTRY_ALREADY_REVERSED")
    check = http.get("/ledger/ledger-check", params={"day": today()}, headers=auth("finance01")).json()
    assert check["agrees"] is True


def test_two_accounts_of_one_person_merge_into_one(http, auth, deposited_account, new_account):
    unit, acct = deposited_account()
    keeper = new_account(unit["unit_account"])  # same name (李华), the ID entered correctly this time
    merged = http.post(f"/ledger/accounts/{acct['account_no']}/merge", headers=auth("clerk01"),
                       json={"into": keeper["account_no"], "reason": "原账户证件号码登记错误"})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["source"]["status"], body["source"]["balance"]) == ("03", "0.00")
    assert body["target"]["balance"] == "1200.00"  # deposited today: no interest yet
    history = http.get(f"/ledger/accounts/{acct['account_no']}/history", headers=auth("clerk01")).json()["records"]
    assert history[-1]["detail"]["merged_into"] == keeper["account_no"]


def test_transfer_out_to_another_city_closes_the_account_as_04(http, auth, deposited_account):
    _, acct = deposited_account()
    no = acct["account_no"]
    body = {"request_id": "TRF-OUT-0001", "reason": "transfer_out", "closing": True,
            "payee": {"card_no": "3600123456789012345", "name": "南昌住房公积金管理中心", "bank": "中国建设银行南昌分行"},
            "materials": [{"code": "id_card"}, {"code": "transfer_letter", "reference": "LXH-2026-0001"}]}
    requested = http.post(f"/ledger/accounts/{no}/withdrawals", headers=auth("clerk01"), json=body)
    assert requested.status_code == 202, requested.text
    w = requested.json()
    eventually(lambda: http.get(f"/ledger/withdrawals/{w['withdrawal_id']}",
                                headers=auth("clerk01")).json()["status"] == "02")
    account = http.get(f"/ledger/accounts/{no}", headers=auth("clerk01")).json()
    assert (account["status"], account["balance"]) == ("04", "0.00")
    kinds = [e["kind"] for e in http.get(f"/ledger/accounts/{no}/entries", headers=auth("clerk01")).json()["entries"]]
    assert kinds[-1] == "07"
