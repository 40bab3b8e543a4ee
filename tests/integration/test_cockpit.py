"""The leader cockpit over HTTP on the local platform: the nightly snapshot function writes the ledger to the
analytics bucket, the platform function reads it with DuckDB and answers by role."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from hpf.common.clock import SHANGHAI


def snapshot_today(platform: Any) -> str:
    """Run the nightly snapshot as if fired at 02:00 tomorrow: the snapshot is labelled with today's date and holds
    everything posted until now."""
    tomorrow = datetime.now(SHANGHAI).date() + timedelta(days=1)
    fired = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 2, tzinfo=SHANGHAI).astimezone(UTC).isoformat()
    event = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {},
             "time": fired.replace("+00:00", "Z"), "resources": ["arn:aws:events:local:0:rule/hpf-local-snapshot"]}
    return platform.registry.invoke(platform.physical["SnapshotLedgerFunction"], event)["business_date"]


@pytest.mark.feature("S.9.5")
def test_the_cockpit_shows_the_snapshots_figures_in_three_views_to_leaders(platform, http, auth, deposited_account):
    _, account = deposited_account()
    day = snapshot_today(platform)

    answer = http.get("/platform/cockpit", params={"months": 6}, headers=auth("leader01"))
    assert answer.status_code == 200, answer.text
    cockpit = answer.json()
    assert cockpit["as_of"] == day and len(cockpit["months"]) == 6 and cockpit["months"][-1]["month"] == day[:7]
    month = cockpit["months"][-1]
    assert Decimal(month["deposits"]) >= Decimal("1200.00")  # this test's deposit among the month's
    # two sources that must agree: the journal's subject 201 and the personal accounts' balances
    accounts_total = sum(Decimal(o["fund_balance"]) for o in cockpit["offices"])
    assert Decimal(month["fund_balance"]) == accounts_total > 0
    center = next(o for o in cockpit["offices"] if o["org"] == "360600")
    assert center["org_name"] and center["depositors"] >= 1
    assert any(w["org"] == "360600" and w["deposits_posted"] >= 1 for w in cockpit["work"])

    for refused in ("clerk01", "finance01"):
        denied = http.get("/platform/cockpit", headers=auth(refused))
        assert (denied.status_code, denied.json()["code"]) == (403, "FORBIDDEN_ROLE")
    bad = http.get("/platform/cockpit", params={"months": 61}, headers=auth("leader01"))
    assert bad.status_code == 400
