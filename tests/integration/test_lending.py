"""Loan settlement on the local platform (4.2.3–4.2.5): a registered loan disbursed to the seller, the monthly
deduction as one batch file, early repayment — each through the lending API, the lending events queue, the
settlement workflows (single and batch), the bank sandboxes over TCP, back to the loan and the financial
ledger, and reconciled with the special account's statement."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from hpf.common.clock import SHANGHAI
from hpf.local.banks import special_account_no
from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import eventually, fresh_resident_id

_serial = itertools.count(1)
RUN = datetime.now().strftime("%H%M%S")  # contract numbers differ between runs on one platform


def new_loan(platform, http, auth, add_user, *, principal="240000.00", months=120, method="01",  # type: ignore[no-untyped-def]
             card_balance="100000.00", payee_account: str = "") -> dict[str, Any]:
    n = next(_serial)
    id_number, name = fresh_resident_id(), "赵磊"
    card, seller = f"621700{RUN}{n:05d}", payee_account or f"3605010{RUN}{n:07d}"
    ccb, boc = platform.banks["105"], platform.banks["104"]
    ccb.issue_card(card, name, id_number)
    ccb.deposit(card, card_balance)
    boc.open_account(seller, "鹰潭某房地产开发有限公司")  # the developer's supervised account at another bank
    contract = f"JK{RUN}{n:05d}"
    body = {"contract_no": contract, "org": "360600",
            "borrower": {"name": name, "id_number": id_number, "account_no": f"3606001{RUN}{n:05d}"},
            "repayment_card": {"account_no": card, "name": name, "bank": "105"},
            "payee": {"account_no": seller, "name": "鹰潭某房地产开发有限公司", "bank": "104"},
            "principal": principal, "annual_rate": "0.026", "months": months, "method": method,
            "house_address": "鹰潭市月湖区某小区1栋101"}
    assert http.post("/lending/loans", headers=auth("clerk01"), json=body).status_code == 403
    unknown_card = {**body, "repayment_card": {**body["repayment_card"], "account_no": f"621799{RUN}{n:05d}"}}
    refused = http.post("/lending/loans", headers=auth("approver01"), json=unknown_card)  # the bank checks it
    assert (refused.status_code, refused.json()["code"]) == (422, "REPAYMENT_CARD_REJECTED"), refused.text
    registered = http.post("/lending/loans", headers=auth("approver01"), json=body)
    assert registered.status_code == 201, registered.text
    username = f"borrower-{contract}"
    add_user(SandboxUser(username, "pw", "depositor", ["depositor"], name, id_number=id_number))
    return {**registered.json(), "card": card, "seller": seller, "user": username}


def loan_of(http, auth, loan: dict[str, Any], user: str = "finance01") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return http.get(f"/lending/loans/{loan['loan_no']}", headers=auth(user)).json()


def disbursed(platform, http, auth, add_user, **terms) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    loan = new_loan(platform, http, auth, add_user, **terms)
    assert http.post(f"/lending/loans/{loan['loan_no']}/disbursement", headers=auth("finance01")).status_code == 202
    eventually(lambda: loan_of(http, auth, loan)["status"] == "03", timeout=30)
    return {**loan, **loan_of(http, auth, loan)}


def execution(platform, machine: str, name: str) -> tuple[str, list[dict[str, Any]]]:  # type: ignore[no-untyped-def]
    from hpf.adapters.aws.clients import client

    sfn = client("stepfunctions")
    arn = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"] if m["name"].endswith(machine))
    run = next(e for e in sfn.list_executions(stateMachineArn=arn)["executions"] if e["name"] == name)
    return sfn.describe_execution(executionArn=run["executionArn"])["status"], \
        sfn.get_execution_history(executionArn=run["executionArn"], maxResults=1000)["events"]


def entered(history: list[dict[str, Any]]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]


def reconciled(http, auth, day: date, references: set[str]) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    report = http.post("/settlement/reconciliations", headers=auth("finance01"),
                       json={"org": "360600", "day": day.isoformat()})
    assert report.status_code == 200, report.text
    return [d for d in report.json()["differences"] if d["reference"] in references]


@pytest.mark.feature("4.2.3")
def test_a_loan_is_paid_to_the_seller_through_settlement_and_the_day_reconciles(platform, http, auth, add_user):
    boc, ccb = platform.banks["104"], platform.banks["105"]
    special_before = ccb.balance(special_account_no("105"))
    loan = new_loan(platform, http, auth, add_user)
    assert loan["status"] == "01" and loan["balance"] == "0.00"
    no = loan["loan_no"]
    assert http.post(f"/lending/loans/{no}/disbursement", headers=auth("clerk01")).status_code == 403
    assert http.post(f"/lending/loans/{no}/disbursement", headers=auth("finance01")).status_code == 202
    eventually(lambda: loan_of(http, auth, loan)["status"] == "03", timeout=30)
    again = http.post(f"/lending/loans/{no}/disbursement", headers=auth("finance01"))
    assert again.status_code == 422 and again.json()["code"] == "LOAN_STATUS_TRANSITION_NOT_ALLOWED"

    assert boc.balance(loan["seller"]) == Decimal("240000.00")  # across banks, as CNAPS would
    assert special_before - ccb.balance(special_account_no("105")) == Decimal("240000.00")
    instruction_id = f"DSB-{no}-1"
    record = http.get(f"/settlement/instructions/{instruction_id}", headers=auth("finance01")).json()
    assert record["status"] == "APPLIED" and record["business"] == "04"
    assert [h["event"] for h in record["history"]] == ["send", "booked", "apply"]
    status, history = execution(platform, "-settlement", f"settle-{instruction_id}")
    assert status == "SUCCEEDED" and entered(history) == ["Receive", "Valid?", "Send", "Sent?", "Apply", "Settled"]

    details = http.get(f"/lending/loans/{no}/details", headers=auth(loan["user"])).json()["details"]
    assert [(d["type"], d["amount"], d["detail_id"]) for d in details] == [("01", "240000.00", instruction_id)]
    plan = http.get(f"/lending/loans/{no}/schedule", headers=auth(loan["user"])).json()["installments"]
    assert len(plan) == 120 and sum(Decimal(i["principal"]) for i in plan) == Decimal("240000.00")
    add_user(SandboxUser("loan-stranger", "pw", "depositor", ["depositor"], "王五", id_number=fresh_resident_id()))
    assert http.get(f"/lending/loans/{no}", headers=auth("loan-stranger")).status_code == 403  # not theirs
    mine = http.get("/lending/loans", headers=auth(loan["user"])).json()["loans"]
    assert [ln["loan_no"] for ln in mine] == [no]

    today = datetime.now(SHANGHAI).date()
    assert reconciled(http, auth, today, {instruction_id}) == []
    balance = http.get("/ledger/trial-balance", params={"day": today.isoformat()}, headers=auth("finance01")).json()
    assert balance["balanced"] is True


@pytest.mark.feature("4.2.4")
def test_the_monthly_deduction_goes_as_one_batch_and_late_results_are_waited_for(platform, http, auth, add_user,
                                                                                  moved_clock):
    paying = disbursed(platform, http, auth, add_user)
    short = disbursed(platform, http, auth, add_user, principal="100000.00", months=60, method="02",
                      card_balance="10.00")
    due = date.fromisoformat(paying["next_installment"]["due"])
    moved_clock.move_to(due)
    ccb = platform.banks["105"]
    ccb.inject("late_batch", "BDC107", times=2)  # the bank has booked the lines; its results come late

    body = {"org": "360600", "day": due.isoformat()}
    assert http.post("/lending/deduction-runs", headers=auth("clerk01"), json=body).status_code == 403
    run = http.post("/lending/deduction-runs", headers=auth("finance01"), json=body)
    assert run.status_code == 202, run.text
    batch_id = run.json()["batch_id"]
    assert batch_id == f"BAT-360600-{due:%Y%m%d}" and run.json()["lines"] >= 2
    rule = next(r for r in platform.scheduler.rules() if r["Name"].endswith("deduction-run"))
    assert rule["ScheduleExpression"] == "cron(0 22 * * ? *)"
    fired = platform.scheduler.fire(rule)[0]  # the schedule firing too (and twice): the same batch, not another
    assert fired["batches"]["360600"]["batch_id"] == batch_id
    assert http.post("/lending/deduction-runs", headers=auth("finance01"), json=body).json()["batch_id"] == batch_id

    view = lambda: http.get(f"/settlement/batches/{batch_id}", headers=auth("finance01")).json()  # noqa: E731
    eventually(lambda: view().get("status") == "DONE" and all(ln["status"] == "APPLIED" for ln in view()["lines"]),
               timeout=60)
    batch = view()
    assert batch["queries"] >= 3  # twice "still processing", then the results
    lines = {ln["instruction_id"]: ln for ln in batch["lines"]}
    paid_line, failed_line = f"DED-{paying['loan_no']}-001-{due:%Y%m%d}", f"DED-{short['loan_no']}-001-{due:%Y%m%d}"
    assert lines[failed_line]["failure_reason"] == "扣款账户余额不足"
    status, history = execution(platform, "-settlement-batch", f"batch-{batch_id}")
    assert status == "SUCCEEDED" and entered(history).count("Query") >= 3 and "Review" not in entered(history)
    assert len([m for m in ccb.received if m.tx_code == "BDC105" and m.body["BatchNo"] == batch_id]) == 1

    after = loan_of(http, auth, paying)
    assert after["paid_periods"] == 1
    assert Decimal(after["balance"]) == Decimal("240000.00") - Decimal(paying["next_installment"]["principal"])
    assert ccb.balance(paying["card"]) == Decimal("100000.00") - Decimal(paying["next_installment"]["payment"])
    unpaid = loan_of(http, auth, short)
    assert unpaid["paid_periods"] == 0 and unpaid["last_failure"] == "扣款账户余额不足" and not unpaid["in_flight"]
    assert reconciled(http, auth, due, {paid_line, failed_line}) == []

    # The next morning the installment is overdue; the borrower tops up the card and the next batch takes it.
    moved_clock.move_to(due + timedelta(days=1))
    assert loan_of(http, auth, short)["overdue_periods"] == [1]
    ccb.deposit(short["card"], "5000.00")
    retry = http.post("/lending/deduction-runs", headers=auth("finance01"),
                      json={"org": "360600", "day": (due + timedelta(days=1)).isoformat()}).json()
    eventually(lambda: loan_of(http, auth, short)["paid_periods"] == 1, timeout=60)
    details = http.get(f"/lending/loans/{short['loan_no']}/details", headers=auth("finance01")).json()["details"]
    assert [d["type"] for d in details] == ["01", "04"]  # 逾期还款: paid a day after its due date
    assert retry["batch_id"] != batch_id


@pytest.mark.feature("4.2.5")
def test_early_repayment_collects_from_the_card_and_settles_the_loan(platform, http, auth, add_user, moved_clock):
    loan = disbursed(platform, http, auth, add_user)
    no, user, ccb = loan["loan_no"], loan["user"], platform.banks["105"]
    moved_clock.move_to(datetime.now(SHANGHAI).date() + timedelta(days=10))  # before the first due date
    quote = http.post(f"/lending/loans/{no}/early-repayment-quotes", headers=auth(user),
                      json={"principal": "50000.00"}).json()
    assert quote["interest"] == "36.11"  # 50,000.00 × 2.6% × 10 / 360
    small = http.post(f"/lending/loans/{no}/early-repayments", headers=auth(user),
                      json={"request_id": "PRE-SMALL-0001", "principal": "500.00"})
    assert small.status_code == 422 and small.json()["code"] == "EARLY_REPAYMENT_TOO_LITTLE"
    asked = http.post(f"/lending/loans/{no}/early-repayments", headers=auth(user),
                      json={"request_id": f"ER-{no}-1", "principal": "50000.00"})
    assert asked.status_code == 202, asked.text
    assert asked.json()["amount"] == "50036.11"
    eventually(lambda: loan_of(http, auth, loan)["balance"] == "190000.00", timeout=30)
    after = loan_of(http, auth, loan)
    assert Decimal(after["next_installment"]["payment"]) < Decimal(loan["next_installment"]["payment"])
    assert ccb.balance(loan["card"]) == Decimal("100000.00") - Decimal("50036.11")

    ccb.deposit(loan["card"], "200000.00")
    full = http.post(f"/lending/loans/{no}/early-repayments", headers=auth(user),
                     json={"request_id": f"ER-{no}-2"})
    assert full.status_code == 202 and full.json()["full"] is True and full.json()["principal"] == "190000.00"
    eventually(lambda: loan_of(http, auth, loan)["status"] == "04", timeout=30)
    settled = loan_of(http, auth, loan)
    assert settled["balance"] == "0.00" and settled["next_installment"] is None
    repeated = http.post(f"/lending/loans/{no}/early-repayments", headers=auth(user),
                         json={"request_id": f"ER-{no}-2"})
    assert repeated.status_code == 409 and repeated.json()["code"] == "EARLY_REPAYMENT_DONE"
    details = http.get(f"/lending/loans/{no}/details", headers=auth(user)).json()["details"]
    assert [d["type"] for d in details] == ["01", "03", "03"]
    record = http.get(f"/settlement/instructions/PRE-ER-{no}-2", headers=auth("finance01")).json()
    assert (record["status"], record["direction"], record["business"]) == ("APPLIED", "collect", "05")
    day = moved_clock.now().date()
    assert reconciled(http, auth, day, {f"PRE-ER-{no}-1", f"PRE-ER-{no}-2"}) == []


def test_an_office_lists_its_loans_by_status_a_page_at_a_time(platform, http, auth, add_user):
    waiting = [new_loan(platform, http, auth, add_user)["loan_no"] for _ in range(2)]
    repaying = disbursed(platform, http, auth, add_user)["loan_no"]

    def every(status: str) -> list[str]:
        found, token = [], None
        while True:
            page = http.get("/lending/offices/360600/loans", headers=auth("approver01"),
                            params={"status": status, "page_size": 1, **({"page_token": token} if token else {})})
            assert page.status_code == 200, page.text
            assert len(page.json()["loans"]) <= 1 and all(ln["status"] == status for ln in page.json()["loans"])
            found += [ln["loan_no"] for ln in page.json()["loans"]]
            if not (token := page.json()["next_page_token"]):
                return found

    awaiting = every("01")
    assert set(waiting) <= set(awaiting) and repaying not in awaiting and awaiting == sorted(awaiting)
    assert repaying in every("03")
    other_office = http.get("/lending/offices/360600/loans", headers=auth("clerk-gx"))
    assert other_office.status_code == 403
    bad = http.get("/lending/offices/360600/loans", headers=auth("approver01"), params={"status": "09"})
    assert bad.status_code == 400
