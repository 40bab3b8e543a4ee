"""The settlement fault campaign at a small N, in CI: no instruction paid twice, none lost, none stuck without a
reason, the ledgers equal at the end — withdrawals, collections, loan disbursements, early repayments and the
deduction batches (the full run is scripts/bench/settlement_faults)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_serve import clean_environment

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.feature("4.2.1")
@pytest.mark.feature("4.2.2")
@pytest.mark.feature("4.2.3")
@pytest.mark.feature("4.2.4")
@pytest.mark.feature("4.2.5")
def test_the_fault_campaign_holds_its_invariants(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "bench" / "settlement_faults"), "--n", "60",
                          "--seed", "11"], capture_output=True, text=True, timeout=600, env=clean_environment(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "doubled 0, lost 0, stuck without reason 0, awaiting a person 0, ledger≠bank 0, ledgers equal True" \
        in run.stdout
    assert "RESULT OK" in run.stdout
    assert "loan_disbursement" in run.stdout and "batches)" in run.stdout  # the loans' businesses ran too
