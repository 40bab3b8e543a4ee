"""数据共享管理 over fakes: each kind of change takes effect on the next query, and is refused when it is not
well-formed or was made against an older version."""

from __future__ import annotations

from datetime import datetime

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import ValidationFailed
from hpf.datashare.checks import CheckRequest, ScenarioChecks
from hpf.datashare.governance import PolicyVersionMoved, baseline, consumer_of
from hpf.datashare.management import GovernanceService
from hpf.datashare.model import DataShareAccessDenied, SourceUnavailable
from hpf.datashare.service import DataShareService, GrantRequest, ShareQuery
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role
from tests.fakes.datashare import (
    CountingThrottle,
    FakeAuthorizationStore,
    FakeCache,
    FakeGateway,
    FakePolicyStore,
    FakeTrailStore,
)

PERSON = "360602199003150021"
CLERK = Principal("clerk01", "staff", frozenset({Role.COUNTER_CLERK}), "王敏", org="360602", channel=Channel.COUNTER)
ADMIN = Principal("admin01", "staff", frozenset({Role.DATA_ADMIN}), "钱进", org="360600", channel=Channel.WEB)
HOLDER = Principal("u-li", "depositor", frozenset({Role.DEPOSITOR}), "李华", id_number=PERSON, channel=Channel.APP)


class World:
    def __init__(self) -> None:
        self.gateway, self.trail, self.throttle = FakeGateway(), FakeTrailStore(), CountingThrottle()
        self.clock = FixedClock(datetime(2026, 11, 30, 10, tzinfo=SHANGHAI))
        self.policies = FakePolicyStore()
        self.service = DataShareService(self.gateway, FakeAuthorizationStore(), self.trail, FakeCache(),
                                        self.throttle, self.policies, self.clock)
        self.admin = GovernanceService(self.policies, self.clock)
        self.gateway.add("resident_identity", PERSON, XM="李华", SFZH=PERSON)
        self.gateway.add("marriage", PERSON, XM="李华", SFZH=PERSON, HYZT="20")
        self.granted = self.service.grant(GrantRequest("person", PERSON, "李华", ("depositor_registration",
                                                                                "identity_verification"), 90,
                                                       "signed_form", "DOC-1"), CLERK)

    def ask(self, who: Principal = CLERK, source: str = "resident_identity",
            purpose: str = "depositor_registration"):  # type: ignore[no-untyped-def]
        return self.service.query(ShareQuery(source, purpose, PERSON, "B-1", self.granted.authorization_id), who)

    def change(self, kind: str, target: str, reason: str = "管理需要", **values):  # type: ignore[no-untyped-def]
        return self.admin.change(kind, target, values, reason, self.policies.current().version, ADMIN)


@pytest.fixture
def world() -> World:
    return World()


def test_the_baseline_grants_every_office_every_purpose_and_each_channel_its_own(world: World) -> None:
    p = baseline()
    assert p.version == 0 and "death_withdrawal" in p.access["360681"]
    assert "depositor_registration" in p.access["channel:app"] and "unit_registration" not in p.access["channel:app"]
    assert p.access["channel:developer_web"] == frozenset({"developer_registration", "project_registration"})
    assert "channel:terminal" not in p.access  # a terminal queries nothing until granted
    assert consumer_of(CLERK) == "360602" and consumer_of(HOLDER) == "channel:app"


def test_a_suspended_user_is_refused_before_anyone_is_asked_and_the_trail_says_why(world: World) -> None:
    world.change("user", "clerk01", "调离岗位", active=False)
    with pytest.raises(DataShareAccessDenied, match="调离岗位"):
        world.ask()
    assert world.gateway.asked == [] and [r.outcome for r in world.trail.records.values()] == ["refused"]
    world.change("user", "clerk01", "复岗", active=True)
    assert world.ask().records


def test_a_suspended_office_and_a_withdrawn_grant_refuse_its_staff(world: World) -> None:
    world.change("organisation", "360602", "整改期间", active=False)
    with pytest.raises(DataShareAccessDenied, match="整改期间"):
        world.ask()
    world.change("organisation", "360602", "整改完成", active=True)
    world.change("access", "360602", "只办缴存登记", scenarios=["depositor_registration"])
    assert world.ask().records
    with pytest.raises(DataShareAccessDenied, match="访问授权"):
        world.ask(purpose="identity_verification")
    world.change("access", "channel:app", "APP暂停共享查询", scenarios=[])
    with pytest.raises(DataShareAccessDenied):
        world.service.query(ShareQuery("resident_identity", "depositor_registration", PERSON, "APP-1",
                                       world.granted.authorization_id), HOLDER)


