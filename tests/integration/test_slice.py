"""The first slice through HTTP on the local platform: unit → account → remittance → posting (outbox, queue,
state machine) → balance and statement; correlation ids and operation records along the way."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from decimal import Decimal

from hpf.adapters.aws.clients import client
from hpf.common.clock import SHANGHAI
from hpf.identity.principal import Principal
from hpf.identity.roles import CENTER_ORG, Role
from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import eventually, operation_records, this_month


def test_deposit_reaches_the_balance_through_outbox_queue_and_state_machine(platform, http, auth, new_unit,
                                                                             new_account, add_user):
    unit = new_unit()
    account = new_account(unit["unit_account"], base="6800.00")
    correlation = "slice-" + datetime.now().strftime("%H%M%S%f")
    recorded = http.post(f"/ledger/units/{unit['unit_account']}/remittances", json={"month": this_month()},
                         headers=auth("clerk01", **{"X-Correlation-Id": correlation}))
    assert recorded.status_code == 202, recorded.text
    assert recorded.headers["X-Correlation-Id"] == correlation
    remittance = recorded.json()
    assert remittance["status"] == "RECORDED" and remittance["total"] == "1632.00"
    # Money first: nothing posts until finance confirms the unit's transfer from the bank statement.
    funded = http.post(f"/ledger/remittances/{remittance['remittance_id']}/funds",
                       json={"amount": "1632.00", "bank_serial": f"CCB-{correlation}"},
                       headers=auth("finance01", **{"X-Correlation-Id": correlation}))
    assert funded.status_code == 200 and funded.json()["status"] == "FUNDED", funded.text

    def balance() -> str | None:
        body = http.get(f"/ledger/accounts/{account['account_no']}", headers=auth("clerk01")).json()
        return body["balance"] if body["balance"] != "0.00" else None

    assert eventually(balance) == "1632.00"
    # The lines post first; the remittance is marked POSTED in the transaction after the last line.
    eventually(lambda: http.get(f"/ledger/remittances/{remittance['remittance_id']}",
                                headers=auth("clerk01")).json()["status"] == "POSTED")

    # The depositor sees the same through the APP, with the statement line.
    add_user(SandboxUser(f"dep-{account['account_no']}", "pw", "depositor", ["depositor"], "李华",
                         id_number=account["full_id_number"], default_channel="app"))
    mine = auth(f"dep-{account['account_no']}")
    statement = http.get(f"/ledger/accounts/{account['account_no']}/entries", headers=mine).json()
    assert [(e["amount"], e["balance_after"], e["month"]) for e in statement["entries"]] == [
        ("1632.00", "1632.00", this_month())]

    # One state machine execution, named by the remittance, whose task really posted.
    sfn = client("stepfunctions")
    machine = platform.physical["RemittancePostingStateMachine"]
    executions = [e for e in sfn.list_executions(stateMachineArn=machine)["executions"]
                  if e["name"] == f"remittance-{remittance['remittance_id']}"]
    assert len(executions) == 1
    arn = executions[0]["executionArn"]
    eventually(lambda: sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED")
    history = sfn.get_execution_history(executionArn=arn)["events"]
    assert any(e["type"] == "TaskSucceeded" for e in history)
    output = json.loads(sfn.describe_execution(executionArn=arn)["output"])
    assert output["status"] == "POSTED" and output["correlation_id"] == correlation

    # The correlation id went from HTTP through relay, queue consumer and the state-machine task.
    log_lines = [json.loads(line) for line in platform.log_file.read_text(encoding="utf-8").splitlines()
                 if correlation in line]
    services = {line["service"] for line in log_lines}
    assert {"hpf-ledger-events", "hpf-ledger-jobs"} <= services


def test_a_posting_run_twice_at_once_credits_once(platform, http, auth, new_unit, new_account):
    from hpf import bootstrap

    unit = new_unit()
    account = new_account(unit["unit_account"], base="5000.00")
    service = bootstrap.ledger_service()
    staff = Principal("t", "staff", frozenset({Role.COUNTER_CLERK}), org=CENTER_ORG)
    remittance = service.record_remittance(unit["unit_account"], this_month(), staff)
    # Funding starts the posting workflow too: it competes with these four threads, which is all the better.
    bootstrap.remittance_funding().confirm_funds(remittance.remittance_id, remittance.total, "RACE-FUNDS")
    errors: list[BaseException] = []

    def post() -> None:
        try:
            service.post_remittance(remittance.remittance_id)
        except BaseException as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=post) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    body = http.get(f"/ledger/accounts/{account['account_no']}", headers=auth("clerk01")).json()
    assert Decimal(body["balance"]) == Decimal("1200.00")
    entries = http.get(f"/ledger/accounts/{account['account_no']}/entries", headers=auth("clerk01")).json()
    assert len(entries["entries"]) == 1


def test_state_changes_leave_operation_records_staff_cannot_edit(platform, http, auth, new_unit):
    unit = new_unit()
    duplicate = http.post("/ledger/units", headers=auth("clerk01"), json={
        "name": "重复开户", "credit_code": unit["credit_code"], "unit_ratio": "0.12", "personal_ratio": "0.12"})
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "UNIT_ALREADY_REGISTERED"

    today = datetime.now(SHANGHAI).date().isoformat()

    mine = [r for r in operation_records(http, auth) if r["action"] == "POST /units" and r["subject"] == "clerk01"]
    outcomes = {(r["outcome"], r["error_code"]) for r in mine}
    assert (201, None) in outcomes and (409, "UNIT_ALREADY_REGISTERED") in outcomes
    assert all(r["channel"] == "counter" and r["roles"] == ["counter_clerk"] and r["org"] == "360600" for r in mine)

    # Only auditors read the trail; nobody can change it through the platform.
    assert http.get("/platform/operations", params={"day": today}, headers=auth("clerk01")).status_code == 403
    for method in ("PUT", "PATCH", "DELETE"):
        assert http.request(method, "/platform/operations", headers=auth("auditor01")).status_code in (404, 405)


def test_a_branch_clerk_is_kept_to_their_office(http, auth, new_unit):
    unit = new_unit(org="360600")
    refused = http.get(f"/ledger/units/{unit['unit_account']}", headers=auth("clerk-gx"))
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN_SCOPE"
    own = new_unit(org="360681", clerk="clerk-gx")
    assert http.get(f"/ledger/units/{own['unit_account']}", headers=auth("clerk-gx")).status_code == 200


def test_bad_input_changes_nothing(platform, http, auth, new_unit):
    unit = new_unit()
    before = client("dynamodb").scan(TableName=platform.physical["LedgerTable"], Select="COUNT")["Count"]
    cases = [
        ({"name": "李华", "id_number": "360602199001011230", "deposit_base": "5000.00"}, 400, "INVALID_RESIDENT_ID"),
        ({"name": "李华", "id_number": "360602199001011237", "deposit_base": "99999.00"}, 422, "BASE_OUT_OF_POLICY"),
        ({"name": "李华", "id_number": "360602199001011237", "deposit_base": "5000.001"}, 400, "VALIDATION_FAILED"),
        ({"name": "李华", "id_number": "360602199001011237"}, 400, "VALIDATION_FAILED"),
    ]
    for body, status, code in cases:
        response = http.post(f"/ledger/units/{unit['unit_account']}/accounts", json=body, headers=auth("clerk01"))
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])
    missing = http.get("/ledger/accounts/360600999999999", headers=auth("clerk01"))
    assert (missing.status_code, missing.json()["code"]) == (404, "ACCOUNT_NOT_FOUND")
    after = client("dynamodb").scan(TableName=platform.physical["LedgerTable"], Select="COUNT")["Count"]
    assert after == before


def test_the_day_s_ledgers_balance_and_agree(http, auth, deposited_account):
    deposited_account(base="3000.00", expected_balance="720.00")
    today = datetime.now(SHANGHAI).date().isoformat()
    tb = http.get("/ledger/trial-balance", params={"day": today}, headers=auth("finance01")).json()
    assert tb["balanced"] is True and tb["total_debit"] == tb["total_credit"]
    fund = next(row for row in tb["rows"] if row["subject"] == "201")
    assert Decimal(fund["credit"]) >= Decimal("720.00") and fund["name"] == "住房公积金"
    check = http.get("/ledger/ledger-check", params={"day": today}, headers=auth("auditor01")).json()
    assert check["agrees"] is True and check["differences"] == []
    assert check["business_total"] == check["financial_total"] == fund["balance"]
    assert http.get("/ledger/trial-balance", params={"day": today}, headers=auth("clerk01")).status_code == 403
