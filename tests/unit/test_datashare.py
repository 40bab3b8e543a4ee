"""Data sharing over fakes: every query under an authorization that names the subject, the purpose and the source;
the trail written whatever the outcome; freshness per source; a source down means the paper path, never a 500."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.datashare.checks import CheckRequest, ScenarioChecks
from hpf.datashare.model import DataShareThrottled, DataShareUnauthorized, SourceUnavailable
from hpf.datashare.scenarios import evaluate, scenario
from hpf.datashare.service import DataShareService, GrantRequest, ShareQuery
from hpf.datashare.trail import figures, solidify
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role
from tests.fakes.archive import MemoryLog
from tests.fakes.datashare import (
    CountingThrottle,
    FakeAuthorizationStore,
    FakeCache,
    FakeGateway,
    FakePolicyStore,
    FakeTrailStore,
)

PERSON = "360602199003150021"
CLERK = Principal("clerk01", "staff", frozenset({Role.COUNTER_CLERK}), "王敏", org="360600", channel=Channel.COUNTER)
AUDITOR = Principal("aud01", "staff", frozenset({Role.AUDITOR}), "孙丽", org="360600", channel=Channel.WEB)
HOLDER = Principal("u-li", "depositor", frozenset({Role.DEPOSITOR}), "李华", id_number=PERSON, channel=Channel.APP)
OTHER = Principal("u-x", "depositor", frozenset({Role.DEPOSITOR}), "某人", id_number="360602199001010011",
                  channel=Channel.APP)


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    gateway, trail, clock = FakeGateway(), FakeTrailStore(), FixedClock(datetime(2026, 11, 30, 10, tzinfo=SHANGHAI))
    service = DataShareService(gateway, FakeAuthorizationStore(), trail, FakeCache(), CountingThrottle(),
                               FakePolicyStore(), clock)
    gateway.add("resident_identity", PERSON, XM="李华", SFZH=PERSON, XB="2", HJDZ="鹰潭市月湖区胜利东路1号", QTZD="新增字段")
    return service, gateway, trail, clock


def consent(service: DataShareService, scenarios=("depositor_registration",), who: Principal = CLERK,  # type: ignore[no-untyped-def]
            kind: str = "signed_form", reference: str = "DOC-AUTH-0001"):
    return service.grant(GrantRequest("person", PERSON, "李华", tuple(scenarios), 90, kind, reference), who)


def test_a_query_under_the_persons_authorization_is_answered_in_our_names_and_on_the_trail(world):  # type: ignore[no-untyped-def]
    service, gateway, trail, _ = world
    granted = consent(service)
    answer = service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, "OPEN-0001",
                                      granted.authorization_id), CLERK)
    assert answer.records[0]["name"] == "李华" and answer.records[0]["household_address"].startswith("鹰潭")
    assert answer.records[0]["QTZD"] == "新增字段"  # what the source adds is kept, not an error
    [record] = trail.records.values()
    assert (record.outcome, record.source, record.scenario, record.business_id, record.caller.subject) == \
        ("answered", "resident_identity", "depositor_registration", "OPEN-0001", "clerk01")
    assert PERSON not in json.dumps(record.leaf(), ensure_ascii=False)  # the trail names the person by digest
    assert record.answer_digest and not record.cached


def test_no_query_leaves_without_an_authorization_covering_subject_purpose_and_time(world):  # type: ignore[no-untyped-def]
    service, gateway, trail, clock = world
    granted = consent(service)
    asked = lambda auth, subject=PERSON, purpose="depositor_registration", src="resident_identity": service.query(  # noqa: E731
        ShareQuery(src, purpose, subject, "B-1", auth), CLERK)
    for attempt, why in ((lambda: asked("DSA-none"), "授权不存在"),
                         (lambda: asked(granted.authorization_id, subject="360602199001010011"), "不一致"),
                         (lambda: asked(granted.authorization_id, purpose="retirement_withdrawal"), "用途")):
        with pytest.raises(DataShareUnauthorized) as refused:
            attempt()
        assert why in refused.value.message
    clock.advance(days=91)
    with pytest.raises(DataShareUnauthorized, match="过期"):
        asked(granted.authorization_id)
    assert gateway.asked == []  # the source was never asked
    assert [r.outcome for r in trail.records.values()] == ["refused"] * 4  # and every attempt is on the trail


def test_a_revoked_authorization_stops_the_next_query(world):  # type: ignore[no-untyped-def]
    service, _, _, _ = world
    granted = consent(service)
    service.revoke(granted.authorization_id, HOLDER)  # the person may withdraw it
    with pytest.raises(DataShareUnauthorized, match="撤销"):
        service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, "B", granted.authorization_id),
                      CLERK)


def test_a_depositor_consents_and_queries_only_for_themselves(world):  # type: ignore[no-untyped-def]
    service, _, _, _ = world
    mine = consent(service, who=HOLDER, kind="online_consent", reference="session-abc")
    assert service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, "APP-1",
                                    mine.authorization_id), HOLDER).records
    with pytest.raises(Exception, match="本人"):
        service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, "APP-1",
                                 mine.authorization_id), OTHER)
    with pytest.raises(Exception, match="online_consent"):
        consent(service, who=HOLDER, kind="signed_form")


def test_freshness_is_the_sources_a_death_record_is_asked_each_time(world):  # type: ignore[no-untyped-def]
    service, gateway, trail, clock = world
    gateway.add("death_certificate", PERSON, XM="李华", SFZH=PERSON, SWRQ="2026-11-20", ZMBH="SW2026001")
    granted = consent(service, scenarios=("depositor_registration", "death_withdrawal"))
    ask = lambda src, purpose: service.query(ShareQuery(src, purpose, PERSON, "B", granted.authorization_id), CLERK)  # noqa: E731
    assert not ask("resident_identity", "depositor_registration").cached
    assert ask("resident_identity", "depositor_registration").cached  # a day's freshness
    clock.advance(days=1, seconds=1)
    assert not ask("resident_identity", "depositor_registration").cached
    assert not ask("death_certificate", "death_withdrawal").cached
    assert not ask("death_certificate", "death_withdrawal").cached  # PT0S: never from the cache
    assert [src for src, _ in gateway.asked].count("death_certificate") == 2
    stats = {f.source: f for f in figures(list(trail.records.values()))["sources"]}
    assert stats["resident_identity"].cached == 1 and stats["resident_identity"].hit_rate == pytest.approx(1 / 3)


def test_a_source_down_is_the_paper_path_and_the_trail_says_so(world):  # type: ignore[no-untyped-def]
    service, gateway, trail, _ = world
    granted = consent(service)
    gateway.down.add("resident_identity")
    with pytest.raises(SourceUnavailable) as down:
        service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, "B", granted.authorization_id),
                      CLERK)
    assert down.value.status == 503 and "纸质材料" in down.value.message
    check = ScenarioChecks(service).check(CheckRequest("depositor_registration", PERSON, "OPEN-2",
                                                       granted.authorization_id, {"name": "李华"}), CLERK)
    assert not check.online and check.paper == ["个人身份信息暂不可用"] and check.materials == []
    assert [r.outcome for r in trail.records.values()] == ["unavailable", "unavailable"]


def test_rates_per_caller_and_per_source_are_kept(world):  # type: ignore[no-untyped-def]
    service, gateway, trail, _ = world
    service._throttle = CountingThrottle(limit=2)  # type: ignore[attr-defined]
    granted = consent(service)
    for _ in range(2):
        service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, "B", granted.authorization_id),
                      CLERK)
    with pytest.raises(DataShareThrottled):
        service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, "B", granted.authorization_id),
                      CLERK)
    assert list(trail.records.values())[-1].outcome == "throttled"


def test_a_check_fills_the_form_shows_differences_and_skips_the_materials_the_data_stands_for(world):  # type: ignore[no-untyped-def]
    service, _, _, _ = world
    granted = consent(service)
    check = ScenarioChecks(service).check(CheckRequest("depositor_registration", PERSON, "OPEN-3",
                                                       granted.authorization_id, {"name": "李桦"}), CLERK)
    assert check.online and check.review  # the difference goes to the reviewer; nothing is overwritten
    assert [(d.field, d.typed, d.shared) for d in check.differences] == [("name", "李桦", "李华")]
    assert check.prefill == {"address": "鹰潭市月湖区胜利东路1号"} and check.materials == ["id_card"]


def test_scenario_rules_read_statuses_and_absences():
    closing = scenario("unit_closure")
    assert evaluate(closing, {}, {"business_registration": [{"status": "注销"}]}).online
    still = evaluate(closing, {}, {"business_registration": [{"status": "存续"}]})
    assert not still.online and "应为注销、吊销" in still.paper[0]
    purchase = scenario("purchase_withdrawal")
    filed = {"contract_filing": [{"buyer_name": "李华", "filing_no": "BA1", "price": "500000", "filed_on": "2026-11-01"}],
             "property_title": []}
    assert not evaluate(purchase, {}, {**filed, "contract_cancellation": [{"filing_no": "BA1"}]}).online
    ok = evaluate(purchase, {"name": "李华"}, {**filed, "contract_cancellation": []})
    assert ok.online and ok.prefill["evidence_reference"] == "BA1" and ok.materials == ["purchase_contract"]


def test_the_trail_is_solidified_into_the_archives_log_once_each(world):  # type: ignore[no-untyped-def]
    service, _, trail, _ = world
    granted = consent(service)
    for n in range(3):
        service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, f"B{n}",
                                 granted.authorization_id), CLERK)
    log = MemoryLog()
    assert solidify(trail, log) == 3 and solidify(trail, log) == 0
    assert [json.loads(e.leaf)["business_id"] for e in log.items] == ["B0", "B1", "B2"]
    assert sorted(r.log_index for r in trail.records.values()) == [0, 1, 2]


def test_the_trail_is_read_by_the_person_and_by_auditors_only(world):  # type: ignore[no-untyped-def]
    service, _, _, _ = world
    granted = consent(service)
    service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, "B", granted.authorization_id),
                  CLERK)
    assert [r.caller.name for r in service.trail_of("person", PERSON, HOLDER)] == ["王敏"]
    assert len(service.trail_of("person", PERSON, AUDITOR)) == 1
    for refused in (OTHER, CLERK):
        with pytest.raises(Exception, match="本人|稽核"):
            service.trail_of("person", PERSON, refused)


def test_a_source_no_requirement_rests_on_does_not_send_the_business_to_paper():
    unit = scenario("unit_registration")  # reads social organisations too; requires business registration only
    answers = {"business_registration": [{"status": "存续", "name": "鹰潭某有限公司"}], "social_organisation": None,
               "enterprise_social_insurance": []}
    e = evaluate(unit, {"name": "鹰潭某有限公司"}, answers)
    assert e.online and e.unavailable == ["social_organisation"] and e.materials == ["business_licence"]
    down = evaluate(unit, {}, {**answers, "business_registration": None})
    assert not down.online and down.paper == ["企业工商登记信息暂不可用"]
