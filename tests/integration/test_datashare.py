"""Data sharing on the local platform: each of the 21 sources of the big-data center, and the three banks'
commercial-loan repayment details (S.6.1), asked through the datashare API, the client signing and paging in each
gateway's dialect, the sandboxes answering over HTTP — under an authorization recorded first, and on the trail the
person reads and the archive's log solidifies."""

from __future__ import annotations

from typing import Any

import pytest

from hpf.datashare.catalog import catalog
from hpf.datashare.scenarios import scenarios
from hpf.sandbox.identity import SandboxUser
from tests.integration.conftest import fresh_credit_code, fresh_resident_id

PROJECT = "YS2026-0088"


def sample(code: str, person: str, unit: str) -> tuple[str, str, str, dict[str, Any]]:
    """(the subject's identifier, the source's key value, a scenario reading it, a record in the source's names)."""
    src = catalog()[code]
    purpose = next(s for s in scenarios().values() if code in s.sources)
    subject = {"person": person, "unit": unit, "project": PROJECT}[purpose.subject]
    key = {"mortgage": "360602001001GB00001F00010001", "planning_permit": "JSGH2026-015",
           "land_planning_permit": "YDGH2026-009", "construction_permit": "SGXK2026-031"}.get(code, subject)
    record = {name: f"{code}-{name}" for name in src.fields}
    record[src.keys[0]] = key
    return subject, key, purpose.code, record


def sandbox_of(platform, code: str):  # type: ignore[no-untyped-def]
    """The big-data center's gateway, the national platform's (S.9.7), or the bank's whose loan details the source
    is (S.6.1)."""
    gateway = catalog()[code].gateway
    return {"bigdata": platform.bigdata, "national": platform.national}.get(gateway) or platform.bank_data[gateway]


def authorize(http, auth, kind: str, subject: str, scenario: str, who: str = "clerk01") -> str:  # type: ignore[no-untyped-def]
    granted = http.post("/datashare/authorizations", headers=auth(who), json={
        "subject_kind": kind, "subject_id": subject, "subject_name": "李华", "scenarios": [scenario],
        "valid_days": 30, "evidence_kind": "signed_form" if who != "holder" else "online_consent",
        "evidence_reference": f"DOC-AUTH-{subject}-{scenario}"})
    assert granted.status_code == 201, granted.text
    return str(granted.json()["authorization_id"])


SOURCES = [pytest.param(code, marks=pytest.mark.feature(src.feature), id=code) for code, src in catalog().items()]


@pytest.mark.parametrize("code", SOURCES)
def test_each_source_is_asked_under_an_authorization_and_answers_in_our_names(platform, http, auth, code):
    person, unit = fresh_resident_id(), fresh_credit_code()
    subject, key, purpose, record = sample(code, person, unit)
    gateway = sandbox_of(platform, code)
    gateway.add_records(code, [{**record, "XZZD": "网关新增字段"}])
    body = {"source": code, "scenario": purpose, "subject_id": subject, "business_id": f"IT-{code}",
            "authorization_id": "DSA-0123456789abcdef01234567", **({"key": key} if key != subject else {})}
    refused = http.post("/datashare/queries", headers=auth("clerk01"), json=body)
    assert (refused.status_code, refused.json()["code"]) == (403, "DATASHARE_UNAUTHORIZED")
    asked_before = gateway.asked(code)

    body["authorization_id"] = authorize(http, auth, scenarios()[purpose].subject, subject, purpose)
    answer = http.post("/datashare/queries", headers=auth("clerk01"), json=body)
    assert answer.status_code == 200, answer.text
    [got] = answer.json()["records"]
    src = catalog()[code]
    assert {ours: got[ours] for ours in src.fields.values()} == {ours: record[theirs] for theirs, ours in
                                                                  src.fields.items()}
    assert got["XZZD"] == "网关新增字段" and got["GXSJ"]  # what the gateway adds is kept, not refused
    assert gateway.asked(code) == asked_before + 1  # the refused query never reached the source


