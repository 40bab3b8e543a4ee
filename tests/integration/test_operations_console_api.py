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


def dead_letter_a_remittance_arrival(platform, unit: dict, correlation: str) -> str:  # noqa: ANN001
    """The event of a unit's remittance arrival, as the relay sent it, put in the ledger events' dead-letter queue
    as if its deliveries had failed; returns the remittance id."""
    import json
    from datetime import datetime

    from hpf.adapters.aws.clients import client
    from hpf.common.clock import SHANGHAI

    remittance = f"RMT-{unit['unit_account']}-{this_month().replace('-', '')}"
    sqs = client("sqs")
    dlq = sqs.get_queue_url(QueueName=platform.physical["LedgerEventsDeadLetterQueue"].rsplit("/", 1)[-1])["QueueUrl"]
    event = {"event_id": f"ledger.RemittanceFunded#{remittance}", "event_type": "ledger.RemittanceFunded",
             "aggregate_id": remittance, "occurred_at": datetime.now(SHANGHAI).isoformat(), "correlation_id": correlation,
             "payload": {"remittance_id": remittance, "unit_account": unit["unit_account"], "month": this_month(),
                         "total": "1200.00", "bank_serial": f"DLQ-{correlation}", "funding": "transfer"}}
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(event), MessageAttributes={
        "event_type": {"DataType": "String", "StringValue": "ledger.RemittanceFunded"},
        "correlation_id": {"DataType": "String", "StringValue": correlation}})
    return remittance


def test_an_operator_reads_a_dead_letter_masked_and_replays_it_to_its_queue(platform, http, auth, deposited_account):
    from hpf.adapters.aws.clients import client
    from tests.integration.conftest import eventually

    unit, _ = deposited_account()
    correlation = f"dlq-{unit['unit_account']}"
    remittance = dead_letter_a_remittance_arrival(platform, unit, correlation)
    sqs = client("sqs")
    operator = auth("operator01")

    queues = {q["name"]: q for q in http.get("/platform/dead-letters", headers=operator).json()["queues"]}
    assert queues["ledger-events-dlq"]["source"] == "ledger-events" and queues["ledger-events-dlq"]["depth"] >= 1
    assert queues["outbox-relay-dlq"]["source"] is None  # a stream's failures: the sweep re-sends those
    letters = http.get("/platform/dead-letters/ledger-events-dlq/messages", headers=operator).json()["letters"]
    assert any(letter["body"]["aggregate_id"] == remittance for letter in letters)

    replayed = http.post("/platform/dead-letters/ledger-events-dlq/replay", headers=operator, json={})
    assert replayed.status_code == 200 and replayed.json()["replayed"] >= 1
    depth = lambda name: int(sqs.get_queue_attributes(  # noqa: E731
        QueueUrl=sqs.get_queue_url(QueueName=platform.physical[name].rsplit("/", 1)[-1])["QueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"][
        "ApproximateNumberOfMessages"])
    # consumed again (its handling logged under its correlation id), idempotently: the posting is the one it was
    handled = lambda: any(correlation in line and "remittance posting started" in line  # noqa: E731
                          for line in platform.log_file.read_text(encoding="utf-8").splitlines())
    eventually(lambda: handled() and depth("LedgerEventsDeadLetterQueue") == 0, timeout=30)
    runs = http.get("/platform/workflows/remittance-posting/executions", headers=operator,
                    params={"page_size": 200}).json()["executions"]
    assert [e["status"] for e in runs if e["name"] == f"remittance-{remittance}"] == ["SUCCEEDED"]

    refused = http.post("/platform/dead-letters/outbox-relay-dlq/replay", headers=operator, json={})
    assert (refused.status_code, refused.json()["code"]) == (422, "NOT_REPLAYABLE")
    unknown = http.get("/platform/dead-letters/no-such-dlq/messages", headers=operator)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "QUEUE_NOT_FOUND")
    assert http.get("/platform/dead-letters", headers=auth("clerk01")).status_code == 403


def test_a_dead_letters_personal_data_is_masked_on_the_console():
    from datetime import UTC, datetime

    from hpf.platform.dead_letter_schemas import LetterView
    from hpf.platform.ports import DeadLetter

    letter = DeadLetter("m-1", {"payload": {"name": "李华", "id_number": "360602199001011237",
                                            "card_no": "6222021234567890128", "amount": "500.00"}},
                        datetime(2026, 11, 30, tzinfo=UTC), 5)
    shown = LetterView.of(letter).body["payload"]
    assert shown["amount"] == "500.00" and "李华" not in str(shown) and "199001011237" not in str(shown)
    assert "1234567890128" not in str(shown)


def test_each_schedule_shows_its_last_run_succeeded_or_failed(platform, http, auth):
    from datetime import UTC, datetime, timedelta

    rule = next(r for r in platform.scheduler.rules() if r["Name"].endswith("-ledger-snapshot"))
    platform.scheduler.fire(rule, datetime.now(UTC) + timedelta(days=1))
    operator = auth("operator01")
    listed = {s["name"]: s for s in http.get("/platform/schedules", headers=operator).json()["schedules"]}
    assert {"ledger-snapshot", "outbox-sweep", "reconcile-daily", "deduction-run"} <= set(listed)
    snapshot = listed["ledger-snapshot"]
    assert snapshot["expression"] == "cron(0 18 * * ? *)" and snapshot["enabled"] is True
    assert snapshot["last_succeeded"] is True and '"business_date"' in snapshot["last_summary"]

    # a run that fails is recorded as failed, with its error, under the rule that fired it
    broken = {"time": "not a time", "resources": [rule["Arn"]], "detail": {}}
    try:
        platform.registry.invoke(platform.physical["SnapshotLedgerFunction"], broken)
    except Exception:  # noqa: BLE001 - the local registry passes the function's error on, as Lambda reports it
        pass
    failed = next(s for s in http.get("/platform/schedules", headers=operator).json()["schedules"]
                  if s["name"] == "ledger-snapshot")
    assert failed["last_succeeded"] is False and "ValueError" in failed["last_summary"]
    assert http.get("/platform/schedules", headers=auth("auditor01")).status_code == 403

    from hpf.adapters.aws.clients import client

    runs = client("dynamodb").query(TableName=platform.physical["OperationLogTable"], KeyConditionExpression="pk = :p",
                                    ExpressionAttributeValues={":p": {"S": "SCHEDULE#ledger-snapshot"}})["Items"]
    kept = {int(r["expires"]["N"]) - int(datetime.fromisoformat(r["started_at"]["S"]).timestamp()) for r in runs}
    assert kept == {30 * 24 * 3600}  # a month, then the table's TTL removes the run
