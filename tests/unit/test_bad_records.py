"""不良信息处理 over fakes: the one table of transitions, four eyes on the decision, what the platform is owed after
each step, and a batch without an answer sent again the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from hpf.common.clock import SHANGHAI, FixedClock
from hpf.common.errors import Conflict, Forbidden
from hpf.datashare.bad_records import (
    TRANSITIONS,
    BadRecord,
    BadRecordService,
    Receipt,
    ReportUnknown,
)
from hpf.identity.principal import Principal
from hpf.identity.roles import Channel, Role

CLERK = Principal("clerk01", "staff", frozenset({Role.COUNTER_CLERK}), "王敏", org="360600", channel=Channel.COUNTER)
APPROVER = Principal("approver01", "staff", frozenset({Role.APPROVER}), "陈静", org="360600", channel=Channel.COUNTER)
BOTH = Principal("clerk01", "staff", frozenset({Role.COUNTER_CLERK, Role.APPROVER}), "王敏", org="360600")


class Store:
    def __init__(self) -> None:
        self.items: dict[str, BadRecord] = {}

    def add(self, record: BadRecord) -> None:
        assert record.record_id not in self.items
        self.items[record.record_id] = record

    def save(self, record: BadRecord, expected_version: int) -> None:
        if self.items[record.record_id].version != expected_version:
            raise Conflict(code="CONCURRENT_UPDATE")
        self.items[record.record_id] = record

    def get(self, record_id: str) -> BadRecord | None:
        return self.items.get(record_id)

    def in_state(self, state: str) -> list[BadRecord]:
        return [r for r in self.items.values() if r.state == state]

    def owed(self) -> list[BadRecord]:
        return [r for r in self.items.values() if r.owed]


class Platform:
    """Keeps one item per id, as the real one is required to; can stay silent after taking a batch."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, dict[str, Any]]] = {}
        self.silent = False
        self.batches = 0

    def report(self, items: list[tuple[str, str, dict[str, Any]]]) -> list[Receipt]:
        self.batches += 1
        for item_id, action, fields in items:
            self.items.setdefault(item_id, (action, fields))
        if self.silent:
            raise ReportUnknown("no answer")
        return [Receipt(item_id, True, f"HZ-{item_id}") for item_id, _, _ in items]


@pytest.fixture
def world() -> tuple[BadRecordService, Store, Platform]:
    store, platform = Store(), Platform()
    return BadRecordService(store, platform, FixedClock(datetime(2026, 11, 30, 10, tzinfo=SHANGHAI))), store, platform


def recorded(service: BadRecordService) -> BadRecord:
    return service.record("unit_arrears", "91360600MA35DE001X", "鹰潭某公司", "360600000123", Decimal("18600.00"),
                          "DOC-QJTZ-0001", "连续六个月未缴存，经催缴仍未补缴", CLERK)


def test_every_step_is_in_the_one_table_and_nothing_else_moves_a_record(world):  # type: ignore[no-untyped-def]
    service, _, _ = world
    r = recorded(service)
    assert recorded(service) == r  # the same case twice is one record
    for action in ("object", "uphold", "withdraw", "repair"):
        assert ("recorded", action) not in TRANSITIONS
        with pytest.raises(Conflict):
            service.decide(r.record_id, action, "不该允许", APPROVER)
    with pytest.raises(Forbidden, match="本人"):
        service.decide(r.record_id, "approve", "自审", BOTH)  # four eyes: not the recorder
    with pytest.raises(Forbidden):
        service.decide(r.record_id, "approve", "柜员不能认定", CLERK)
    approved = service.decide(r.record_id, "approve", "事实清楚", APPROVER)
    assert (approved.state, approved.owed, approved.decided_on.isoformat()) == ("approved", "publish", "2026-11-30")


def test_what_the_platform_is_owed_follows_the_state_and_its_receipts(world):  # type: ignore[no-untyped-def]
    service, store, platform = world
    r = service.decide(recorded(service).record_id, "approve", "事实清楚", APPROVER)
    run = service.report()
    assert (run.sent, run.accepted) == (1, 1) and store.items[r.record_id].published
    assert store.items[r.record_id].owed is None and service.report().sent == 0
    service.decide(r.record_id, "object", "单位提交已补缴凭证", CLERK)
    assert store.items[r.record_id].owed is None  # still shown, marked by us as under objection
    withdrawn = service.decide(r.record_id, "withdraw", "核实已补缴，异议成立", APPROVER)
    assert (withdrawn.state, withdrawn.owed) == ("withdrawn", "remove")
    service.report()
    assert not store.items[r.record_id].published
    assert [a for a, _ in platform.items.values()] == ["publish", "remove"]


def test_a_batch_without_an_answer_is_unknown_and_sent_again_the_same(world):  # type: ignore[no-untyped-def]
    service, store, platform = world
    r = service.decide(recorded(service).record_id, "approve", "事实清楚", APPROVER)
    platform.silent = True
    assert service.report().unknown == 1
    assert store.items[r.record_id].report_state == "unknown" and not store.items[r.record_id].published
    platform.silent = False
    assert service.report().accepted == 1
    assert len(platform.items) == 1 and platform.batches == 2  # one item, sent twice, kept once
    assert store.items[r.record_id].published


def test_taking_down_a_publication_whose_answer_never_came_is_told_too(world):  # type: ignore[no-untyped-def]
    service, store, platform = world
    r = service.decide(recorded(service).record_id, "approve", "事实清楚", APPROVER)
    platform.silent = True
    service.report()
    platform.silent = False
    store.items[r.record_id] = replace(store.items[r.record_id], state="objected")  # as if an objection came in
    withdrawn = service.decide(r.record_id, "withdraw", "异议成立", APPROVER)
    assert withdrawn.owed == "remove"  # it may be shown: say so
