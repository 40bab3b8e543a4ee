"""The operations console's reading of the state machines (运维): the stage's machines, their executions by
status, one execution's steps — over HTTP against the embedded Step Functions, after a real posting ran."""

from __future__ import annotations

from tests.integration.conftest import this_month


def test_an_operator_finds_a_remittances_posting_and_reads_its_steps(http, auth, deposited_account):
    unit, _ = deposited_account()
    name = f"remittance-RMT-{unit['unit_account']}-{this_month().replace('-', '')}"
    operator = auth("operator01")
    machines = http.get("/platform/workflows", headers=operator)
    assert machines.status_code == 200
    assert {"remittance-posting", "settlement", "settlement-batch"} <= set(machines.json()["machines"])

    succeeded = http.get("/platform/workflows/remittance-posting/executions", headers=operator,
                         params={"status": "SUCCEEDED", "page_size": 200}).json()
    mine = [e for e in succeeded["executions"] if e["name"] == name]
    assert mine and mine[0]["status"] == "SUCCEEDED" and mine[0]["stopped_at"]
    running = http.get("/platform/workflows/remittance-posting/executions", headers=operator,
                       params={"status": "RUNNING"}).json()
    assert name not in {e["name"] for e in running["executions"]}

    history = http.get(f"/platform/workflows/remittance-posting/executions/{name}", headers=operator).json()
    kinds = [step["kind"] for step in history["steps"]]
    assert kinds[0] == "ExecutionStarted" and kinds[-1] == "ExecutionSucceeded"
    assert [s["id"] for s in history["steps"]] == sorted(s["id"] for s in history["steps"])

    assert http.get("/platform/workflows/no-such-machine/executions", headers=operator).status_code == 404
    missing = http.get("/platform/workflows/remittance-posting/executions/remittance-none", headers=operator)
    assert (missing.status_code, missing.json()["code"]) == (404, "EXECUTION_NOT_FOUND")
    assert http.get("/platform/workflows", headers=auth("clerk01")).status_code == 403  # operators only
