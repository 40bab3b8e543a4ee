"""Resources created from infra/ (SAM, translated), and every non-HTTP function driven by its sample event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from hpf.adapters.aws.clients import client
from hpf.local.sam import platform_template
from hpf.local.template import ROOT
from tests.integration.conftest import eventually, this_month

EVENTS = ROOT / "events"
TEMPLATE_BODY = platform_template()


def resources(kind: str) -> list[str]:
    return [name for name, r in TEMPLATE_BODY["Resources"].items() if r["Type"] == kind]


def test_every_table_is_encrypted_with_the_data_key(platform):
    tables = resources("AWS::DynamoDB::Table")
    assert len(tables) == 7
    for logical_id in tables:
        description = client("dynamodb").describe_table(TableName=platform.physical[logical_id])["Table"]
        assert description["SSEDescription"]["Status"] == "ENABLED", logical_id
        assert description["SSEDescription"]["SSEType"] == "KMS", logical_id


def test_every_bucket_is_encrypted_and_the_archive_is_write_once(platform):
    s3 = client("s3")
    for logical_id in resources("AWS::S3::Bucket"):
        rules = s3.get_bucket_encryption(Bucket=platform.physical[logical_id])["ServerSideEncryptionConfiguration"]
        assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    archive = platform.physical["ArchiveBucket"]
    assert s3.get_bucket_versioning(Bucket=archive)["Status"] == "Enabled"
    lock = s3.get_object_lock_configuration(Bucket=archive)["ObjectLockConfiguration"]
    assert lock["ObjectLockEnabled"] == "Enabled"
    retention = lock["Rule"]["DefaultRetention"]
    assert (retention["Mode"], retention["Years"]) == ("COMPLIANCE", 30)
    version = s3.put_object(Bucket=archive, Key="probe/voucher.pdf", Body=b"%PDF-1.7 probe")["VersionId"]
    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=archive, Key="probe/voucher.pdf", VersionId=version)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    block = s3.get_public_access_block(Bucket=archive)["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                     "RestrictPublicBuckets": True}


def test_the_local_endpoint_holds_compliance_retention_to_s3_s_rules(platform):
    """Real S3 refuses to shorten a COMPLIANCE retention or turn it into GOVERNANCE (after which the object could
    be deleted with a bypass); the embedded endpoint accepted both, so the local platform refuses them itself."""
    from datetime import datetime, timedelta

    s3, archive = client("s3"), platform.physical["ArchiveBucket"]
    version = s3.put_object(Bucket=archive, Key="probe/retention.pdf", Body=b"%PDF-1.7 probe")["VersionId"]
    until = s3.head_object(Bucket=archive, Key="probe/retention.pdf", VersionId=version)["ObjectLockRetainUntilDate"]
    for mode, moved in (("COMPLIANCE", -timedelta(days=1)), ("GOVERNANCE", timedelta(days=1))):
        with pytest.raises(ClientError) as refused:
            s3.put_object_retention(Bucket=archive, Key="probe/retention.pdf", VersionId=version,
                                    Retention={"Mode": mode, "RetainUntilDate": until + moved})
        assert refused.value.response["Error"]["Code"] == "AccessDenied", mode
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=archive, Key="probe/retention.pdf", VersionId=version,
                         BypassGovernanceRetention=True)
    longer = datetime.now(UTC).replace(microsecond=0) + timedelta(days=365 * 40)
    s3.put_object_retention(Bucket=archive, Key="probe/retention.pdf", VersionId=version,
                            Retention={"Mode": "COMPLIANCE", "RetainUntilDate": longer})  # lengthening is allowed
    assert s3.head_object(Bucket=archive, Key="probe/retention.pdf",
                          VersionId=version)["ObjectLockRetainUntilDate"] == longer


def test_the_alarms_watch_the_metrics_the_code_emits(platform):
    """Every alarm names a metric the platform really counts (a renamed metric would leave its alarm blind)."""
    import re

    from hpf.local.template import ROOT

    emitted = set(re.findall(r'(?:count|_count)\("(\w+)"', "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "layers" / "core" / "hpf").rglob("*.py"))))
    alarms = client("cloudwatch").describe_alarms(AlarmNamePrefix="hpf-")["MetricAlarms"]
    watched = {a["MetricName"] for a in alarms if a["Namespace"] == "HPF"}
    assert {"UnhandledErrors", "OperationRecordRefusals"} <= watched <= emitted
    assert len(alarms) == len(resources("AWS::CloudWatch::Alarm"))


def test_queues_have_dead_letter_queues_and_every_function_its_own_role(platform):
    sqs = client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=platform.physical["LedgerEventsQueue"],
                                          AttributeNames=["RedrivePolicy", "KmsMasterKeyId"])["Attributes"]
    assert json.loads(attributes["RedrivePolicy"])["maxReceiveCount"] == 5 and attributes["KmsMasterKeyId"]
    roles = [r["Properties"]["Role"]["Fn::GetAtt"][0] for r in TEMPLATE_BODY["Resources"].values()
             if r["Type"] == "AWS::Lambda::Function"]
    shared = {role for role in roles if roles.count(role) > 1}
    # The outbox relay and its sweep do one job with the same rights; every other function has its own role.
    assert shared <= {"OutboxRelayRole"}
    for logical_id in resources("AWS::IAM::Role"):
        for policy in TEMPLATE_BODY["Resources"][logical_id]["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert not any(a.endswith(":*") or a == "*" for a in actions), (logical_id, actions)


def test_every_queue_stream_schedule_and_task_function_has_a_sample_event():
    handlers = {r["Properties"]["Handler"].split(".", 1)[1] for r in TEMPLATE_BODY["Resources"].values()
                if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["Handler"] != "app.handler"}
    samples = {p.name.split(".", 1)[0] for p in EVENTS.glob("*/*.json") if not p.name.endswith(".proxy.json")}
    assert handlers == samples
    assert (EVENTS / "ledger" / "api.proxy.json").exists()  # the API functions' API Gateway event


def sample(name: str) -> dict:
    return json.loads(next(EVENTS.glob(f"*/{name}.*.json")).read_text(encoding="utf-8"))


def record_remittance(http, auth, new_unit, new_account) -> tuple[dict, dict]:
    unit = new_unit()
    account = new_account(unit["unit_account"])
    remittance = http.post(f"/ledger/units/{unit['unit_account']}/remittances", json={"month": this_month()},
                           headers=auth("clerk01")).json()
    funded = http.post(f"/ledger/remittances/{remittance['remittance_id']}/funds", headers=auth("finance01"),
                       json={"amount": remittance["total"], "bank_serial": f"T-{remittance['remittance_id']}"})
    assert funded.status_code == 200, funded.text
    return account, remittance


def test_post_remittance_task_with_its_sample_event(platform, http, auth, new_unit, new_account):
    account, remittance = record_remittance(http, auth, new_unit, new_account)
    event = {**sample("post_remittance"), "remittance_id": remittance["remittance_id"]}
    result = platform.registry.invoke(platform.physical["PostRemittanceFunction"], event)
    assert result["status"] == "POSTED" and result["total"] == "1200.00"
    assert result["correlation_id"] == event["correlation_id"]
    with pytest.raises(Exception) as missing:
        platform.registry.invoke(platform.physical["PostRemittanceFunction"],
                                 {**event, "remittance_id": "RMT-000000000000-202001"})
    assert type(missing.value).__name__ == "NotFound"  # the error name the state machine's Catch matches


def test_queue_consumer_reports_only_the_failed_record(platform, http, auth, new_unit, new_account):
    _, remittance = record_remittance(http, auth, new_unit, new_account)
    good = sample("ledger_events")["Records"][0]
    body = json.loads(good["body"])
    body["payload"]["remittance_id"] = remittance["remittance_id"]
    good = {**good, "body": json.dumps(body)}
    broken = {**good, "messageId": "broken-1", "body": "{not json"}
    result = platform.registry.invoke(platform.physical["LedgerEventsFunction"], {"Records": [good, broken]})
    assert result == {"batchItemFailures": [{"itemIdentifier": "broken-1"}]}
    # Delivered again (at least once): the execution named by the remittance is found, not started twice.
    again = platform.registry.invoke(platform.physical["LedgerEventsFunction"], {"Records": [good]})
    assert again == {"batchItemFailures": []}
    executions = client("stepfunctions").list_executions(
        stateMachineArn=platform.physical["RemittancePostingStateMachine"])["executions"]
    assert [e["name"] for e in executions].count(f"remittance-{remittance['remittance_id']}") == 1


def test_relay_sends_the_sample_stream_record_to_the_area_queue(platform):
    event = sample("relay_outbox")
    image = event["Records"][0]["dynamodb"]["NewImage"]
    client("dynamodb").put_item(TableName=platform.physical["OutboxTable"], Item={**image, "pending": {"S": "0"}})
    result = platform.registry.invoke(platform.physical["RelayOutboxFunction"], event)
    assert result == {"batchItemFailures": []}
    stored = client("dynamodb").get_item(TableName=platform.physical["OutboxTable"],
                                         Key={"event_id": image["event_id"]})["Item"]
    assert "published_at" in stored and "pending" not in stored


def test_sweep_schedule_relays_events_left_pending(platform):
    """A crash between sending and marking leaves a row pending; the scheduled sweep sends it again."""
    table = platform.physical["OutboxTable"]
    old = (datetime.now().astimezone() - timedelta(minutes=10)).isoformat()
    event_id = "ledger.UnitRegistered#sweep-probe"
    client("dynamodb").put_item(TableName=table, Item={
        "event_id": {"S": event_id}, "event_type": {"S": "ledger.UnitRegistered"},
        "aggregate_id": {"S": "sweep-probe"}, "payload": {"S": "{}"}, "occurred_at": {"S": old},
        "correlation_id": {"S": "sweep-probe"}})  # not pending: the stream relay leaves it…
    client("dynamodb").update_item(TableName=table, Key={"event_id": {"S": event_id}},
                                   UpdateExpression="SET pending = :one", ExpressionAttributeValues={":one": {"S": "1"}})
    rule = next(r for r in platform.scheduler.rules() if r["Name"].endswith("outbox-sweep"))
    results = platform.scheduler.fire(rule)  # …the sweep, fired as its schedule would, does not
    assert results[0]["relayed"] >= 1
    row = client("dynamodb").get_item(TableName=table, Key={"event_id": {"S": event_id}})["Item"]
    assert "pending" not in row and "published_at" in row


def test_the_schedule_runner_fires_rules_on_time(platform):
    rule = next(r for r in platform.scheduler.rules() if r["Name"].endswith("outbox-sweep"))
    assert rule["ScheduleExpression"] == "rate(5 minutes)" and rule["State"] == "ENABLED"
    platform.scheduler._next[rule["Name"]] = datetime.now().astimezone() - timedelta(seconds=1)
    eventually(lambda: platform.scheduler._next[rule["Name"]] > datetime.now().astimezone())


def test_cancelled_transactions_lose_no_concurrent_write_and_the_outbox_stream_keeps_flowing(platform):
    """The embedded endpoint's transactions are isolated (hpf.local.dynamodb_transactions): a cancelled one
    writes nothing and undoes nobody else's write, and the stream the relay reads stays the table's."""
    import threading

    table = platform.physical["OutboxTable"]
    ddb = client("dynamodb")

    def row(event_id: str) -> dict:
        return {"event_id": {"S": event_id}, "event_type": {"S": "ledger.UnitRegistered"},
                "aggregate_id": {"S": event_id}, "payload": {"S": "{}"},
                "occurred_at": {"S": datetime.now().astimezone().isoformat()}, "pending": {"S": "1"}}

    ddb.put_item(TableName=table, Item=row("ledger.UnitRegistered#tx-existing"))
    written: list[str] = []
    cancelled: list[str] = []

    def work(worker: int) -> None:
        for n in range(15):
            ok = f"ledger.UnitRegistered#tx-ok-{worker}-{n}"
            partial = f"ledger.UnitRegistered#tx-partial-{worker}-{n}"
            ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": row(ok),
                                                             "ConditionExpression": "attribute_not_exists(event_id)"}}])
            written.append(ok)
            try:
                ddb.transact_write_items(TransactItems=[
                    {"Put": {"TableName": table, "Item": row(partial),
                             "ConditionExpression": "attribute_not_exists(event_id)"}},
                    {"Put": {"TableName": table, "Item": row("ledger.UnitRegistered#tx-existing"),
                             "ConditionExpression": "attribute_not_exists(event_id)"}},
                ])
            except ClientError as error:
                assert [r["Code"] for r in error.response["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
                cancelled.append(partial)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(written) == len(cancelled) == 90
    for event_id in written:
        assert "Item" in ddb.get_item(TableName=table, Key={"event_id": {"S": event_id}}), f"{event_id} lost"
    for event_id in cancelled:
        assert "Item" not in ddb.get_item(TableName=table, Key={"event_id": {"S": event_id}}), f"{event_id} written"
    ddb.put_item(TableName=table, Item=row("ledger.UnitRegistered#tx-after"))
    eventually(lambda: "published_at" in ddb.get_item(
        TableName=table, Key={"event_id": {"S": "ledger.UnitRegistered#tx-after"}})["Item"])


def test_the_nightly_snapshot_writes_the_ledger_as_parquet(platform, deposited_account):
    import duckdb

    _, account = deposited_account()
    result = platform.registry.invoke(platform.physical["SnapshotLedgerFunction"], sample("snapshot_ledger"))
    assert result["business_date"] == "2026-11-26"  # the day before the 02:00 run of the 27th
    prefix = "snapshots/date=2026-11-26"
    s3 = client("s3")
    bucket = platform.physical["AnalyticsBucket"]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=f"{prefix}/_manifest.json")["Body"].read())
    local = Path(platform.state_dir) / "snapshot"
    local.mkdir(exist_ok=True)
    for table, facts in manifest["tables"].items():
        body = s3.get_object(Bucket=bucket, Key=f"{prefix}/{table}.parquet")["Body"].read()
        import hashlib

        assert hashlib.sha256(body).hexdigest() == facts["sha256"]
        (local / f"{table}.parquet").write_bytes(body)
    con = duckdb.connect()
    row = con.execute(f"SELECT balance, person FROM '{local / 'accounts.parquet'}' WHERE account_no = ?",
                      [account["account_no"]]).fetchall()[0]
    assert row[0] == Decimal("1200.00") and row[1] != account["full_id_number"] and len(row[1]) == 64
    # The snapshot balances as the ledger does: entries sum to balances, journal debits to credits.
    assert con.execute(f"SELECT (SELECT sum(amount) FROM '{local / 'entries.parquet'}') = "
                       f"(SELECT sum(balance) FROM '{local / 'accounts.parquet'}')").fetchall()[0][0] is True
    sides = dict(con.execute(f"SELECT side, sum(amount) FROM '{local / 'journal.parquet'}' GROUP BY 1").fetchall())
    assert sides["D"] == sides["C"] > 0
    names = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM '{local / 'accounts.parquet'}'").fetchall()]
    assert "name" not in names and "id_number" not in names
