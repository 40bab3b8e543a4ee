"""The operation record (操作留痕) cannot be lost: it is written before a change, and a change whose record cannot
be kept is refused with 503 and changes nothing — on the local platform, with the record store failing."""

from __future__ import annotations

from typing import Any

import pytest

from hpf import bootstrap
from tests.integration.conftest import fresh_credit_code, operation_records


class FailingLog:
    """The operation-record store when its table cannot be written (throttled, unreachable)."""

    def __init__(self, real: Any, fail_phases: set[str]):
        self._real, self._fail = real, fail_phases
        self.refused: list[Any] = []

    def append(self, record: Any) -> None:
        if record.phase in self._fail:
            self.refused.append(record)
            raise ConnectionError("operation-record table unavailable")
        self._real.append(record)

    def on_day(self, *args: Any) -> Any:
        return self._real.on_day(*args)


def unit_request(code: str) -> dict[str, str]:
    return {"name": "鹰潭留痕测试有限公司", "credit_code": code, "unit_ratio": "0.12", "personal_ratio": "0.12"}


def test_a_change_whose_record_cannot_be_kept_is_refused_and_changes_nothing(http, auth, monkeypatch):
    real = bootstrap.operation_log()
    down = FailingLog(real, {"accepted", "completed"})
    monkeypatch.setattr(bootstrap, "operation_log", lambda: down)
    code = fresh_credit_code()
    refused = http.post("/ledger/units", headers=auth("clerk01"), json=unit_request(code))
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "OPERATION_RECORD_UNAVAILABLE" and "未办理" in refused.json()["message"]
    correlation = refused.headers["X-Correlation-Id"]
    assert [r.phase for r in down.refused] == ["accepted"]  # refused before the handler ran
    monkeypatch.setattr(bootstrap, "operation_log", lambda: real)
    # Nothing changed: the same unit registers now as a new one (a unit created before would answer 409).
    created = http.post("/ledger/units", headers=auth("clerk01"), json=unit_request(code))
    assert created.status_code == 201, created.text
    mine = [r for r in operation_records(http, auth) if r["correlation_id"] == created.headers["X-Correlation-Id"]]
    assert sorted((r["phase"], r["outcome"]) for r in mine) == [("accepted", 0), ("completed", 201)]
    assert not [r for r in operation_records(http, auth) if r["correlation_id"] == correlation]


def test_an_outcome_that_cannot_be_written_leaves_the_accepted_record(http, auth, monkeypatch):
    real = bootstrap.operation_log()
    monkeypatch.setattr(bootstrap, "operation_log", lambda: FailingLog(real, {"completed"}))
    created = http.post("/ledger/units", headers=auth("clerk01"), json=unit_request(fresh_credit_code()))
    assert created.status_code == 201  # the change was made with its record written ahead
    monkeypatch.setattr(bootstrap, "operation_log", lambda: real)
    mine = [r for r in operation_records(http, auth) if r["correlation_id"] == created.headers["X-Correlation-Id"]]
    assert [(r["phase"], r["action"], r["subject"]) for r in mine] == [("accepted", "POST /units", "clerk01")]


@pytest.mark.parametrize("method", ["GET"])
def test_reads_need_no_write_ahead(http, auth, monkeypatch, method):
    monkeypatch.setattr(bootstrap, "operation_log", lambda: FailingLog(None, {"accepted", "completed"}))
    assert http.request(method, "/ledger/units/360600000001", headers=auth("clerk01")).status_code in (200, 404)
