"""数据共享管理 on the local platform: the data-sharing administrator's changes through the API, recorded in the
datashare table, met by the next query of a clerk through the real path (the service, the sandbox gateway).

The platform is shared by the whole session: every change made here is changed back in a ``finally``, and the
suspensions name an office, a user and sources the other tests do not use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hpf.datashare.catalog import catalog
from hpf.datashare.scenarios import scenarios
from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import fresh_resident_id
from tests.integration.test_datashare import authorize

OFFICE = "360603"  # 余江管理部


@pytest.fixture(scope="module")
def clerk(add_user) -> str:  # type: ignore[no-untyped-def]
    add_user(SandboxUser("gov-clerk", "pw", "staff", ["counter_clerk"], "钱敏", org=OFFICE,
                         default_channel="counter"))
    return "gov-clerk"


@pytest.fixture
def govern(http, auth) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """``govern(kind, target, reason, **values)`` as the administrator, against the version in force; what it changed
    is put back afterwards, last change first."""
    undo: list[tuple[str, str, dict[str, Any]]] = []

    def version() -> int:
        return int(http.get("/datashare/governance", headers=auth("dataadmin01")).json()["version"])

    def change(kind: str, target: str, reason: str, **values: Any) -> Any:
        before = http.get("/datashare/governance", headers=auth("dataadmin01")).json()
        answer = http.post("/datashare/governance/changes", headers=auth("dataadmin01"), json={
            "kind": kind, "target": target, "values": values, "reason": reason, "expected_version": before["version"]})
        assert answer.status_code == 200, answer.text
        undo.append((kind, target, _as_it_was(before, kind, target)))
        return answer.json()

    change.version = version  # type: ignore[attr-defined]
    yield change
    for kind, target, values in reversed(undo):
        restored = http.post("/datashare/governance/changes", headers=auth("dataadmin01"), json={
            "kind": kind, "target": target, "values": values, "reason": "测试后恢复", "expected_version": version()})
        assert restored.status_code == 200, restored.text


def _as_it_was(policy: dict[str, Any], kind: str, target: str) -> dict[str, Any]:
    if kind == "organisation":
        return {"active": next(o for o in policy["organisations"] if o["code"] == target)["state"]["active"]}
    if kind == "user":
        found = next((u for u in policy["users"] if u["subject"] == target), None)
        return {"active": True} if found is None else {"active": found["state"]["active"], "rate": found["rate"]}
    if kind == "interface":
        i = next(i for i in policy["interfaces"] if i["code"] == target)
        return {"online": i["state"]["active"], "rate": i["rate"],
                "freshness_seconds": i["freshness_seconds"] if i["own_freshness"] else None}
    if kind == "access":
        return {"scenarios": next(a for a in policy["access"] if a["consumer"] == target)["scenarios"]}
    if kind == "endpoint":
        e = next(e for e in policy["endpoints"] if e["gateway"] == target)
        return {"url": e["url"] or "", "client_id": e["client_id"]}
    s = policy["settings"]
    return {"caller_rate": s["caller_rate"], "source_rate": s["source_rate"], "cache_enabled": s["cache_enabled"]}


def person_with_identity(platform, http, auth, scenario: str = "depositor_registration") -> dict[str, str]:  # type: ignore[no-untyped-def]
    person = fresh_resident_id()
    platform.bigdata.add_records("resident_identity", [{"SFZH": person, "XM": "钱敏"}])
    return {"source": "resident_identity", "scenario": scenario, "subject_id": person, "business_id": "GOV-1",
            "authorization_id": authorize(http, auth, "person", person, scenario)}


@pytest.mark.feature("6.3.1")
def test_a_suspended_user_is_refused_and_the_refusal_is_on_the_trail(platform, http, auth, clerk, govern):
    query = person_with_identity(platform, http, auth)
    assert http.post("/datashare/queries", headers=auth(clerk), json=query).status_code == 200
    govern("user", clerk, "调离窗口岗位", active=False)
    refused = http.post("/datashare/queries", headers=auth(clerk), json=query)
    assert (refused.status_code, refused.json()["code"]) == (403, "DATASHARE_ACCESS_DENIED")
    assert "调离窗口岗位" in refused.json()["message"]
    assert http.post("/datashare/queries", headers=auth("clerk01"), json=query).status_code == 200  # only that user
    trail = http.post("/datashare/trail-searches", headers=auth("auditor01"), json={
        "subject_kind": "person", "subject_id": query["subject_id"]}).json()["records"]
    assert [(r["caller_name"], r["outcome"], r["detail"]) for r in trail][1] == ("钱敏", "refused",
                                                                               "用户已停用：调离窗口岗位")
    listed = http.get("/datashare/governance", headers=auth("dataadmin01")).json()["users"]
    assert next(u for u in listed if u["subject"] == clerk)["state"]["active"] is False
    govern("user", clerk, "复岗", active=True)
    assert http.post("/datashare/queries", headers=auth(clerk), json=query).status_code == 200


@pytest.mark.feature("6.3.3")
def test_a_suspended_office_cannot_query_and_a_suspended_agency_sends_its_scenarios_to_paper(
        platform, http, auth, clerk, govern):
    query = person_with_identity(platform, http, auth)
    govern("organisation", OFFICE, "数据安全整改", active=False)
    refused = http.post("/datashare/queries", headers=auth(clerk), json=query)
    assert refused.json()["code"] == "DATASHARE_ACCESS_DENIED" and "数据安全整改" in refused.json()["message"]
    govern("organisation", OFFICE, "整改完成", active=True)
    assert http.post("/datashare/queries", headers=auth(clerk), json=query).status_code == 200

    person = fresh_resident_id()
    platform.bigdata.add_records("funeral", [{"SFZH": person, "XM": "钱某", "HHRQ": "2026-11-01"}])
    consent = authorize(http, auth, "person", person, "death_withdrawal")
    asked = platform.bigdata.asked("funeral")
    govern("organisation", "鹰潭市民政局", "民政系统割接", active=False)
    check = http.post("/datashare/checks", headers=auth(clerk), json={
        "scenario": "death_withdrawal", "subject_id": person, "business_id": "SW-GOV-1", "authorization_id": consent})
    assert check.status_code == 200 and check.json()["online"] is False, check.text
    assert platform.bigdata.asked("funeral") == asked  # the suspended agency was not asked


@pytest.mark.feature("6.3.4")
def test_an_interface_taken_offline_is_the_paper_path_with_the_administrators_reason(platform, http, auth, clerk,
                                                                                      govern):
    query = person_with_identity(platform, http, auth)
    assert http.post("/datashare/queries", headers=auth(clerk), json=query).status_code == 200
    asked = platform.bigdata.asked("resident_identity")
    govern("interface", "resident_identity", "公安接口数据核查中", online=False)
    down = http.post("/datashare/queries", headers=auth(clerk), json=query)
    assert (down.status_code, down.json()["code"]) == (503, "SOURCE_UNAVAILABLE")
    assert "公安接口数据核查中" in down.json()["message"] and "纸质材料" in down.json()["message"]
    assert platform.bigdata.asked("resident_identity") == asked  # nor served from the cache
    interfaces = http.get("/datashare/governance", headers=auth("operator01")).json()["interfaces"]
    assert next(i for i in interfaces if i["code"] == "resident_identity")["state"]["active"] is False


@pytest.mark.feature("6.3.12")
def test_an_interfaces_freshness_and_rate_are_governed_without_a_deployment(platform, http, auth, clerk, govern):
    query = person_with_identity(platform, http, auth)
    http.post("/datashare/queries", headers=auth(clerk), json=query)
    assert http.post("/datashare/queries", headers=auth(clerk), json=query).json()["cached"] is True
    govern("interface", "resident_identity", "户籍变更频繁，不再缓存", online=True, freshness_seconds=0)
    asked = platform.bigdata.asked("resident_identity")
    assert http.post("/datashare/queries", headers=auth(clerk), json=query).json()["cached"] is False
    assert platform.bigdata.asked("resident_identity") == asked + 1
    govern("interface", "marriage", "民政要求限流", online=True, rate="1/minute")
    person = fresh_resident_id()
    platform.bigdata.add_records("marriage", [{"SFZH": person, "XM": "钱敏", "HYZT": "10"}])
    purpose = next(code for code, s in scenarios().items() if "marriage" in s.sources)
    married = {"source": "marriage", "scenario": purpose, "subject_id": person, "business_id": "G-2",
               "authorization_id": authorize(http, auth, "person", person, purpose)}
    answers = [http.post("/datashare/queries", headers=auth(clerk), json=married).status_code for _ in range(2)]
    assert answers[-1] == 429  # the source's rate is now the administrator's, shared by every caller


@pytest.mark.feature("6.3.6")
def test_the_settings_set_every_callers_rate_and_turn_the_cache_off(platform, http, auth, clerk, govern, add_user):
    add_user(SandboxUser("gov-clerk2", "pw", "staff", ["counter_clerk"], "孙敏", org=OFFICE))
    query = person_with_identity(platform, http, auth)
    http.post("/datashare/queries", headers=auth(clerk), json=query)
    govern("settings", "gateway", "夜间批量核验，控制总量", caller_rate="2/minute", cache_enabled=False)
    answers = [http.post("/datashare/queries", headers=auth("gov-clerk2"), json=query) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].json()["cached"] is False  # the cache off for every source
    settings = http.get("/datashare/governance", headers=auth("leader01")).json()["settings"]
    assert (settings["caller_rate"], settings["cache_enabled"]) == ("2/minute", False)


@pytest.mark.feature("6.3.13")
@pytest.mark.feature("S.6.2")
def test_an_office_queries_only_for_the_purposes_it_is_granted(platform, http, auth, clerk, govern):
    query = person_with_identity(platform, http, auth, "identity_verification")
    assert http.post("/datashare/queries", headers=auth(clerk), json=query).status_code == 200
    govern("access", OFFICE, "余江管理部只办缴存登记", scenarios=["depositor_registration"])
    refused = http.post("/datashare/queries", headers=auth(clerk), json=query)
    assert refused.json()["code"] == "DATASHARE_ACCESS_DENIED" and "访问授权" in refused.json()["message"]
    allowed = person_with_identity(platform, http, auth)
    assert http.post("/datashare/queries", headers=auth(clerk), json=allowed).status_code == 200
    access = http.get("/datashare/governance", headers=auth("auditor01")).json()["access"]
    assert next(a for a in access if a["consumer"] == OFFICE)["scenarios"] == ["depositor_registration"]


def test_changes_need_the_administrator_a_reason_and_the_version_read_and_are_recorded(http, auth, govern):
    body = {"kind": "user", "target": "nobody-x", "values": {"active": False}, "reason": "测试",
            "expected_version": govern.version()}
    assert http.post("/datashare/governance/changes", headers=auth("clerk01"), json=body).json()["code"] == \
        "FORBIDDEN_ROLE"
    assert http.post("/datashare/governance/changes", headers=auth("dataadmin01"), json={
        **body, "reason": " "}).status_code == 400
    assert http.post("/datashare/governance/changes", headers=auth("dataadmin01"), json={
        **body, "kind": "interface", "target": "nowhere", "values": {"online": True}}).json()["code"] == \
        "CHANGE_TARGET_UNKNOWN"
    govern("user", "nobody-x", "测试停用", active=False)
    stale = http.post("/datashare/governance/changes", headers=auth("dataadmin01"), json=body)
    assert (stale.status_code, stale.json()["code"]) == (409, "POLICY_VERSION_CONFLICT")
    [latest] = http.get("/datashare/governance/changes", params={"limit": 1}, headers=auth("auditor01")).json()[
        "changes"]
    assert (latest["kind"], latest["target"], latest["reason"], latest["by"]) == \
        ("user", "nobody-x", "测试停用", "dataadmin01")


def _bank_query(platform, http, auth) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A new person with a CCB loan (a new subject each time: the answers are cached a day)."""
    person = fresh_resident_id()
    platform.bank_data["ccb"].add_records("ccb_loan_repayments", [{"CRDT_NO": person, "LN_ACCNO": "CCB-LN-KEY"}])
    return {"source": "ccb_loan_repayments", "scenario": "loan_application", "subject_id": person,
            "business_id": "DKSQ-KEY", "authorization_id": authorize(http, auth, "person", person, "loan_application")}


