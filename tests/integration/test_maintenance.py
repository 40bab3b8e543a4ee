"""Unit and account maintenance through HTTP on the local platform."""

from __future__ import annotations

from hpf.adapters.aws.clients import client
from tests.integration.conftest import eventually


def test_base_seal_and_move_through_http_leave_history_and_events(platform, http, auth, new_unit, new_account):
    first, second = new_unit(), new_unit()
    account = new_account(first["unit_account"], base="5000.00")
    no = account["account_no"]
    clerk = auth("clerk01")

    based = http.put(f"/ledger/accounts/{no}/deposit-base", json={"deposit_base": "5600.00", "reason": "年度调整"},
                     headers=clerk)
    assert based.status_code == 200 and based.json()["deposit_base"] == "5600.00"
    sealed = http.post(f"/ledger/accounts/{no}/status-events", json={"event": "seal", "reason": "离职"}, headers=clerk)
    assert sealed.json()["status"] == "02" and sealed.json()["status_label"] == "封存"
    moved = http.post(f"/ledger/accounts/{no}/move", json={"to_unit": second["unit_account"]}, headers=clerk)
    assert (moved.json()["unit_account"], moved.json()["status"]) == (second["unit_account"], "01")

    refused = http.post(f"/ledger/accounts/{no}/status-events", json={"event": "unfreeze", "reason": "误操作"},
                        headers=clerk)
    assert (refused.status_code, refused.json()["code"]) == (422, "ACCOUNT_STATUS_TRANSITION_NOT_ALLOWED")
    assert "正常" in refused.json()["message"]
    closing = http.post(f"/ledger/accounts/{no}/status-events", json={"event": "close", "reason": "xx"}, headers=clerk)
    assert (closing.status_code, closing.json()["code"]) == (400, "VALIDATION_FAILED")

    history = http.get(f"/ledger/accounts/{no}/history", headers=auth("auditor01")).json()["records"]
    assert [(r["action"], r["business_type"]) for r in history] == [("base", "10"), ("seal", "05"), ("move", "06")]
    assert history[2]["detail"]["unit_account"] == f"{first['unit_account']}→{second['unit_account']}"
    assert all(r["actor"] == "clerk01" for r in history)

    outbox = platform.physical["OutboxTable"]
    event_id = f"ledger.AccountChanged#{no}#v{history[-1]['version']}"
    eventually(lambda: "published_at" in client("dynamodb").get_item(
        TableName=outbox, Key={"event_id": {"S": event_id}}).get("Item", {}))


def test_a_unit_agent_sets_its_own_ratios_but_not_another_unit_s(http, auth, add_user, new_unit):
    from hpf.sandbox.identity import SandboxUser

    own, other = new_unit(), new_unit()
    add_user(SandboxUser(f"agent-{own['unit_account']}", "pw", "unit_agent", ["unit_agent"], "经办人",
                         unit_account=own["unit_account"], default_channel="unit_web"))
    agent = auth(f"agent-{own['unit_account']}")
    body = {"unit_ratio": "0.10", "personal_ratio": "0.10", "reason": "董事会决议"}
    assert http.put(f"/ledger/units/{own['unit_account']}/ratios", json=body, headers=agent).json()["unit_ratio"] == "0.10"
    denied = http.put(f"/ledger/units/{other['unit_account']}/ratios", json=body, headers=agent)
    assert (denied.status_code, denied.json()["code"]) == (403, "FORBIDDEN_SCOPE")
    too_high = http.put(f"/ledger/units/{own['unit_account']}/ratios",
                        json={**body, "unit_ratio": "0.15"}, headers=agent)
    assert (too_high.status_code, too_high.json()["code"]) == (422, "RATIO_OUT_OF_POLICY")