@pytest.mark.feature("S.9.7")
def test_the_person_reads_who_queried_what_and_why_and_the_trail_is_solidified(platform, http, auth, add_user):
    person = fresh_resident_id()
    platform.bigdata.add_records("marriage", [{"SFZH": person, "XM": "李华", "HYZT": "已婚", "POXM": "王强"}])
    consent = authorize(http, auth, "person", person, "loan_application")
    body = {"source": "marriage", "scenario": "loan_application", "subject_id": person, "business_id": "DKSQ-0001",
            "authorization_id": consent}
    assert http.post("/datashare/queries", headers=auth("approver01"), json=body).status_code == 200
    bad = http.post("/datashare/queries", headers=auth("clerk01"),
                    json={**body, "scenario": "rent_withdrawal", "business_id": "TQ-0009"})
    assert bad.status_code == 403  # another purpose than the one authorized

    add_user(SandboxUser(f"holder-{person}", "pw", "depositor", ["depositor"], "李华", id_number=person))
    mine = http.post("/datashare/trail-searches", headers=auth(f"holder-{person}"),
                     json={"subject_kind": "person", "subject_id": person})
    assert mine.status_code == 200, mine.text
    seen = [(r["caller_name"], r["source_name"], r["scenario_name"], r["business_id"], r["outcome"])
            for r in mine.json()["records"]]
    assert seen == [("王敏", "民政婚姻信息", "租房提取", "TQ-0009", "refused"),
                    ("陈静", "民政婚姻信息", "贷款申请", "DKSQ-0001", "answered")]
    stranger = http.post("/datashare/trail-searches", headers=auth(f"holder-{person}"),
                         json={"subject_kind": "person", "subject_id": fresh_resident_id()})
    assert stranger.status_code == 403

    solidified = platform.registry.invoke(platform.physical["SolidifyTrailFunction"], {"resources": []})
    assert solidified["solidified"] >= 2
    audited = http.post("/datashare/trail-searches", headers=auth("auditor01"),
                        json={"subject_kind": "person", "subject_id": person}).json()["records"]
    assert all(r["log_index"] is not None for r in audited)
    from hpf.adapters.aws.archive_store import DynamoLogStore

    entry = DynamoLogStore(platform.physical["ArchiveTable"]).entry_for(f"DSQ#{audited[0]['query_id']}")
    assert entry is not None and entry.index == audited[0]["log_index"] and person not in entry.leaf.decode()


@pytest.mark.feature("6.2.1")
def test_opening_an_account_checks_the_person_against_identity_and_a_source_down_is_the_paper_path(
        platform, http, auth):
    person = fresh_resident_id()
    platform.bigdata.add_records("resident_identity", [{"SFZH": person, "XM": "李华", "HJDZ": "鹰潭市月湖区胜利东路1号"}])
    consent = authorize(http, auth, "person", person, "depositor_registration")
    body = {"scenario": "depositor_registration", "subject_id": person, "business_id": "KH-0001",
            "authorization_id": consent, "typed": {"name": "李桦"}}
    check = http.post("/datashare/checks", headers=auth("clerk01"), json=body).json()
    assert check["online"] and check["review"] and check["materials"] == ["id_card"]
    assert check["differences"] == [{"field": "name", "typed": "李桦", "shared": "李华", "source": "resident_identity"}]
    assert check["prefill"] == {"address": "鹰潭市月湖区胜利东路1号"}

    other = fresh_resident_id()
    other_consent = authorize(http, auth, "person", other, "depositor_registration")
    platform.bigdata.fault("resident_identity", "down")
    try:
        down = http.post("/datashare/checks", headers=auth("clerk01"), json={
            **body, "subject_id": other, "authorization_id": other_consent, "business_id": "KH-0002"})
        assert down.status_code == 200, down.text  # never a 500: the check says take the paper path
        assert down.json()["online"] is False and down.json()["paper"] == ["个人身份信息暂不可用"]
        direct = http.post("/datashare/queries", headers=auth("clerk01"), json={
            "source": "resident_identity", "scenario": "depositor_registration", "subject_id": other,
            "business_id": "KH-0003", "authorization_id": other_consent})
        assert (direct.status_code, direct.json()["code"]) == (503, "SOURCE_UNAVAILABLE")
        assert "纸质材料" in direct.json()["message"]
        # the first person's answer is fresh enough (identity: a day) and still served while the source is down
        again = http.post("/datashare/checks", headers=auth("clerk01"), json={**body, "business_id": "KH-0004"})
        assert again.json()["online"] is True
    finally:
        platform.bigdata.fault("resident_identity", None)


