"""scripts/traceability counts an item proven only when all of its marked tests pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_traceability_reports_proven_and_failing_items(tmp_path):
    features = tmp_path / "features.yaml"
    features.write_text('items:\n  - {id: "1.1.1", title: a}\n  - {id: "1.1.2", title: b}\n'
                        '  - {id: "9.9", title: c}\n', encoding="utf-8")
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "import pytest\n\n"
        "@pytest.mark.feature('1.1.1')\ndef test_ok():\n    assert 1 + 1 == 2\n\n"
        "@pytest.mark.feature('1.1.2')\ndef test_fails():\n    assert 1 + 1 == 3\n\n"
        "@pytest.mark.feature('1.1.2')\ndef test_ok_too():\n    assert True\n", encoding="utf-8")
    env = {**os.environ, "HPF_FEATURES": str(features)}
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "traceability"), "--json", str(sample)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    report = json.loads(run.stdout)
    assert report["total"] == 3 and report["proven"] == 1
    assert report["items"]["1.1.1"]["passed"] is True
    assert [t.rsplit("::", 1)[1] for t in report["items"]["1.1.1"]["tests"]] == ["test_ok"]
    assert report["items"]["1.1.2"]["passed"] is False and len(report["items"]["1.1.2"]["tests"]) == 2
    assert report["items"]["9.9"] == {"tests": [], "passed": False}
    assert run.returncode == 1  # the failing sample test fails the run
