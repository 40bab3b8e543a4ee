"""Reading CloudFormation YAML (short-form tags) and doing locally what `aws cloudformation package` does for a
deployment, on the template translated from infra/'s SAM sources (hpf.local.sam).

- ``Code: ../functions/<area>`` becomes an inline placeholder: locally the function's code runs in process
  (dispatch.py), found again from the same Code path and Handler; the code layers (``AWS::Lambda::LayerVersion``,
  built by scripts/build-layers for a deployment) and the functions' ``Layers`` are left out — in process the
  package and its dependencies are this interpreter's own — and so are API Gateway's deployments and stages.
- ``DefinitionS3Location`` + ``DefinitionSubstitutions`` become ``DefinitionString: {Fn::Sub: [asl, vars]}``,
  which the embedded endpoint's CloudFormation understands.
- ``AWS::Lambda::EventSourceMapping`` resources (SAM writes one for each SQS or stream event) are taken out:
  the local event-source runner feeds the same mappings itself (the embedded endpoint would invoke the functions
  in its own way).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[4]
INFRA = ROOT / "infra"
_TAGS = {"Ref": "Ref", "Condition": "Condition"}
CONTEXT_MARKER = "HPF-CONTEXT-OBJECT"
_FN_TAGS = ("Sub", "GetAtt", "Join", "If", "Equals", "Not", "And", "Or", "Select", "Split", "FindInMap",
            "ImportValue", "GetAZs", "Base64", "Cidr")


class _CfnLoader(yaml.SafeLoader):
    pass


def _construct(tag: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        elif isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        else:
            raise yaml.constructor.ConstructorError(None, None, f"!{tag} on an unexpected node", node.start_mark)
        return {tag if tag in _TAGS else f"Fn::{tag}": value}

    return construct


for _tag in (*_TAGS, *_FN_TAGS):
    _CfnLoader.add_constructor(f"!{_tag}", _construct(_tag))


def load_template(path: Path) -> dict[str, Any]:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 (SafeLoader subclass)


# Left out locally: the code layers (in process the package and its dependencies are this interpreter's own), and
# API Gateway's deployments and stages (hpf.local.gateway plays API Gateway; the embedded endpoint's CloudFormation
# does not read the REST API's OpenAPI body and refuses to deploy an API it thinks has no methods), and the CDN in
# front of the pages with its bucket policy (hpf.local.web serves web/dist from the gateway's port).
_NOT_LOCAL = {"AWS::Lambda::LayerVersion", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage",
              "AWS::CloudFront::Distribution", "AWS::CloudFront::Function", "AWS::CloudFront::OriginAccessControl",
              "AWS::CloudFront::ResponseHeadersPolicy", "AWS::S3::BucketPolicy"}


@dataclass(frozen=True)
class FunctionSource:
    logical_id: str
    code_dir: Path
    handler: str  # module.attribute, e.g. app.ledger_events


@dataclass(frozen=True)
class EventSourceDefinition:
    logical_id: str
    function_logical_id: str
    source: dict[str, Any]  # the EventSourceArn expression (GetAtt of a queue or a table's StreamArn)
    batch_size: int
    report_batch_item_failures: bool
    maximum_retry_attempts: int | None


@dataclass
class PackagedTemplate:
    body: dict[str, Any]
    functions: dict[str, FunctionSource]
    event_sources: list[EventSourceDefinition]

    def to_json(self) -> str:
        return json.dumps(self.body)


def package_locally(template: dict[str, Any], template_dir: Path = INFRA) -> PackagedTemplate:
    body = copy.deepcopy(template)
    functions: dict[str, FunctionSource] = {}
    event_sources: list[EventSourceDefinition] = []
    for logical_id in [k for k, r in body["Resources"].items() if r["Type"] in _NOT_LOCAL]:
        del body["Resources"][logical_id]
    for logical_id, resource in body["Resources"].items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::Lambda::Function":
            props.pop("Layers", None)
        if kind == "AWS::Lambda::Function" and isinstance(props.get("Code"), str):
            code_dir = (template_dir / props["Code"]).resolve()
            if not (code_dir / "app.py").exists():
                raise FileNotFoundError(f"{logical_id}: no app.py in {code_dir}")
            functions[logical_id] = FunctionSource(logical_id, code_dir, props["Handler"])
            props["Code"] = {"ZipFile": f"# {logical_id}: runs in process under hpf serve"}
        elif kind == "AWS::StepFunctions::StateMachine" and isinstance(props.get("DefinitionS3Location"), str):
            definition = (template_dir / props.pop("DefinitionS3Location")).read_text(encoding="utf-8")
            substitutions = props.pop("DefinitionSubstitutions", {})
            if substitutions:
                # moto's Fn::Sub runs string.Template once per substitution, each turning the context object's
                # "$$" (e.g. $$.Task.Token) into "$"; CloudFormation leaves it alone. A marker goes through instead,
                # and hpf.local.aws puts "$$" back when it registers the executable machine.
                props["DefinitionString"] = {"Fn::Sub": [definition.replace("$$", CONTEXT_MARKER), substitutions]}
            else:
                props["DefinitionString"] = definition
        elif kind == "AWS::Lambda::EventSourceMapping":
            function_ref = props["FunctionName"]
            event_sources.append(EventSourceDefinition(
                logical_id=logical_id,
                function_logical_id=function_ref["Ref"] if isinstance(function_ref, dict) else function_ref,
                source=props["EventSourceArn"],
                batch_size=int(props.get("BatchSize", 10)),
                report_batch_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
                maximum_retry_attempts=props.get("MaximumRetryAttempts"),
            ))
    for definition in event_sources:
        del body["Resources"][definition.logical_id]
    return PackagedTemplate(body, functions, event_sources)
