"""`hpf serve` in a subprocess, as a person runs it: start, use the printed demo users over HTTP, fire a
schedule by hand, Ctrl-C, and nothing left running."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e
HPF = str(Path(sys.executable).with_name("hpf"))


def clean_environment(state_dir: Path) -> dict[str, str]:
    # The in-process platform of the integration tests points AWS_* at its own endpoint; a fresh shell has none.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HPF_", "MOTO_"))}
    return {**env, "HPF_STATE_DIR": str(state_dir)}


@pytest.fixture
def served(tmp_path):
    env = clean_environment(tmp_path)
    process = subprocess.Popen([HPF, "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env=env)
    output: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if line.strip() == "hpf: ready":
            break
    else:
        process.kill()
    assert output and output[-1].strip() == "hpf: ready", "".join(output)
    yield process, "".join(output), tmp_path, env
    if process.poll() is None:
        process.kill()


def test_serve_runs_the_slice_and_stops_cleanly(served):
    process, printed, state_dir, env = served
    state = json.loads((state_dir / "local.json").read_text())
    gateway = state["gateway"]
    from hpf.identity.roles import Role

    for role in Role:  # a demo user for every role, printed
        assert f" {role.value} " in printed or f" {role.value}\n" in printed, role
    for expected in ("openapi", gateway, "hpf run-schedule", "function logs", "e-licence authorization code"):
        assert expected in printed

    tokens = {p.stem: p.read_text() for p in (state_dir / "tokens").glob("*.jwt")}
    clerk = {"Authorization": f"Bearer {tokens['clerk01']}"}
    with httpx.Client(base_url=gateway, timeout=30) as http:
        # The demo depositor's own account, with this month's demo remittance posted.
        account_no = printed.split("accounts ", 1)[1].split(",", 1)[0].strip()
        mine = {"Authorization": f"Bearer {tokens['depositor01']}"}
        deadline = time.monotonic() + 90  # outbox → queue → workflow → posting, on a machine that may be busy
        while http.get(f"/ledger/accounts/{account_no}", headers=mine).json()["balance"] == "0.00":
            assert time.monotonic() < deadline, "demo remittance never posted"
            time.sleep(0.3)
        assert http.get(f"/ledger/accounts/{account_no}", headers=mine).json()["balance"] == "1632.00"
        assert http.get(f"/ledger/accounts/{account_no}/entries", headers=mine).json()["entries"]
        assert http.get(f"/ledger/accounts/{account_no}").status_code == 401
        assert http.post("/ledger/units", headers=mine, json={}).status_code == 403
        bad = http.post("/ledger/units", headers=clerk, content=b"{")
        assert bad.status_code == 400 and bad.json()["message"] == "请求体不是合法的JSON"
        # the demo's first ledger snapshot, for the leader cockpit, with the demo's deposits in it
        leader = {"Authorization": f"Bearer {tokens['leader01']}"}
        deadline = time.monotonic() + 60
        while (cockpit := http.get("/platform/cockpit", headers=leader)).status_code != 200:
            assert time.monotonic() < deadline and cockpit.json()["code"] == "NO_SNAPSHOT", cockpit.text
            time.sleep(1)
        assert any(o["depositors"] for o in cockpit.json()["offices"])

    fired = subprocess.run([HPF, "run-schedule", "outbox-sweep"], capture_output=True, text=True, env=env,
                           timeout=60)
    assert fired.returncode == 0 and '"relayed"' in fired.stdout, fired.stderr
    listed = subprocess.run([HPF, "run-schedule"], capture_output=True, text=True, env=env, timeout=60)
    assert "outbox-sweep" in listed.stdout and "rate(5 minutes)" in listed.stdout

    seeded = subprocess.run([HPF, "seed-data", "--load", "3", "--per-unit", "4"], capture_output=True, text=True,
                            env=env, timeout=120)
    assert seeded.returncode == 0 and "loaded 3 units" in seeded.stdout, seeded.stderr
    with httpx.Client(base_url=gateway, timeout=30) as http:
        units = http.get("/ledger/units", params={"org": "360602"}, headers=clerk).json()["units"]
        units += http.get("/ledger/units", params={"org": "360603"}, headers=clerk).json()["units"]
        assert any(u["name"].startswith("鹰潭合成单位") for u in units)

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    remaining = process.stdout.read()
    assert "hpf: stopped" in remaining
    for url in (gateway, state["aws_endpoint"], state["identity"]):
        host, port = url.removeprefix("http://").split(":")
        with socket.socket() as probe:
            assert probe.connect_ex((host, int(port))) != 0, f"{url} still answers"
    assert not (state_dir / "local.json").exists()