def test_interest_preview_and_a_unit_settlement_through_http(http, auth, deposited_account):
    from datetime import datetime

    from hpf.common.clock import SHANGHAI

    unit, account = deposited_account()
    today = datetime.now(SHANGHAI).date()
    year_end = f"{today.year + (1 if today.month > 6 else 0)}-06-30"
    preview = http.get(f"/ledger/accounts/{account['account_no']}/interest", params={"to": year_end},
                       headers=auth("clerk01")).json()
    days = (datetime.fromisoformat(year_end).date() - today).days
    assert preview["current_product"] == f"{1200 * days:.2f}" and preview["carried_product"] == "0.00"
    assert preview["interest"] == f"{(1200 * days * 0.015 / 360):.2f}"
    last_june = f"{today.year - (0 if today.month > 6 else 1)}-06-30"
    settled = http.post(f"/ledger/units/{unit['unit_account']}/interest-settlements",
                        json={"settlement": last_june}, headers=auth("finance01"))
    assert settled.status_code == 200, settled.text
    assert settled.json()["settled"] == 0 and settled.json()["already"] == 1  # opened after that 30 June
    assert http.post(f"/ledger/units/{unit['unit_account']}/interest-settlements", json={"settlement": "2026-06-29"},
                     headers=auth("finance01")).json()["code"] == "INVALID_SETTLEMENT_DATE"


