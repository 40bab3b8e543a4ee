"""Remittance money over HTTP on the local platform: collection agreement → collection → failure → again →
collected → posted by the workflow → receipt; and transfers whose amount or second arrival is refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from hpf.adapters.aws.clients import client
from hpf.common.clock import SHANGHAI
from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import eventually, this_month

AGREEMENT = {"bank_account": "36050186360109000123", "account_name": "鹰潭集成测试有限公司", "bank": "中国建设银行鹰潭分行",
             "agreement_no": "TS-INT-0001", "signed_on": "2026-11-01", "reason": "单位申请托收"}


def execution_names(platform) -> set[str]:
    machine = platform.physical["RemittancePostingStateMachine"]
    return {e["name"] for e in client("stepfunctions").list_executions(stateMachineArn=machine)["executions"]}


def test_a_collected_remittance_from_agreement_to_receipt(platform, http, auth, new_unit, new_account, add_user):
    unit = new_unit()
    account = new_account(unit["unit_account"])
    add_user(SandboxUser(f"agent-{unit['unit_account']}", "pw", "unit_agent", ["unit_agent"], "经办人",
                         unit_account=unit["unit_account"]))
    agent = auth(f"agent-{unit['unit_account']}")
    signed = http.put(f"/ledger/units/{unit['unit_account']}/collection-agreement", headers=agent, json=AGREEMENT)
    assert signed.status_code == 200 and signed.json()["collection_agreement_no"] == "TS-INT-0001", signed.text

    bank = platform.banks["105"]  # the special account of office 360600 is at this bank, and so is the unit's
    bank.open_account(AGREEMENT["bank_account"], AGREEMENT["account_name"], "0.00")
    recorded = http.post(f"/ledger/units/{unit['unit_account']}/remittances", json={"month": this_month()},
                         headers=agent).json()
    remittance_id = recorded["remittance_id"]
    assert recorded["status"] == "COLLECTING"
    url = f"/ledger/remittances/{remittance_id}"
    assert f"remittance-{remittance_id}" not in execution_names(platform)  # nothing posts before the money

    # the unit's account at the bank is empty: the bank refuses the collection (host status 4)
    failed = eventually(lambda: http.get(url, headers=agent).json().get("status") == "RECORDED" and
                        http.get(url, headers=agent).json())
    assert "余额不足" in failed["collection_failure"]
    by_hand = http.post(f"{url}/collection-result", headers=auth("finance01"), json={"outcome": "failed"})
    assert (by_hand.status_code, by_hand.json()["code"]) == (409, "SETTLED_BY_BANK")
    bank.open_account(AGREEMENT["bank_account"], AGREEMENT["account_name"], "5000.00")  # the unit tops up
    assert http.post(f"{url}/collection", headers=agent).json()["status"] == "COLLECTING"
    eventually(lambda: http.get(url, headers=agent).json()["status"] == "POSTED")
    balance = http.get(f"/ledger/accounts/{account['account_no']}", headers=agent).json()["balance"]
    assert balance == recorded["total"] == "1200.00"
    receipt = http.get(f"{url}/receipt", headers=agent)
    assert receipt.status_code == 200, receipt.text
    body = receipt.json()
    assert (body["total"], body["total_uppercase"], body["funding"], body["persons"]) == (
        "1200.00", "壹仟贰佰元整", "collection", 1)
    assert body["bank_serial"].startswith("105") and bank.balance(AGREEMENT["bank_account"]) == Decimal("3800.00")
    ended = http.request("DELETE", f"/ledger/units/{unit['unit_account']}/collection-agreement",
                         headers=auth("clerk01"), json={"reason": "单位改为转账缴款"})
    assert ended.status_code == 200 and ended.json()["collection_agreement_no"] is None


def test_a_transfer_must_match_the_list_and_arrive_once(http, auth, new_unit, new_account):
    unit = new_unit()
    new_account(unit["unit_account"])
    recorded = http.post(f"/ledger/units/{unit['unit_account']}/remittances", json={"month": this_month()},
                         headers=auth("clerk01")).json()
    url = f"/ledger/remittances/{recorded['remittance_id']}"
    short = http.post(f"{url}/funds", headers=auth("finance01"), json={"amount": "1199.99", "bank_serial": "ICBC-1"})
    assert (short.status_code, short.json()["code"]) == (422, "FUNDS_AMOUNT_MISMATCH")
    assert http.get(f"{url}/receipt", headers=auth("clerk01")).json()["code"] == "REMITTANCE_NOT_POSTED"
    assert http.post(f"{url}/funds", headers=auth("clerk01"),
                     json={"amount": "1200.00", "bank_serial": "ICBC-1"}).status_code == 403
    ok = http.post(f"{url}/funds", headers=auth("finance01"), json={"amount": "1200.00", "bank_serial": "ICBC-1"})
    assert ok.status_code == 200 and ok.json()["status"] in ("FUNDED", "POSTED")
    again = http.post(f"{url}/funds", headers=auth("finance01"), json={"amount": "1200.00", "bank_serial": "ICBC-2"})
    assert (again.status_code, again.json()["code"]) == (409, "REMITTANCE_ALREADY_FUNDED")


def test_a_unit_s_transfer_is_confirmed_by_the_bank_s_arrival_notice(platform, http, auth, new_unit, new_account):
    """The unit pays by transfer naming its list; the bank's notice (SBDC100) reaches the center through its front
    and the queue; the list is confirmed and posts — once, though the notice comes twice, or late."""
    from hpf.local.banks import special_account_no

    bank = platform.banks["105"]
    lists = []
    for _ in range(3):
        unit = new_unit()
        account = new_account(unit["unit_account"])
        lists.append((http.post(f"/ledger/units/{unit['unit_account']}/remittances", json={"month": this_month()},
                                headers=auth("clerk01")).json(), account))
    bank.inject("duplicate_notice", tx_code="SBDC100")
    bank.inject("late_notice", tx_code="SBDC100")  # the second list's notice arrives after the third one's
    for remittance, _ in lists:
        bank.receive_transfer(special_account_no("105"), "36050186360109000999", "鹰潭集成测试有限公司",
                              remittance["total"], remittance["remittance_id"])
    for remittance, account in lists:
        eventually(lambda r=remittance: http.get(f"/ledger/remittances/{r['remittance_id']}",
                                                 headers=auth("clerk01")).json()["status"] == "POSTED", timeout=30)
        assert http.get(f"/ledger/accounts/{account['account_no']}", headers=auth("clerk01")).json()["balance"] == \
            remittance["total"]
    # a transfer that names no list is left for the reconciliation to list
    bank.receive_transfer(special_account_no("105"), "36050186360109000999", "某单位", "77.00", "")
    today = datetime.now(SHANGHAI).date().isoformat()
    report = http.post("/settlement/reconciliations", headers=auth("finance01"), json={"org": "360600", "day": today})
    differences = report.json()["differences"]
    assert any(d["cause"] == "LINE_WITHOUT_BUSINESS" and d["bank_amount"] == "77.00" for d in differences)
    assert not [d for d in differences if d["reference"] in {r["remittance_id"] for r, _ in lists}]


def test_a_units_month_lists_its_regular_and_supplementary_remittances(http, auth, new_unit, new_account, add_user,
                                                                        moved_clock):
    unit = new_unit()
    unit_no, month = unit["unit_account"], this_month()
    new_account(unit_no)
    regular = http.post(f"/ledger/units/{unit_no}/remittances", json={"month": month}, headers=auth("clerk01"))
    assert regular.status_code == 202, regular.text
    regular = regular.json()
    late_joiner = new_account(unit_no, base="3000.00")
    moved_clock.move_to(datetime.now(SHANGHAI).date().replace(day=1) + timedelta(days=40))  # 补缴 is of a past month
    extra = http.post(f"/ledger/units/{unit_no}/supplementary-remittances", headers=auth("clerk01"), json={
        "month": month, "account_nos": [late_joiner["account_no"]], "reason": "新入职职工补缴"})
    assert extra.status_code == 202, extra.text

    listed = http.get(f"/ledger/units/{unit_no}/remittances", params={"month": month}, headers=auth("finance01"))
    assert listed.status_code == 200, listed.text
    assert [(r["remittance_id"], r["kind"], r["total"]) for r in listed.json()["remittances"]] == [
        (regular["remittance_id"], "remittance", "1200.00"), (extra.json()["remittance_id"], "supplementary", "720.00")]
    assert http.get(f"/ledger/units/{unit_no}/remittances", params={"month": "2001-01"},
                    headers=auth("clerk01")).json()["remittances"] == []
    assert http.get(f"/ledger/units/{unit_no}/remittances", params={"month": "2026-13"},
                    headers=auth("clerk01")).status_code == 400
    other = new_unit()
    add_user(SandboxUser("agent-of-another-unit", "pw", "unit_agent", ["unit_agent"], "钱敏", unit_account=other["unit_account"]))
    refused = http.get(f"/ledger/units/{unit_no}/remittances", params={"month": month},
                       headers=auth("agent-of-another-unit"))
    assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN_SCOPE")

