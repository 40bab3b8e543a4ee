"""Developer and project registration (6.2.15, 6.2.16) on the local platform: checked against the big-data center's
business registration and permits through the datashare client and the gateway sandbox, refused on what the data
says, waiting for an approver when it cannot say; and the developer's view of its buyers' loans."""

from __future__ import annotations

from typing import Any

import pytest

from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import fresh_credit_code
from tests.integration.test_datashare import authorize


def registration(credit_code: str, account: str, name: str = "鹰潭测试置业有限公司") -> dict[str, Any]:
    return {"credit_code": credit_code, "name": name, "legal_representative": "张建国",
            "address": "鹰潭市月湖区站江路8号", "accounts": [{"bank": "104", "account_no": account,
                                                           "account_name": name}]}


def business(platform, credit_code: str, status: str = "存续", name: str = "鹰潭测试置业有限公司") -> None:  # type: ignore[no-untyped-def]
    platform.bigdata.add_records("business_registration", [
        {"TYSHXYDM": credit_code, "QYMC": name, "FDDBR": "张建国", "ZS": "鹰潭市月湖区站江路8号", "DJZT": status}])


def registered(platform, http, auth, account: str) -> str:  # type: ignore[no-untyped-def]
    code = fresh_credit_code()
    business(platform, code)
    body = {**registration(code, account), "authorization_id": authorize(http, auth, "unit", code,
                                                                       "developer_registration")}
    answer = http.post("/lending/developers", headers=auth("clerk01"), json=body)
    assert answer.status_code == 201, answer.text
    return code


@pytest.mark.feature("6.2.15")
def test_a_developer_is_registered_against_business_registration(platform, http, auth):
    code = fresh_credit_code()
    business(platform, code)
    body = registration(code, "36050100000000012001")
    refused = http.post("/lending/developers", headers=auth("clerk01"),
                        json={**body, "authorization_id": "DSA-0123456789abcdef01234567"})
    assert (refused.status_code, refused.json()["code"]) == (403, "DATASHARE_UNAUTHORIZED")
    body["authorization_id"] = authorize(http, auth, "unit", code, "developer_registration")
    answer = http.post("/lending/developers", headers=auth("clerk01"), json=body)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["status"], answer.json()["verification"]["online"]) == ("01", True)
    assert set(answer.json()["verification"]["query_ids"]) == {"business_registration"}
    again = http.post("/lending/developers", headers=auth("clerk01"), json=body)
    assert (again.status_code, again.json()["code"]) == (409, "DEVELOPER_EXISTS")

    closed = fresh_credit_code()
    business(platform, closed, status="注销")
    gone = http.post("/lending/developers", headers=auth("clerk01"), json={
        **registration(closed, "36050100000000012002"),
        "authorization_id": authorize(http, auth, "unit", closed, "developer_registration")})
    assert (gone.status_code, gone.json()["code"]) == (422, "DEVELOPER_NOT_IN_BUSINESS")
    assert "注销" in gone.json()["message"]


@pytest.mark.feature("6.2.15")
def test_a_name_that_differs_waits_for_an_approver_who_confirms_with_the_paper(platform, http, auth):
    code = fresh_credit_code()
    business(platform, code, name="鹰潭测试置业有限责任公司")
    answer = http.post("/lending/developers", headers=auth("clerk01"), json={
        **registration(code, "36050100000000012003"),
        "authorization_id": authorize(http, auth, "unit", code, "developer_registration")})
    assert answer.status_code == 201 and answer.json()["status"] == "02"
    assert answer.json()["verification"]["differences"][0]["shared"] == "鹰潭测试置业有限责任公司"
    project = http.post(f"/lending/developers/{code}/projects", headers=auth("clerk01"), json={
        "name": "x", "location": "y", "presale_permit": "YS-PENDING-1", "planning_permit": "GH-1",
        "land_planning_permit": "YD-1", "construction_permit": "SG-1",
        "authorization_id": "DSA-0123456789abcdef01234567"})
    assert (project.status_code, project.json()["code"]) == (422, "DEVELOPER_PENDING")
    confirmed = http.post(f"/lending/developers/{code}/confirmation", headers=auth("approver01"),
                          json={"materials_reference": "DOC-YYZZ-0001"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "01"
    assert confirmed.json()["verification"]["materials_reference"] == "DOC-YYZZ-0001"


@pytest.mark.feature("6.2.16")
def test_a_project_is_registered_against_its_permits_and_its_supervised_account(platform, http, auth):
    account = "36050100000000012004"
    code = registered(platform, http, auth, account)
    permit = f"YS{code[-8:]}"
    platform.bigdata.add_records("presale_permit", [{"XKZH": permit, "KFQY": "鹰潭测试置业有限公司",
                                                     "TYSHXYDM": code, "XMMC": "信江花园", "JGZH": account}])
    for source, number in (("planning_permit", f"GH{code[-8:]}"), ("land_planning_permit", f"YD{code[-8:]}"),
                           ("construction_permit", f"SG{code[-8:]}")):
        platform.bigdata.add_records(source, [{"XKZH": number, "XMMC": "信江花园"}])
    body = {"name": "信江花园", "location": "鹰潭市信江新区", "presale_permit": permit,
            "planning_permit": f"GH{code[-8:]}", "land_planning_permit": f"YD{code[-8:]}",
            "construction_permit": f"SG{code[-8:]}",
            "authorization_id": authorize(http, auth, "project", permit, "project_registration")}
    missing = http.post(f"/lending/developers/{code}/projects", headers=auth("clerk01"),
                        json={**body, "construction_permit": "SG-NONE"})
    assert (missing.status_code, missing.json()["code"]) == (422, "PROJECT_PERMITS_INVALID")
    answer = http.post(f"/lending/developers/{code}/projects", headers=auth("clerk01"), json=body)
    assert answer.status_code == 201, answer.text
    assert (answer.json()["status"], answer.json()["supervised_account"]) == ("01", account)

    other = registered(platform, http, auth, "36050100000000012005")
    stolen = http.post(f"/lending/developers/{other}/projects", headers=auth("clerk01"), json=body)
    assert (stolen.status_code, stolen.json()["code"]) == (422, "PERMIT_OF_ANOTHER_DEVELOPER")
    listed = http.get(f"/lending/developers/{code}/projects", headers=auth("approver01")).json()["projects"]
    assert [p["project_id"] for p in listed] == [permit]


def test_a_developer_sees_its_buyers_loans_and_no_one_elses(platform, http, auth, add_user):
    from tests.integration.test_lending import disbursed

    seller_account = "36050100000000012006"
    code = registered(platform, http, auth, seller_account)
    loan = disbursed(platform, http, auth, add_user, payee_account=seller_account)
    add_user(SandboxUser(f"dev-{code}", "pw", "developer", ["developer"], "鹰潭测试置业有限公司", credit_code=code,
                         default_channel="developer_web"))
    mine = http.get(f"/lending/developers/{code}/loans", headers=auth(f"dev-{code}"))
    assert mine.status_code == 200, mine.text
    assert [(ln["loan_no"], ln["account_no"], ln["status"]) for ln in mine.json()["loans"]] == \
        [(loan["loan_no"], seller_account, "03")]
    assert mine.json()["total_disbursed"] == "240000.00" and "*" in mine.json()["loans"][0]["borrower_name"]
    other = registered(platform, http, auth, "36050100000000012007")
    refused = http.get(f"/lending/developers/{other}/loans", headers=auth(f"dev-{code}"))
    assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN_SCOPE")