@pytest.mark.feature("6.2.12")
def test_a_unit_closes_only_when_business_registration_says_it_is_cancelled(platform, http, auth):
    unit = fresh_credit_code()
    platform.bigdata.add_records("business_registration", [{"TYSHXYDM": unit, "QYMC": "鹰潭注销测试有限公司",
                                                             "DJZT": "存续"}])
    consent = authorize(http, auth, "unit", unit, "unit_closure")
    check = http.post("/datashare/checks", headers=auth("clerk01"), json={
        "scenario": "unit_closure", "subject_id": unit, "business_id": "ZX-0001", "authorization_id": consent})
    assert check.status_code == 200 and check.json()["online"] is False
    assert "应为注销、吊销" in check.json()["paper"][0]


def _their(code: str, ours: str) -> str:
    return next(theirs for theirs, name in catalog()[code].fields.items() if name == ours)


SCENARIOS = [pytest.param(code, marks=pytest.mark.feature(s.feature), id=code) for code, s in scenarios().items()]


@pytest.mark.parametrize("code", SCENARIOS)
def test_each_scenario_checks_its_sources_online_and_names_the_paper_it_spares(platform, http, auth, code):
    """A scenario's check through the API and the sandboxes: the data its requirements ask for present (or absent
    where it must be), what was typed agreeing with it — so the business may go on online, with the materials the
    data stands for spared; then the same with one required source down: the paper path, never an error."""
    s = scenarios()[code]
    subject = {"person": fresh_resident_id(), "unit": fresh_credit_code(), "project": f"YS-{fresh_credit_code()[-8:]}"}[
        s.subject]
    keys = {src: f"{src[:4].upper()}-{subject[-6:]}" for src in s.sources if src != s.sources[0]} \
        if s.subject == "project" else {}
    wanted: dict[str, dict[str, Any]] = {}
    for requirement in s.requirements:
        if requirement.present is False or (requirement.refused and not requirement.allowed):
            continue  # met by no record at all
        record = wanted.setdefault(requirement.source, {})
        if requirement.field:
            record[_their(requirement.source, requirement.field)] = requirement.allowed[0]
    typed = {}
    for ours, (src, field) in s.compare.items():
        value = subject if ours == "developer_credit_code" else f"{ours}-值"
        wanted.setdefault(src, {})[_their(src, field)] = value
        typed[ours] = value
    for src, record in wanted.items():
        key_field = catalog()[src].keys[0]
        sandbox_of(platform, src).add_records(src, [{**record, key_field: keys.get(src, subject)}])
    consent = authorize(http, auth, s.subject, subject, code)
    body = {"scenario": code, "subject_id": subject, "business_id": f"SC-{code[:20]}".replace("_", "-"),
            "authorization_id": consent, "typed": {k: v for k, v in typed.items() if k == "name"}, "keys": keys}
    check = http.post("/datashare/checks", headers=auth("clerk01"), json=body)
    assert check.status_code == 200, check.text
    result = check.json()
    assert (result["online"], result["paper"], result["review"]) == (True, [], False), result
    assert set(result["materials"]) == {m for m, src in s.materials.items() if src in wanted}
    assert set(result["query_ids"]) == set(s.sources)  # every source asked, each on the trail

    required = next((r.source for r in s.requirements if r.present is not False), None)
    if required is None:
        return
    second = {**body, "subject_id": subject, "business_id": body["business_id"] + "-2"}
    sandbox_of(platform, required).fault(required, "down")
    try:
        cached = catalog()[required].freshness.total_seconds() > 0
        down = http.post("/datashare/checks", headers=auth("clerk01"), json=second).json()
        # a fresh cached answer still serves; a source never cached sends the business to paper
        assert down["online"] is cached and (cached or down["unavailable"] == [required])
    finally:
        sandbox_of(platform, required).fault(required, None)


