"""pytest plugin of scripts/traceability: records each test's feature ids and outcome.

``@pytest.mark.feature("<id>")`` ties a test to a requirement item of features.yaml. When
HPF_TRACEABILITY_OUT names a file, every test's node id, feature ids and outcome are written there at the
end of the session.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

_results: dict[str, dict] = {}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "feature(id): proves the requirement item <id>")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # noqa: ARG001
    outcome = yield
    report = outcome.get_result()
    features = [m.args[0] for m in item.iter_markers("feature") if m.args]
    entry = _results.setdefault(item.nodeid, {"features": features, "outcome": "passed"})
    if report.failed:
        entry["outcome"] = "failed"
    elif report.skipped and entry["outcome"] == "passed" and report.when in ("setup", "call"):
        entry["outcome"] = "skipped"


def pytest_sessionfinish(session: pytest.Session) -> None:  # noqa: ARG001
    target = os.environ.get("HPF_TRACEABILITY_OUT")
    if target:
        Path(target).write_text(json.dumps(_results, ensure_ascii=False, indent=1), encoding="utf-8")