@pytest.mark.feature("6.3.2")
@pytest.mark.feature("S.6.2")
def test_the_administrator_rotates_a_national_algorithm_banks_keys_and_a_mismatch_is_the_paper_path(
        platform, http, auth, clerk):
    admin = auth("dataadmin01")
    listed = http.get("/datashare/keys", headers=auth("auditor01")).json()
    assert listed["gateways"] == [{"code": "ccb", "name": "中国建设银行鹰潭分行"},
                                  {"code": "national", "name": "全国住房公积金数据共享平台"}]
    assert "sealed" not in str(listed)
    active = {k["kind"]: k for k in listed["keys"] if k["gateway"] == "ccb" and k["state"] == "active"}
    assert set(active) == {"own_sm2", "peer_sm2", "sm4"}
    assert active["peer_sm2"]["public_key"] == platform.bank_data["ccb"].public_key and active["sm4"]["public_key"] == ""
    answer = http.post("/datashare/queries", headers=auth(clerk), json=_bank_query(platform, http, auth))
    assert answer.status_code == 200 and answer.json()["records"][0]["loan_no"] == "CCB-LN-KEY"  # signed, SM4 both ways

    made = http.post("/datashare/keys", headers=admin, json={"gateway": "ccb", "kind": "own_sm2", "valid_days": 366,
                                                             "reason": "年度换钥"})
    assert made.status_code == 201, made.text
    new = made.json()
    assert new["key"]["state"] == "pending" and new["handover"] == new["key"]["public_key"]
    assert http.post("/datashare/queries", headers=auth(clerk), json=_bank_query(platform, http, auth)).status_code \
        == 200  # pending: the old key still signs
    activated = http.post(f"/datashare/keys/{new['key']['key_id']}/activation", headers=admin,
                          json={"reason": "约定时间切换"})
    assert activated.json()["state"] == "active"
    early = http.post("/datashare/queries", headers=auth(clerk), json=_bank_query(platform, http, auth))
    assert (early.status_code, early.json()["code"]) == (503, "SOURCE_UNAVAILABLE")  # the bank has not got it yet
    bank = platform.bank_data["ccb"]
    bank.trust(next(iter(bank.clients)), new["handover"], bank.transport_key)  # handed over
    assert http.post("/datashare/queries", headers=auth(clerk), json=_bank_query(platform, http, auth)).status_code \
        == 200

    retired = http.post(f"/datashare/keys/{active['sm4']['key_id']}/retirement", headers=admin,
                        json={"reason": "疑似泄露"})
    assert retired.json()["state"] == "retired"
    try:
        gap = http.post("/datashare/queries", headers=auth(clerk), json=_bank_query(platform, http, auth))
        assert gap.status_code == 503 and "纸质材料" in gap.json()["message"]
        assert "接入密钥未就绪（SM4传输密钥）" in gap.json()["details"]["reason"]  # what the operator reads
    finally:
        sm4 = http.post("/datashare/keys", headers=admin, json={"gateway": "ccb", "kind": "sm4", "reason": "更换SM4密钥"})
        http.post(f"/datashare/keys/{sm4.json()['key']['key_id']}/activation", headers=admin, json={"reason": "启用"})
        bank.trust(next(iter(bank.clients)), new["handover"], sm4.json()["handover"])
    assert http.post("/datashare/queries", headers=auth(clerk), json=_bank_query(platform, http, auth)).status_code \
        == 200
    assert http.post("/datashare/keys", headers=auth("auditor01"), json={
        "gateway": "ccb", "kind": "sm4", "reason": "无权"}).json()["code"] == "FORBIDDEN_ROLE"