@pytest.mark.feature("6.3.9")
def test_each_source_is_routed_to_its_own_gateway(platform, http, auth):
    """服务路由: one loan-application check reads the big-data center, the three banks and the national platform,
    each request reaching the gateway of its source, signed in that gateway's dialect."""
    person = fresh_resident_id()
    platform.bigdata.add_records("resident_identity", [{"SFZH": person, "XM": "李华"}])
    platform.bank_data["ccb"].add_records("ccb_loan_repayments", [{"CRDT_NO": person, "LN_ACCNO": "CCB-LN-1",
                                                                    "RPYMT_AMT": "3120.55"}])
    gateways = {"bigdata": platform.bigdata, "national": platform.national, **platform.bank_data}
    before = {name: len(gw.requests) for name, gw in gateways.items()}
    consent = authorize(http, auth, "person", person, "loan_application", who="approver01")
    check = http.post("/datashare/checks", headers=auth("approver01"), json={
        "scenario": "loan_application", "subject_id": person, "business_id": "DKSQ-ROUTE-1",
        "authorization_id": consent}).json()
    assert check["online"] is True and set(check["query_ids"]) >= {"icbc_loan_repayments", "ccb_loan_repayments",
                                                                     "boc_loan_repayments"}
    after = {name: len(gw.requests) for name, gw in gateways.items()}
    assert {name: after[name] - before[name] for name in after} == {"bigdata": 5, "icbc": 1, "ccb": 1, "boc": 1,
                                                                     "national": 2}
    answer = http.post("/datashare/queries", headers=auth("approver01"), json={
        "source": "ccb_loan_repayments", "scenario": "loan_application", "subject_id": person,
        "business_id": "DKSQ-ROUTE-1", "authorization_id": consent}).json()
    assert answer["records"][0]["loan_no"] == "CCB-LN-1" and answer["cached"] is True  # a day's freshness


@pytest.mark.feature("S.6.2")
def test_a_caller_over_its_rate_is_throttled_in_a_window_every_instance_shares(platform, http, auth, add_user,
                                                                               monkeypatch):
    """The per-caller rate through the real path: the limits library's fixed window over the DynamoDB counters."""
    from hpf import bootstrap

    monkeypatch.setenv("HPF_DATASHARE_CALLER_RATE", "3/minute")
    bootstrap.reset()  # the service is rebuilt with the lowered rate
    try:
        add_user(SandboxUser("rate-clerk", "pw", "staff", ["counter_clerk"], "赵敏", org="360600"))
        person = fresh_resident_id()
        platform.bigdata.add_records("resident_identity", [{"SFZH": person, "XM": "赵敏"}])
        query = {"source": "resident_identity", "scenario": "depositor_registration", "subject_id": person,
                 "business_id": "RATE-1", "authorization_id": authorize(http, auth, "person", person,
                                                                        "depositor_registration")}
        answers = [http.post("/datashare/queries", headers=auth("rate-clerk"), json=query) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[-1].json()["code"] == "DATASHARE_THROTTLED"
        assert http.post("/datashare/queries", headers=auth("clerk01"), json=query).status_code == 200  # per caller
        trail = http.post("/datashare/trail-searches", headers=auth("auditor01"),
                          json={"subject_kind": "person", "subject_id": person}).json()["records"]
        assert [r["outcome"] for r in trail].count("throttled") == 1
    finally:
        monkeypatch.undo()
        bootstrap.reset()


@pytest.mark.feature("S.9.7")
@pytest.mark.feature("6.2.8")
def test_a_loan_elsewhere_not_yet_repaid_found_on_the_national_platform_stops_the_online_application(
        platform, http, auth):
    person = fresh_resident_id()
    platform.bigdata.add_records("resident_identity", [{"SFZH": person, "XM": "异地贷"}])
    platform.national.add_records("national_loans", [{"zjhm": person, "xingming": "异地贷", "zxmc": "南昌住房公积金管理中心",
                                                      "dkzh": "NC-2019-001", "dkzt": "正常", "dkye": "213000.00"}])
    consent = authorize(http, auth, "person", person, "loan_application", who="approver01")
    check = http.post("/datashare/checks", headers=auth("approver01"), json={
        "scenario": "loan_application", "subject_id": person, "business_id": "DKSQ-NATIONAL-1",
        "authorization_id": consent}).json()
    assert check["online"] is False and "全国住房公积金贷款信息" in check["paper"][0] and "正常" in check["paper"][0]
    trail = http.post("/datashare/trail-searches", headers=auth("auditor01"),
                      json={"subject_kind": "person", "subject_id": person}).json()["records"]
    assert {"national_loans", "national_deposit_accounts"} <= {r["source"] for r in trail}  # kept with the rest
