"""infra/: SAM sources per area, merged and translated offline into the plain CloudFormation the local platform
and a deployment receive (hpf.local.sam)."""

from __future__ import annotations

import re
import shutil

import pytest

from hpf.local.sam import AREAS, SHARED, DuplicateLogicalId, assemble, platform_template, translate
from hpf.local.template import ROOT

GUIDE = ROOT / "docs" / "adding-an-area.md"


@pytest.fixture(scope="module")
def plain() -> dict:
    return platform_template()


def test_every_function_is_authored_in_sam_and_translated_to_plain_cloudformation(plain):
    sam = assemble()
    authored = {k for k, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert len(authored) == 28 and not [k for k, r in sam["Resources"].items() if r["Type"] == "AWS::Lambda::Function"]
    assert "Transform" not in plain
    assert not [k for k, r in plain["Resources"].items() if r["Type"].startswith("AWS::Serverless::")]
    functions = {k: r["Properties"] for k, r in plain["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}
    assert set(functions) == authored
    for logical_id, props in functions.items():
        assert (SHARED.parent / props["Code"] / "app.py").exists(), logical_id  # the folder, for `package`
        assert props["Runtime"] == "python3.11" and props["Environment"]["Variables"]["HPF_STAGE"] == {"Ref": "Stage"}


def test_every_queue_consumer_reports_partial_batch_failures(plain):
    mappings = [r["Properties"] for r in plain["Resources"].values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert len(mappings) == 7
    assert all(m["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)


def test_the_partition_follows_the_region():
    china = translate(assemble(), region="cn-north-1")
    written = [arn for r in china["Resources"].values() if r["Type"] == "AWS::IAM::Role"
               for arn in r["Properties"].get("ManagedPolicyArns", []) if isinstance(arn, str)]  # ours: ${AWS::Partition}
    assert written and all(a.startswith("arn:aws-cn:iam::aws:policy/") for a in written)


def test_the_relay_and_its_sweep_route_every_area_alike():
    """The sweep once lacked the lending queue its stream twin had: a lending event the stream missed would have
    failed every sweep. Both now share one environment block."""
    resources = assemble()["Resources"]
    routes = {name: {k: v for k, v in resources[name]["Properties"]["Environment"]["Variables"].items()
                     if k.startswith(("HPF_ROUTE_", "HPF_SUBSCRIBE_"))}
              for name in ("RelayOutboxFunction", "SweepOutboxFunction")}
    assert routes["RelayOutboxFunction"] == routes["SweepOutboxFunction"]
    queues = {k for k, r in resources.items() if r["Type"] == "AWS::SQS::Queue" and k.endswith("EventsQueue")}
    assert {v["Ref"] for k, v in routes["RelayOutboxFunction"].items() if k.startswith("HPF_ROUTE_")} >= queues


def test_a_logical_id_in_two_area_files_is_refused(tmp_path):
    areas = tmp_path / "areas"
    shutil.copytree(AREAS, areas)
    (areas / "zz-copy.yaml").write_text((AREAS / "ledger.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(DuplicateLogicalId, match="ledger.yaml and zz-copy.yaml"):
        assemble(SHARED, areas)


def test_the_guide_s_example_area_assembles_and_translates_with_the_real_ones(tmp_path):
    guide = GUIDE.read_text(encoding="utf-8")
    block = re.search(r"<!-- area-example:[^>]*-->\n```yaml\n(.*?)```", guide, re.S)
    assert block, "docs/adding-an-area.md lost its example template"
    areas = tmp_path / "areas"
    shutil.copytree(AREAS, areas)
    (areas / "notices.yaml").write_text(block.group(1), encoding="utf-8")
    sam = assemble(SHARED, areas)
    functions = [k for k, r in sam["Resources"].items() if r["Properties"].get("CodeUri") == "../functions/notices"]
    assert sorted(functions) == ["NoticeEventsFunction", "NoticesApiFunction"]
    plain = translate(sam)
    made = {k for k in plain["Resources"]} - {k for k in platform_template()["Resources"]}
    kinds = sorted(plain["Resources"][k]["Type"] for k in made)
    assert kinds.count("AWS::Lambda::Function") == 2 and "AWS::Lambda::EventSourceMapping" in kinds
    assert len(made) == 12  # what the guide says its six resources become