def test_the_yearly_interest_run_settles_every_unit_once(platform, http, auth):
    """The 1 July schedule plans one message per unit; the queue consumer settles each, once."""
    from datetime import datetime
    from decimal import Decimal

    from hpf.adapters.aws.ledger_store import DynamoLedgerUnitOfWork
    from hpf.common.clock import SHANGHAI, FixedClock
    from hpf.identity.principal import Principal
    from hpf.identity.roles import Role
    from hpf.ledger.funding import RemittanceFunding
    from hpf.ledger.policy import load_policy_book
    from hpf.ledger.services import LedgerService, OpenAccount, RegisterUnit
    from tests.integration.conftest import fresh_credit_code, fresh_resident_id

    # A depositor who has been with the center since January, written as of then.
    january = FixedClock(datetime(2026, 1, 5, 10, tzinfo=SHANGHAI))
    tables = platform.physical["LedgerTable"], platform.physical["OutboxTable"]
    past = LedgerService(lambda: DynamoLedgerUnitOfWork(*tables), january, load_policy_book)
    clerk = Principal("clerk01", "staff", frozenset({Role.COUNTER_CLERK}), org="360600")
    unit = past.register_unit(RegisterUnit("余江结息测试有限公司", fresh_credit_code(), Decimal("0.12"),
                                           Decimal("0.12"), "360603"), clerk)
    account = past.open_account(unit.unit_account, OpenAccount("李华", fresh_resident_id(), Decimal("5000.00")), clerk)
    recorded = past.record_remittance(unit.unit_account, "2026-01", clerk)
    # funded and posted as of January, straight away (the workflow the funding starts finds it posted)
    RemittanceFunding(lambda: DynamoLedgerUnitOfWork(*tables), january).confirm_funds(
        recorded.remittance_id, recorded.total, "CCB-JAN-0001")
    past.post_remittance(recorded.remittance_id)

    rule = next(r for r in platform.scheduler.rules() if r["Name"].endswith("interest-settlement"))
    assert rule["ScheduleExpression"] == "cron(30 16 30 6 ? *)"
    planned = platform.scheduler.fire(rule)[0]
    assert planned["settlement"] == "2026-06-30" and planned["units"] >= 1

    def balance() -> str:
        return http.get(f"/ledger/accounts/{account.account_no}", headers=auth("clerk01")).json()["balance"]

    # 1,200.00 from 5 January to 30 June: 176 days × 1.5 % / 360 = 8.80
    assert eventually(lambda: balance() == "1208.80", timeout=60)
    platform.scheduler.fire(rule)  # a rerun of the whole plan credits nobody twice
    entries = http.get(f"/ledger/accounts/{account.account_no}/entries", headers=auth("clerk01")).json()["entries"]
    assert [e["kind"] for e in entries] == ["01", "02"] and entries[1]["business_date"] == "2026-06-30"

    def drained() -> bool:
        counts = client("sqs").get_queue_attributes(
            QueueUrl=platform.physical["InterestSettlementQueue"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        return counts == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}

    eventually(drained, timeout=60)
    assert balance() == "1208.80"
    units = http.get("/ledger/units", params={"org": "360603"}, headers=auth("clerk01")).json()["units"]
    assert unit.unit_account in [u["unit_account"] for u in units]


def test_a_supplementary_deposit_through_http(http, auth, new_unit, new_account, fund):
    from datetime import datetime

    from hpf.common.clock import SHANGHAI

    unit = new_unit()
    account = new_account(unit["unit_account"], base="4000.00")
    today = datetime.now(SHANGHAI).date()
    last_month = f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"
    body = {"month": last_month, "account_nos": [account["account_no"]], "reason": "入职当月漏缴"}
    recorded = http.post(f"/ledger/units/{unit['unit_account']}/supplementary-remittances", json=body,
                         headers=auth("clerk01"))
    assert recorded.status_code == 202 and recorded.json()["kind"] == "supplementary"
    sup_id = recorded.json()["remittance_id"]
    fund(recorded.json())
    eventually(lambda: http.get(f"/ledger/remittances/{sup_id}", headers=auth("clerk01")).json()["status"] == "POSTED")
    entries = http.get(f"/ledger/accounts/{account['account_no']}/entries", headers=auth("clerk01")).json()["entries"]
    assert [(e["kind"], e["month"], e["amount"]) for e in entries] == [("03", last_month, "960.00")]
    again = http.post(f"/ledger/units/{unit['unit_account']}/supplementary-remittances", json=body,
                      headers=auth("clerk01"))
    assert (again.status_code, again.json()["code"]) == (409, "MONTH_ALREADY_DEPOSITED")


def test_a_depositor_fetches_their_deposit_certificate(http, auth, add_user, deposited_account):
    from hpf.sandbox.identity import SandboxUser
    from tests.integration.conftest import this_month

    _, account = deposited_account()
    add_user(SandboxUser(f"cert-{account['account_no']}", "pw", "depositor", ["depositor"], "李华",
                         id_number=account["full_id_number"], default_channel="app"))
    certificate = http.get(f"/ledger/accounts/{account['account_no']}/deposit-certificate",
                           headers=auth(f"cert-{account['account_no']}")).json()
    assert certificate["name"] == "李华" and certificate["id_number"] != account["full_id_number"]
    assert (certificate["last_month"], certificate["consecutive_months"], certificate["balance"]) == (
        this_month(), 1, "1200.00")
    assert certificate["unit_name"] == "鹰潭集成测试有限公司"


def test_a_unit_agent_lists_its_depositors_with_masked_identities(http, auth, add_user, new_unit, new_account):
    from hpf.sandbox.identity import SandboxUser

    unit, other = new_unit(), new_unit()
    opened = [new_account(unit["unit_account"]) for _ in range(3)]
    add_user(SandboxUser(f"list-agent-{unit['unit_account']}", "pw", "unit_agent", ["unit_agent"], "经办人",
                         unit_account=unit["unit_account"], default_channel="unit_web"))
    agent = auth(f"list-agent-{unit['unit_account']}")
    listed = http.get(f"/ledger/units/{unit['unit_account']}/accounts", headers=agent).json()["accounts"]
    assert [a["account_no"] for a in listed] == sorted(a["account_no"] for a in opened)
    assert all("*" in a["id_number"] and "*" in a["name"] for a in listed)
    assert http.get(f"/ledger/units/{other['unit_account']}/accounts", headers=agent).status_code == 403


def test_a_voluntary_depositor_registers_and_pays_from_the_app(http, auth, add_user, fund):
    from hpf.sandbox.identity import SandboxUser
    from tests.integration.conftest import fresh_resident_id, this_month

    person = fresh_resident_id()
    add_user(SandboxUser(f"vol-{person}", "pw", "depositor", ["depositor"], "赵敏", id_number=person,
                         default_channel="app"))
    me = auth(f"vol-{person}")
    opened = http.post("/ledger/voluntary-accounts", headers=me,
                       json={"name": "赵敏", "id_number": person, "deposit_base": "4000.00", "org": "360681"})
    assert opened.status_code == 201, opened.text
    account_no = opened.json()["account_no"]
    unit = http.get(f"/ledger/units/{opened.json()['unit_account']}", headers=auth("clerk01")).json()
    assert unit["name"] == "贵溪管理部自愿缴存户"
    paid = http.post(f"/ledger/accounts/{account_no}/voluntary-deposits", headers=me, json={"month": this_month()})
    assert paid.status_code == 202 and paid.json()["kind"] == "voluntary"
    fund(paid.json())
    eventually(lambda: http.get(f"/ledger/accounts/{account_no}", headers=me).json()["balance"] == "960.00")
    someone_else = http.post("/ledger/voluntary-accounts", headers=me, json={
        "name": "冒名", "id_number": fresh_resident_id(), "deposit_base": "4000.00"})
    assert (someone_else.status_code, someone_else.json()["code"]) == (403, "FORBIDDEN_SCOPE")
