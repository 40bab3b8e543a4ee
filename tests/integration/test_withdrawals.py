"""Withdrawals over HTTP on the local platform: request → reservation → payment answer → both ledgers; closing;
refusals that change nothing; and the race of two concurrent withdrawals on DynamoDB's conditional writes."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from hpf.adapters.aws.clients import client
from hpf.common.clock import SHANGHAI
from hpf.local.banks import special_account_no
from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import eventually, fresh_resident_id

CARD = "6222021234567890128"


def today() -> str:
    return datetime.now(SHANGHAI).date().isoformat()


def purchase_request(request_id: str, amount: str, reference: str | None = None) -> dict[str, Any]:
    return {
        "request_id": request_id, "reason": "purchase_commercial", "amount": amount,
        "payee": {"card_no": CARD, "name": "李华", "bank": "中国工商银行鹰潭分行"},
        "materials": [{"code": c, "reference": f"ARC-{c}"} for c in ("id_card", "purchase_contract", "purchase_invoice")],
        "evidence": {"reference": reference or f"赣鹰潭网签{request_id}", "amount": "500000.00",
                     "issued_on": (datetime.now(SHANGHAI).date() - timedelta(days=10)).isoformat()},
    }


def execution_events(instruction_id: str) -> list[str]:
    sfn = client("stepfunctions")
    machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
                   if m["name"].endswith("-settlement"))
    arn = next(e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]
               if e["name"] == f"settle-{instruction_id}")
    return [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]


def account(http, auth, account_no: str) -> dict[str, Any]:
    return http.get(f"/ledger/accounts/{account_no}", headers=auth("clerk01")).json()


def withdrawal(http, auth, withdrawal_id: str) -> dict[str, Any]:
    return http.get(f"/ledger/withdrawals/{withdrawal_id}", headers=auth("finance01")).json()


@pytest.mark.feature("4.2.1")
def test_a_partial_withdrawal_from_request_to_payment(platform, http, auth, deposited_account, add_user):
    _, acct = deposited_account()
    no = acct["account_no"]
    requested = http.post(f"/ledger/accounts/{no}/withdrawals", headers=auth("clerk01"),
                          json=purchase_request("CTR-20261127-0001", "500.00"))
    assert requested.status_code == 202, requested.text
    w = requested.json()
    assert (w["status"], w["amount"], w["reason_code"]) == ("01", "500.00", "01")
    assert w["payee_card"].endswith("0128") and "*" in w["payee_card"]
    assert (account(http, auth, no)["balance"], account(http, auth, no)["available"]) == ("1200.00", "700.00")

    # the same request again (a double click) is the same withdrawal, reserved once
    again = http.post(f"/ledger/accounts/{no}/withdrawals", headers=auth("clerk01"),
                      json=purchase_request("CTR-20261127-0001", "500.00"))
    assert again.status_code == 202 and again.json()["withdrawal_id"] == w["withdrawal_id"]
    assert account(http, auth, no)["available"] == "700.00"

    # the settlement workflow pays it through the bank sandbox and posts the outcome
    paid = eventually(lambda: withdrawal(http, auth, w["withdrawal_id"]).get("status") == "02" and
                      withdrawal(http, auth, w["withdrawal_id"]))
    assert paid["bank_serial"].startswith("105")
    after = account(http, auth, no)
    assert (after["balance"], after["available"]) == ("700.00", "700.00")
    entries = http.get(f"/ledger/accounts/{no}/entries", headers=auth("clerk01")).json()["entries"]
    assert [(e["kind"], e["amount"]) for e in entries][-1] == ("11", "-500.00")
    check = http.get("/ledger/ledger-check", params={"day": today()}, headers=auth("finance01")).json()
    assert check["agrees"] is True
    balance = http.get("/ledger/trial-balance", params={"day": today()}, headers=auth("finance01")).json()
    assert balance["balanced"] is True and any(r["subject"] == "201" for r in balance["rows"])

    # the holder sees it in the APP; another depositor does not
    add_user(SandboxUser("wd-holder", "pw", "depositor", ["depositor"], "李华", id_number=acct["full_id_number"]))
    mine = http.get(f"/ledger/accounts/{no}/withdrawals", headers=auth("wd-holder"))
    assert mine.status_code == 200 and [x["withdrawal_id"] for x in mine.json()["withdrawals"]] == [w["withdrawal_id"]]
    add_user(SandboxUser("wd-stranger", "pw", "depositor", ["depositor"], "王五", id_number=fresh_resident_id()))
    other = http.get(f"/ledger/withdrawals/{w['withdrawal_id']}", headers=auth("wd-stranger"))
    assert other.status_code == 403

    # settlement's side: the instruction, its whole history, the bank's books, the workflow's own history
    instruction = http.get(f"/settlement/instructions/{w['withdrawal_id']}", headers=auth("finance01")).json()
    assert instruction["status"] == "APPLIED" and [h["event"] for h in instruction["history"]] == [
        "send", "booked", "apply"]
    bank = platform.banks["105"]
    assert any(line.ref_seq_no == w["withdrawal_id"] and line.amount == Decimal("500.00") and line.dc_flag == "D"
               for line in bank.statement(special_account_no("105")))
    assert "TaskSucceeded" in execution_events(w["withdrawal_id"])


def test_refusals_are_4xx_with_a_code_and_change_nothing(http, auth, deposited_account):
    _, acct = deposited_account()
    no = acct["account_no"]
    before = account(http, auth, no)
    cases = [
        (purchase_request("CTR-REFUSE-0001", "1200.01"), 422, "WITHDRAWAL_OVER_AVAILABLE"),
        ({**purchase_request("CTR-REFUSE-0002", "100.00"), "materials": []}, 422, "MATERIALS_MISSING"),
        ({**purchase_request("CTR-REFUSE-0003", "100.00"), "reason": "lottery"}, 400, "UNKNOWN_WITHDRAWAL_REASON"),
        ({**purchase_request("CTR-REFUSE-0004", "100.00"), "closing": True}, 422, "WITHDRAWAL_MODE_NOT_ALLOWED"),
        ({**purchase_request("CTR-REFUSE-0005", "100.00"), "amount": "-1"}, 400, "VALIDATION_FAILED"),
        ({**purchase_request("CTR-REFUSE-0006", "100.00"),
          "payee": {"card_no": "62220212345678AB", "name": "李华", "bank": "工行"}}, 400, "INVALID_BANK_CARD"),
    ]
    for body, status, code in cases:
        response = http.post(f"/ledger/accounts/{no}/withdrawals", headers=auth("clerk01"), json=body)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert response.json()["message"]
    assert account(http, auth, no) == before
    assert http.get(f"/ledger/accounts/{no}/withdrawals", headers=auth("clerk01")).json()["withdrawals"] == []
    unknown = http.post("/ledger/accounts/360600999999999/withdrawals", headers=auth("clerk01"),
                        json=purchase_request("CTR-REFUSE-0007", "1.00"))
    assert (unknown.status_code, unknown.json()["code"]) == (404, "ACCOUNT_NOT_FOUND")


def test_two_concurrent_withdrawals_cannot_overdraw_an_account(http, auth, deposited_account):
    """Two requests of 700.00 on 1,200.00, sent at once: DynamoDB's version condition lets one reserve."""
    for round_ in range(3):
        _, acct = deposited_account()
        no = acct["account_no"]
        barrier = threading.Barrier(2)
        statuses: list[tuple[int, str]] = []

        def send(n: int) -> None:
            body = purchase_request(f"RACE-{round_}-{n:04d}", "700.00", reference=f"HOUSE-{round_}-{n}")  # noqa: B023 (called within the iteration)
            barrier.wait()  # noqa: B023 (called within the iteration)
            response = http.post(f"/ledger/accounts/{no}/withdrawals", headers=auth("clerk01"), json=body)  # noqa: B023 (called within the iteration)
            statuses.append((response.status_code, response.json().get("code", "")))  # noqa: B023 (called within the iteration)

        threads = [threading.Thread(target=send, args=(n,)) for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [(202, ""), (422, "WITHDRAWAL_OVER_AVAILABLE")], statuses
        after = account(http, auth, no)
        assert (after["balance"], after["available"]) == ("1200.00", "500.00")


@pytest.mark.feature("4.2.2")
def test_a_closing_withdrawal_closes_the_account_and_frees_the_person(http, auth, deposited_account, new_unit):
    _, acct = deposited_account()
    no = acct["account_no"]
    body = {"request_id": "CTR-CLOSE-0001", "reason": "retirement", "closing": True,
            "payee": {"card_no": CARD, "name": "李华", "bank": "中国建设银行鹰潭分行"},
            "materials": [{"code": "id_card"}, {"code": "retirement_certificate"}]}
    requested = http.post(f"/ledger/accounts/{no}/withdrawals", headers=auth("clerk01"), json=body)
    assert requested.status_code == 202, requested.text
    w = requested.json()
    assert w["closing"] is True and w["amount"] == "1200.00" and w["closing_interest"] == "0.00"  # deposited today
    eventually(lambda: withdrawal(http, auth, w["withdrawal_id"]).get("status") == "02")
    closed = account(http, auth, no)
    assert (closed["status"], closed["balance"]) == ("05", "0.00")
    history = http.get(f"/ledger/accounts/{no}/history", headers=auth("clerk01")).json()["records"]
    assert history[-1]["detail"]["status"] == "01→05"
    # a retired person who takes up work again may open a new account
    unit = new_unit()
    reopened = http.post(f"/ledger/units/{unit['unit_account']}/accounts", headers=auth("clerk01"),
                         json={"name": "李华", "id_number": acct["full_id_number"], "deposit_base": "5000.00"})
    assert reopened.status_code == 201, reopened.text


@pytest.mark.feature("4.2.1")
def test_a_payment_the_bank_fails_releases_the_money(platform, http, auth, deposited_account):
    _, acct = deposited_account()
    no = acct["account_no"]
    platform.banks["105"].inject("fail")  # host status 4 for the next single payment
    w = http.post(f"/ledger/accounts/{no}/withdrawals", headers=auth("clerk01"),
                  json=purchase_request("CTR-FAIL-0001", "300.00")).json()
    failed = eventually(lambda: withdrawal(http, auth, w["withdrawal_id"]).get("status") == "03" and
                        withdrawal(http, auth, w["withdrawal_id"]))
    assert failed["failure_reason"]
    assert account(http, auth, no)["available"] == "1200.00"
    # with the bank links on, nobody records a payment answer by hand
    by_hand = http.post(f"/ledger/withdrawals/{w['withdrawal_id']}/payment-result", headers=auth("finance01"),
                        json={"outcome": "paid", "bank_serial": "X1"})
    assert (by_hand.status_code, by_hand.json()["code"]) == (409, "SETTLED_BY_BANK")


@pytest.mark.feature("4.2.1")
def test_a_payment_lost_on_the_way_goes_to_a_person_who_settles_it(platform, http, auth, deposited_account):
    _, acct = deposited_account()
    no = acct["account_no"]
    platform.banks["105"].inject("drop_before_book")  # the request never reaches the bank's books
    w = http.post(f"/ledger/accounts/{no}/withdrawals", headers=auth("clerk01"),
                  json=purchase_request("CTR-LOST-0001", "400.00")).json()
    url = f"/settlement/instructions/{w['withdrawal_id']}"
    review = eventually(lambda: http.get(url, headers=auth("finance01")).json().get("status") == "MANUAL_REVIEW" and
                        http.get(url, headers=auth("finance01")).json(), timeout=40)
    assert review["queries"] == 3 and withdrawal(http, auth, w["withdrawal_id"])["status"] == "01"  # still reserved
    today = datetime.now(SHANGHAI).date().isoformat()
    waiting = http.get("/settlement/instructions", params={"org": "360600", "day": today, "status": "MANUAL_REVIEW"},
                       headers=auth("finance01")).json()["instructions"]
    assert w["withdrawal_id"] in [i["instruction_id"] for i in waiting]  # how finance finds what waits for them
    resolved = http.post(f"{url}/resolution", headers=auth("finance01"),
                         json={"outcome": "failed", "evidence": "建行鹰潭分行对账单无此笔，书面确认未入账"})
    assert resolved.status_code == 200, resolved.text
    eventually(lambda: withdrawal(http, auth, w["withdrawal_id"]).get("status") == "03")
    assert account(http, auth, no)["available"] == "1200.00"
    assert http.get(url, headers=auth("finance01")).json()["history"][-1]["event"] == "apply"


def test_online_requests_are_limited_to_reasons_open_online(http, auth, deposited_account, add_user):
    _, acct = deposited_account()
    add_user(SandboxUser("wd-online", "pw", "depositor", ["depositor"], "李华", id_number=acct["full_id_number"]))
    rules = http.get("/ledger/withdrawal-rules", headers=auth("wd-online")).json()["rules"]
    by_reason = {r["reason"]: r for r in rules}
    assert by_reason["serious_illness"]["online"] is False and by_reason["purchase_commercial"]["online"] is True
    body = {**purchase_request("APP-ILL-0001", "100.00"), "reason": "serious_illness",
            "materials": [{"code": m["code"]} for m in by_reason["serious_illness"]["materials"]]}
    response = http.post(f"/ledger/accounts/{acct['account_no']}/withdrawals", headers=auth("wd-online"), json=body)
    assert (response.status_code, response.json()["code"]) == (422, "COUNTER_ONLY")
    ok = http.post(f"/ledger/accounts/{acct['account_no']}/withdrawals", headers=auth("wd-online"),
                   json=purchase_request("APP-BUY-0001", "100.00"))
    assert ok.status_code == 202 and ok.json()["channel"] == "web"  # the sandbox issues depositor tokens for the web hall


@pytest.mark.feature("S.4.2")
def test_cards_are_checked_in_the_app_and_before_every_payout(platform, http, auth, deposited_account, add_user):
    from tests.integration.conftest import TEST_CARD

    _, acct = deposited_account()
    add_user(SandboxUser("wd-card", "pw", "depositor", ["depositor"], "李华", id_number=acct["full_id_number"]))
    me = auth("wd-card")
    mine = {"card_no": TEST_CARD, "name": "李华", "id_number": acct["full_id_number"]}
    ok = http.post("/settlement/card-checks", headers=me, json=mine)
    assert ok.status_code == 200, ok.text
    assert (ok.json()["matched"], ok.json()["account_class"]) == (True, "1") and "*" in ok.json()["card_no"]
    wrong = http.post("/settlement/card-checks", headers=auth("clerk01"), json={**mine, "name": "李桦"}).json()
    assert (wrong["matched"], wrong["result_label"]) == (False, "户名不符")
    someone = http.post("/settlement/card-checks", headers=me, json={**mine, "id_number": fresh_resident_id()})
    assert someone.status_code == 403
    # from the APP, which shows the number masked: left out, the depositor's own is checked
    own = {k: v for k, v in mine.items() if k != "id_number"}
    assert http.post("/settlement/card-checks", headers=me, json=own).json()["matched"] is True
    staff_without = http.post("/settlement/card-checks", headers=auth("clerk01"), json=own)
    assert (staff_without.status_code, staff_without.json()["code"]) == (400, "HOLDER_REQUIRED")

    # a class II card takes a payout within its daily limit (above it: tests/unit/test_settlement.py)
    platform.banks["105"].issue_card(TEST_CARD, "李华", acct["full_id_number"], acct_class="2")
    w = http.post(f"/ledger/accounts/{acct['account_no']}/withdrawals", headers=auth("clerk01"),
                  json=purchase_request("CTR-CARD-0001", "1000.00")).json()
    paid = eventually(lambda: withdrawal(http, auth, w["withdrawal_id"]).get("status") in ("02", "03") and
                      withdrawal(http, auth, w["withdrawal_id"]))
    assert paid["status"] == "02"  # within the limit

    # a card that is not the holder's: the payout is never sent to any bank, the money is released and the
    # withdrawal shows why — the check the platform makes, not what a bank would answer to a payment
    stranger_card = "6222021234567890136"
    platform.banks["105"].issue_card(stranger_card, "王五", fresh_resident_id())
    bad = purchase_request("CTR-CARD-0002", "100.00")
    bad["payee"]["card_no"] = stranger_card
    asked = http.post(f"/ledger/accounts/{acct['account_no']}/withdrawals", headers=auth("clerk01"), json=bad)
    assert asked.status_code == 202, asked.text
    w2 = asked.json()
    refused = eventually(lambda: withdrawal(http, auth, w2["withdrawal_id"]).get("status") == "03" and
                         withdrawal(http, auth, w2["withdrawal_id"]))
    assert "银行卡校验未通过" in refused["failure_reason"] and "户名不符" in refused["failure_reason"]
    sent = [m for bank in platform.banks.values() for m in bank.received
            if m.tx_code in ("BDC101", "BDC103") and w2["withdrawal_id"] in str(m.body) + str(m.lists)]
    assert sent == []
    balance = http.get(f"/ledger/accounts/{acct['account_no']}", headers=auth("clerk01")).json()
    assert balance["available"] == balance["balance"]  # nothing left reserved for it
