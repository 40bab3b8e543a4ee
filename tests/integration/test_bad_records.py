"""不良信息处理 (6.3.8) and 电子信息上报 (6.3.7) on the local platform: a record made at the counter, decided by an
approver, reported through the big-data center's exchange to the credit platform's sandbox — which checks each item
and keeps one per id — and taken down when an objection is upheld; an answer that never came, sent again."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import fresh_credit_code, fresh_resident_id


def _record(http, auth, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body = {"kind": "unit_arrears", "subject_id": fresh_credit_code(), "subject_name": "鹰潭欠缴测试有限公司",
            "business_id": f"UNIT-{fresh_credit_code()[-8:]}", "amount": "18600.00",
            "evidence_reference": "DOC-QJTZ-0001", "reason": "连续六个月未缴存，经催缴仍未补缴", **overrides}
    made = http.post("/datashare/bad-records", headers=auth("clerk01"), json=body)
    assert made.status_code == 201, made.text
    return made.json()


def _decide(http, auth, record_id: str, action: str, who: str = "approver01", reason: str = "经核实") -> Any:  # type: ignore[no-untyped-def]
    return http.post(f"/datashare/bad-records/{record_id}/decisions", headers=auth(who),
                     json={"action": action, "reason": reason})


def _shown(platform, business_id: str) -> bool:  # type: ignore[no-untyped-def]
    return any(key.startswith(f"{business_id}|") for key in platform.bigdata.published())


@pytest.mark.feature("6.3.8")
def test_a_bad_record_is_decided_by_another_published_and_taken_down_when_the_objection_stands(platform, http, auth):
    made = _record(http, auth)
    assert made["state"] == "recorded" and "*" in made["subject_id"]  # the credit code masked in what is shown
    assert _decide(http, auth, made["record_id"], "approve", who="clerk01").json()["code"] == "FORBIDDEN_ROLE"
    too_early = _decide(http, auth, made["record_id"], "repair")
    assert (too_early.status_code, too_early.json()["code"]) == (409, "BAD_RECORD_STATE_INVALID")
    approved = _decide(http, auth, made["record_id"], "approve", reason="欠缴事实清楚")
    assert (approved.json()["state"], approved.json()["owed"]) == ("approved", "publish")

    assert http.post("/datashare/bad-record-reports", headers=auth("dataadmin01")).status_code == 200
    assert _shown(platform, made["business_id"])
    objected = _decide(http, auth, made["record_id"], "object", who="clerk01", reason="单位提交补缴凭证，申请撤销")
    assert objected.json()["state"] == "objected"
    withdrawn = _decide(http, auth, made["record_id"], "withdraw", reason="核实已全额补缴，异议成立")
    assert (withdrawn.json()["state"], withdrawn.json()["owed"]) == ("withdrawn", "remove")
    http.post("/datashare/bad-record-reports", headers=auth("operator01"))
    assert not _shown(platform, made["business_id"])
    listed = http.get("/datashare/bad-records", params={"state": "withdrawn"}, headers=auth("auditor01")).json()
    mine = next(r for r in listed["records"] if r["record_id"] == made["record_id"])
    assert [s["action"] for s in mine["steps"]] == ["record", "approve", "object", "withdraw"]
    assert mine["published"] is False and mine["owed"] is None and mine["receipt"].startswith("HZ")


@pytest.mark.feature("6.3.7")
def test_reports_reach_the_credit_platform_in_its_names_and_an_unanswered_batch_is_sent_again(platform, http, auth):
    person = fresh_resident_id()
    made = _record(http, auth, kind="fraudulent_withdrawal", subject_id=person, subject_name="骗提测试人",
                   business_id=f"WDR-{person[-8:]}", amount="52000.00", evidence_reference="DOC-PT-0001",
                   reason="伪造购房合同提取")
    _decide(http, auth, made["record_id"], "approve", reason="公安机关已立案")
    platform.bigdata.fault("bad_records", "slow", 6)  # the platform takes the batch and answers after our timeout
    try:
        silent = http.post("/datashare/bad-record-reports", headers=auth("dataadmin01")).json()
    finally:
        platform.bigdata.fault("bad_records", None)
    assert silent["unknown"] >= 1
    pending = http.get("/datashare/bad-records", params={"state": "approved"}, headers=auth("approver01")).json()
    assert next(r for r in pending["records"] if r["record_id"] == made["record_id"])["report_state"] == "unknown"
    again = http.post("/datashare/bad-record-reports", headers=auth("dataadmin01")).json()
    assert again["accepted"] >= 1 and again["unknown"] == 0
    items = [i for i in platform.bigdata.reported.values() if i["YWBH"] == made["business_id"]]
    assert len(items) == 1  # sent twice, one item at the platform
    [item] = items
    assert (item["ZJHM"], item["MC"], item["SXLX"], item["SXJE"], item["CZLX"]) == \
        (person, "骗提测试人", "fraudulent_withdrawal", "52000.00", "1")  # in full to the platform, in its names
    assert item["RDRQ"] and item["SXYY"] == "公安机关已立案"


def test_bad_input_is_a_4xx_and_the_same_case_twice_is_one_record(http, auth):
    made = _record(http, auth)
    assert _record(http, auth, subject_id="91360600MA35DE001X", business_id=made["business_id"])["record_id"] == \
        made["record_id"]
    for wrong in ({"kind": "late"}, {"amount": "-1"}, {"amount": "1.234"}, {"subject_id": "12"}):
        body = {"kind": "unit_arrears", "subject_id": fresh_credit_code(), "subject_name": "某公司",
                "business_id": "UNIT-X1", "amount": "1.00", "evidence_reference": "DOC-1", "reason": "测试", **wrong}
        assert http.post("/datashare/bad-records", headers=auth("clerk01"), json=body).status_code == 400
