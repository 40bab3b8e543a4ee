"""The Lambda layers a deployment uploads hold everything the function apps import: each app imports from the
built layers alone (no site-packages), and the layers fit Lambda's limits (scripts/build-layers)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

# The layers are what Lambda's python3.11 on x86_64 runs; built on anything else they would not be.
pytestmark = pytest.mark.skipif(
    sys.platform != "linux" or platform.machine() != "x86_64" or sys.version_info[:2] != (3, 11),
    reason="the layers are built on Linux x86_64 CPython 3.11 (Lambda python3.11)")

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layers")
    built = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-layers"), "--out", str(out), "--no-zip"],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    return out


def test_the_layers_fit_lambda_and_carry_no_build_tools(layers):
    deps = layers / "deps" / "python"
    assert (layers / "core" / "python" / "hpf" / "bootstrap.py").exists()
    assert (deps / "chalice").is_dir() and (deps / "pyhanko").is_dir() and (deps / "botocore").is_dir()
    assert not (deps / "pip").exists() and not (deps / "moto").exists() and not (deps / "rapidocr").exists()
    assert next((layers / "core" / "python" / "hpf").glob("__pycache__/bootstrap.cpython-311.pyc"), None)
    size = sum(p.stat().st_size for p in layers.rglob("*") if p.is_file())
    assert size < 245 * 1024 * 1024


@pytest.mark.parametrize("area", APPS)
def test_every_app_imports_from_the_layers_alone(layers, area):
    # -S: no site-packages at all; the path is what Lambda gives a function: its code, then /opt/python (layers).
    probe = ("import sys; sys.path[:0] = [{code!r}, {core!r}, {deps!r}]; import app; "
             "assert not any('site-packages' in p for p in sys.path); "
             "print(len(app.api.routes), sorted(app.app.routes)[:1])")
    code = probe.format(code=str(ROOT / "functions" / area), core=str(layers / "core" / "python"),
                        deps=str(layers / "deps" / "python"))
    run = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PATH": "/usr/bin:/bin", "HPF_STAGE": "test"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert int(run.stdout.split()[0]) > 0


# The functions that run DuckDB: the nightly snapshot, the reconciliation's matching (daily and by hand), the cockpit.
DUCKDB_FUNCTIONS = {"SnapshotLedgerFunction", "ReconcileDailyFunction", "SettlementApiFunction", "PlatformApiFunction"}
# What runs only on a workstation or the local platform (moto, werkzeug), or in the OCR container image.
NOT_IN_LAMBDA = ("hpf.local", "hpf.sandbox", "hpf.cli", "hpf.archive.ocr")
WALK = """
import importlib, pkgutil, sys
sys.path[:0] = {paths!r}
import hpf
skip, only = {skip!r}, {only!r}
names = [m.name for m in pkgutil.walk_packages(hpf.__path__, "hpf.")
         if not m.name.startswith(skip) and m.name.startswith(only)]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


@pytest.mark.parametrize("part, layer_names, skip, only", [
    ("every module a function may import", ("core", "deps"), NOT_IN_LAMBDA + ("hpf.analytics",), "hpf."),
    ("the snapshot's analytics", ("core", "deps", "analytics"), NOT_IN_LAMBDA, "hpf.analytics"),
], ids=["functions", "analytics"])
def test_the_layers_hold_every_lazy_import_too(layers, part, layer_names, skip, only):
    paths = [str(layers / name / "python") for name in layer_names]
    run = subprocess.run([sys.executable, "-S", "-c", WALK.format(paths=paths, skip=skip, only=only)],
                         capture_output=True, text=True, timeout=180, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, (part, run.stderr[-2000:])
    assert int(run.stdout.strip()) > 3, part


def test_every_function_of_the_template_runs_on_the_layers_build_layers_makes():
    from hpf.local.sam import platform_template

    resources = platform_template()["Resources"]
    contents = {r["Properties"]["Content"] for r in resources.values() if r["Type"] == "AWS::Lambda::LayerVersion"}
    assert contents == {"../build/layers/core.zip", "../build/layers/deps.zip", "../build/layers/analytics.zip"}
    for logical_id, r in resources.items():
        if r["Type"] == "AWS::Lambda::Function":
            layers = [ln["Ref"] for ln in r["Properties"]["Layers"]]
            assert layers[:2] == ["CoreLayer", "DependenciesLayer"], logical_id
            assert ("AnalyticsLayer" in layers) == (logical_id in DUCKDB_FUNCTIONS), logical_id


def test_every_scheduled_handler_records_its_runs():
    """A schedule the operations console would list without a last run is one whose handler lacks ``@recorded``."""
    import importlib
    import re

    scheduled = []
    for template in (ROOT / "infra" / "areas").glob("*.yaml"):
        for block in re.split(r"\n  \w+:\n    Type: ", template.read_text(encoding="utf-8")):
            handler = re.search(r"Handler: app\.(\w+)", block)
            if handler and "Type: Schedule" in block:
                scheduled.append((template.stem, handler.group(1)))
    assert len(scheduled) >= 8
    for area, name in scheduled:
        handler = getattr(importlib.import_module(f"hpf.entrypoints.{area}"), name)
        assert getattr(handler, "__wrapped__", None) is not None, f"{area}.{name} is not @recorded"


def test_a_run_is_named_by_the_rule_that_fired_it_whatever_the_stages_name(monkeypatch):
    from hpf.entrypoints.schedules import schedule_of

    monkeypatch.setenv("HPF_STAGE", "prod-cn")
    fired = {"resources": ["arn:aws-cn:events:cn-north-1:1:rule/hpf-prod-cn-ledger-snapshot"]}
    assert schedule_of(fired, "snapshot_ledger") == "ledger-snapshot"
    assert schedule_of({"resources": []}, "snapshot_ledger") == "snapshot-ledger"  # invoked by hand
