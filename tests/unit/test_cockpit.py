"""The cockpit's figures (``hpf.analytics.cockpit``) over a snapshot written by the real snapshot writer, against
figures worked out by hand; and the service's choice of snapshot (``hpf.platform.cockpit``) over a fake bucket."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from hpf.analytics.cockpit import cockpit_figures
from hpf.analytics.snapshot import write_snapshot
from hpf.common.errors import BusinessRuleViolation
from hpf.platform.cockpit import CockpitService


def unit(no: str, org: str, opened: str) -> dict:
    return {"pk": f"UNIT#{no}", "sk": "META", "unit_account": no, "org": org, "status": "01", "opened_on": opened,
            "unit_ratio": "0.12", "personal_ratio": "0.12"}


def account(no: str, org: str, person: str, opened: str, balance: str, status: str = "01") -> dict:
    return {"pk": f"ACCOUNT#{no}", "sk": "META", "account_no": no, "unit_account": "U", "org": org,
            "id_number": person, "status": status, "opened_on": opened, "deposit_base": "5000", "balance": D(balance)}


def entry(no: str, n: int, day: str, kind: str, amount: str) -> dict:
    return {"pk": f"ACCOUNT#{no}", "sk": f"ENTRY#{n}", "account_no": no, "entry_id": f"{no}-{n}",
            "business_date": day, "kind": kind, "amount": D(amount), "balance_after": D("0"), "month": day[:7],
            "reference": f"R{n}"}


def journal(entry_id: str, day: str, kind: str, *lines: tuple[str, str, str]) -> dict:
    return {"pk": f"JOURNAL#{entry_id}", "sk": "META", "entry_id": entry_id, "business_date": day,
            "business_type": kind, "reference": entry_id,
            "lines": [{"subject": s, "side": side, "amount": D(a), "sub_account": ""} for s, side, a in lines]}


def withdrawal(wid: str, org: str, rule: str, code: str, amount: str, status: str, requested: str,
               settled_at: str | None) -> dict:
    return {"pk": f"WDR#{wid}", "sk": "META", "withdrawal_id": wid, "account_no": "A1", "org": org, "rule": rule,
            "reason_code": code, "closing": False, "amount": D(amount), "status": status, "channel": "app",
            "requested_on": requested, "settled_at": settled_at, "payee": {"card_no": "6222", "name": "李华"}}


# Two offices over three months. October: 1,200 deposited at the center. November: 1,000 more at the center and
# 800 at 贵溪, a deposit of 100 entered and reversed, 500 withdrawn for a purchase (paid on 1 December at 01:00 in
# Yingtan, which is still 30 November in UTC), a retirement withdrawal that failed, a loan of 300 paid out and 20
# of its principal repaid.
ITEMS = [
    unit("U1", "360600", "2026-09-03"), unit("U2", "360681", "2026-11-05"),
    account("A1", "360600", "p1", "2026-09-03", "1700.00"), account("A2", "360681", "p2", "2026-11-05", "800.00"),
    account("A3", "360600", "p3", "2026-11-08", "0.00", status="02"),
    entry("A1", 1, "2026-10-10", "01", "1200.00"), entry("A1", 2, "2026-11-10", "01", "1000.00"),
    entry("A2", 1, "2026-11-12", "03", "800.00"), entry("A1", 3, "2026-11-13", "01", "100.00"),
    entry("A1", 4, "2026-11-14", "01", "-100.00"), entry("A1", 5, "2026-11-20", "11", "-500.00"),
    withdrawal("W1", "360600", "purchase_commercial", "01", "500.00", "02", "2026-11-30", "2026-11-30T17:00:00+00:00"),
    withdrawal("W2", "360681", "retirement", "03", "800.00", "03", "2026-11-21", "2026-11-21T02:00:00+00:00"),
    withdrawal("W3", "360681", "retirement", "03", "10.00", "01", "2026-11-29", None),
    journal("J1", "2026-10-10", "remittance", ("101", "D", "1200.00"), ("201", "C", "1200.00")),
    journal("J2", "2026-11-10", "remittance", ("101", "D", "1800.00"), ("201", "C", "1800.00")),
    journal("J3", "2026-11-13", "remittance", ("101", "D", "100.00"), ("201", "C", "100.00")),
    journal("J3R", "2026-11-14", "reversal", ("201", "D", "100.00"), ("101", "C", "100.00")),
    journal("J4", "2026-11-20", "withdrawal", ("201", "D", "500.00"), ("101", "C", "500.00")),
    journal("J5", "2026-11-21", "loan_disbursement", ("121", "D", "300.00"), ("101", "C", "300.00")),
    journal("J6", "2026-11-28", "loan_repayment", ("101", "D", "21.00"), ("121", "C", "20.00"), ("401", "C", "1.00")),
]


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    write_snapshot(ITEMS, date(2026, 11, 30), lambda key, body: (tmp_path / key.split("/")[-1]).write_bytes(body))
    return tmp_path


def test_decision_level_flows_by_month_and_balances_at_each_months_end(snapshot):
    figures = cockpit_figures(snapshot, date(2026, 11, 30), 3)
    assert [m.month for m in figures.months] == ["2026-09", "2026-10", "2026-11"]  # an empty month is there too
    september, october, november = figures.months
    assert (september.deposits, september.fund_balance) == (D("0.00"), D("0.00"))
    assert (october.deposits, october.fund_balance, october.loans_outstanding) == (D("1200.00"), D("1200.00"), 0)
    assert november.deposits == D("1800.00")  # 1,000 + 800 supplementary; the 100 and its reversal net out
    assert (november.withdrawals, november.loans_disbursed, november.loans_recovered) == (D("500"), D("300"), D("20"))
    assert (november.fund_balance, november.loans_outstanding) == (D("2500.00"), D("280.00"))
    assert november.loan_ratio == D("0.1120") and september.loan_ratio is None

    # a window shorter than the history: balances still carry everything before it
    assert [(m.month, m.fund_balance) for m in cockpit_figures(snapshot, date(2026, 11, 30), 1).months] == [
        ("2026-11", D("2500.00"))]


def test_management_level_offices_and_withdrawals_by_reason(snapshot):
    figures = cockpit_figures(snapshot, date(2026, 11, 30), 3)
    # only paid withdrawals, in the month of Yingtan's day they were paid on (W1: 1 December)
    assert figures.reasons == []
    december = cockpit_figures(snapshot, date(2026, 12, 31), 2)
    assert [(r.month, r.reason_code, r.rule, r.count, r.amount) for r in december.reasons] == [
        ("2026-12", "01", "purchase_commercial", 1, D("500.00"))]
    center, guixi = figures.offices
    assert (center.org, center.units, center.depositors, center.fund_balance) == ("360600", 1, 1, D("1700.00"))
    assert (center.deposits, center.withdrawals) == (D("1000.00"), D("0.00"))
    assert (guixi.org, guixi.units, guixi.depositors, guixi.deposits) == ("360681", 1, 1, D("800.00"))


def test_execution_level_the_months_work_in_each_office(snapshot):
    center, guixi = cockpit_figures(snapshot, date(2026, 11, 30), 3).work
    assert (center.accounts_opened, center.units_opened, center.deposits_posted) == (1, 0, 3)
    assert (center.withdrawals_requested, center.withdrawals_paid) == (1, 1)
    assert (guixi.accounts_opened, guixi.units_opened, guixi.deposits_posted) == (1, 1, 1)
    assert (guixi.withdrawals_requested, guixi.withdrawals_failed, guixi.withdrawals_pending) == (2, 1, 1)


class FakeBucket:
    """The analytics bucket as a dict; counts the reads."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.reads = 0

    def put(self, key: str, body: bytes, content_type: str | None = None) -> None:
        self.files[key] = body

    def get(self, key: str) -> bytes:
        self.reads += 1
        return self.files[key]

    def download_url(self, key: str) -> str:
        return key

    def snapshot_days(self) -> list[date]:
        return sorted({date.fromisoformat(k.split("/")[1].removeprefix("date=")) for k in self.files})