def test_an_interface_offline_or_its_agency_suspended_sends_the_business_to_paper_with_the_reason(
        world: World) -> None:
    assert world.ask().records and world.ask().cached  # cached a day
    world.change("interface", "resident_identity", "源数据核查中", online=False)
    with pytest.raises(SourceUnavailable, match="源数据核查中"):
        world.ask()  # not even from the cache: the data may be what is wrong
    check = ScenarioChecks(world.service).check(CheckRequest("depositor_registration", PERSON, "OPEN-1",
                                                             world.granted.authorization_id, {"name": "李华"}), CLERK)
    assert not check.online and check.paper == ["个人身份信息暂不可用"]
    world.change("interface", "resident_identity", "核查完毕", online=True)
    world.change("organisation", "鹰潭市公安局", "对方系统割接", active=False)
    with pytest.raises(SourceUnavailable, match="对方系统割接"):
        world.ask()
    assert [src for src, _ in world.gateway.asked] == ["resident_identity"]


def test_freshness_and_rates_are_governed_per_interface_per_user_and_by_the_settings(world: World) -> None:
    world.change("interface", "resident_identity", "户籍变动频繁", online=True, freshness_seconds=0, rate="5/second")
    assert not world.ask().cached and not world.ask().cached  # no longer kept
    assert world.throttle.rates["source:resident_identity"] == "5/second"
    assert world.throttle.rates["caller:clerk01"] == "120/minute"
    world.change("user", "clerk01", "批量核验专岗", active=True, rate="600/minute")
    world.ask()
    assert world.throttle.rates["caller:clerk01"] == "600/minute"
    world.change("settings", "gateway", "夜间批量", caller_rate="30/minute", source_rate="20/second",
                 cache_enabled=False)
    world.change("interface", "resident_identity", "恢复默认", online=True)
    world.ask(who=HOLDER)
    assert world.throttle.rates["caller:u-li"] == "30/minute"
    assert world.throttle.rates["source:resident_identity"] == "20/second"
    assert not world.ask().cached  # the cache off for every source


def test_changes_are_checked_recorded_and_never_made_against_an_older_version(world: World) -> None:
    for kind, target, values, code in (
            ("user", "clerk01", {"active": "no"}, "CHANGE_VALUES_INVALID"),
            ("user", "clerk01", {"active": True, "rate": "fast"}, "RATE_INVALID"),
            ("interface", "nowhere", {"online": True}, "CHANGE_TARGET_UNKNOWN"),
            ("interface", "photo", {"online": True, "freshness_seconds": -1}, "FRESHNESS_INVALID"),
            ("access", "channel:app", {"scenarios": ["nothing"]}, "CHANGE_VALUES_INVALID"),
            ("organisation", "某局", {"active": False}, "CHANGE_TARGET_UNKNOWN"),
            ("routing", "x", {}, "CHANGE_KIND_UNKNOWN")):
        with pytest.raises(ValidationFailed) as refused:
            world.change(kind, target, **values)
        assert refused.value.code == code
    with pytest.raises(ValidationFailed, match="原因"):
        world.admin.change("user", "clerk01", {"active": False}, " ", 0, ADMIN)
    assert world.policies.current().version == 0  # nothing refused was applied
    world.change("user", "clerk01", "调离岗位", active=False)
    with pytest.raises(PolicyVersionMoved):  # a second administrator, looking at version 0
        world.admin.change("user", "clerk01", {"active": True}, "误操作", 0, ADMIN)
    [change] = world.admin.changes()
    assert (change.version, change.kind, change.target, change.reason, change.by) == \
        (1, "user", "clerk01", "调离岗位", "admin01")


def test_a_registered_address_is_what_the_gateway_is_asked_at_until_it_is_unregistered(world: World) -> None:
    for values in ({"url": "ftp://x", "client_id": "A"}, {"url": "https://gw.example.cn", "client_id": ""}):
        with pytest.raises(ValidationFailed):
            world.change("endpoint", "bigdata", **values)
    with pytest.raises(ValidationFailed):
        world.change("endpoint", "nowhere", url="https://gw.example.cn", client_id="YTGJJ")
    world.change("endpoint", "bigdata", "大数据中心迁移新机房", url="https://gw2.example.cn/", client_id="YTGJJ-2")
    world.ask()
    assert (world.gateway.endpoints[-1].url, world.gateway.endpoints[-1].client_id) == \
        ("https://gw2.example.cn", "YTGJJ-2")
    world.change("endpoint", "bigdata", "回到部署配置", url="")
    world.ask(source="photo", purpose="identity_verification")  # not cached: the gateway is asked
    assert world.gateway.endpoints[-1] is None