@pytest.mark.feature("6.3.11")
def test_a_counterpart_that_moves_is_registered_at_its_new_address_and_asked_there(platform, http, auth, clerk,
                                                                                   govern):
    from hpf.sandbox.bigdata import CLIENT_ID, ExchangeGatewaySandbox
    from hpf.sandbox.server import BackgroundServer

    moved = ExchangeGatewaySandbox("icbc")  # ICBC's gateway on a new machine, the same app id and secret
    server = BackgroundServer(moved).start()
    try:
        person = fresh_resident_id()
        src = catalog()["icbc_loan_repayments"]
        moved.add_records("icbc_loan_repayments", [{src.keys[0]: person, "MOVED": "新地址"}])
        query = {"source": "icbc_loan_repayments", "scenario": "loan_application", "subject_id": person,
                 "business_id": "DKSQ-MOVED", "authorization_id": authorize(http, auth, "person", person,
                                                                          "loan_application")}
        old = platform.bank_data["icbc"].asked("icbc_loan_repayments")
        answer = govern("endpoint", "icbc", "工行网关迁移新机房", url=server.url, client_id=CLIENT_ID)
        assert next(e for e in answer["endpoints"] if e["gateway"] == "icbc")["url"] == server.url
        got = http.post("/datashare/queries", headers=auth(clerk), json=query)
        assert got.status_code == 200 and got.json()["records"][0]["MOVED"] == "新地址", got.text
        assert moved.asked("icbc_loan_repayments") == 1 and platform.bank_data["icbc"].asked(
            "icbc_loan_repayments") == old
    finally:
        server.stop()