def test_the_service_reads_the_latest_complete_snapshot_once():
    bucket = FakeBucket()
    service = CockpitService(bucket, {"purchase_commercial": "购买商品房提取"}, {"360600": "本部"})
    with pytest.raises(BusinessRuleViolation) as none:
        service.figures(12)
    assert none.value.code == "NO_SNAPSHOT"

    write_snapshot(ITEMS[:5], date(2026, 11, 28), bucket.put)
    write_snapshot(ITEMS, date(2026, 11, 29), bucket.put)
    tampered = "snapshots/date=2026-11-29/entries.parquet"
    good = bucket.files[tampered]
    bucket.files[tampered] = good + b"x"  # a table that no longer matches its manifest: passed over
    assert service.figures(3).as_of == date(2026, 11, 28)
    bucket.files[tampered] = good
    write_snapshot(ITEMS, date(2026, 11, 30), bucket.put)
    del bucket.files["snapshots/date=2026-11-30/_manifest.json"]  # still being written
    assert service.figures(3).as_of == date(2026, 11, 29)

    reads = bucket.reads
    assert service.figures(3).months[-1].fund_balance == D("2500.00")
    assert bucket.reads == reads + 1  # the night's figures are kept: only the unfinished snapshot is looked at again
    assert json.loads(bucket.files["snapshots/date=2026-11-29/_manifest.json"])["tables"]["withdrawals"]["rows"] == 3
