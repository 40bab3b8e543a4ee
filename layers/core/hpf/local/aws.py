"""The embedded AWS-compatible endpoint (moto server) on loopback, with state machines executing and Lambda
tasks dispatched in process, and the stack created from the template translated from infra/."""

from __future__ import annotations

import os
import re
import socket
import time
from typing import Any

from hpf.adapters.aws.clients import client, reset_clients
from hpf.local.dispatch import FunctionRegistry, install
from hpf.local.dynamodb_transactions import install as install_isolated_transactions
from hpf.local.s3_rules import install as hold_s3_to_its_rules
from hpf.local.template import CONTEXT_MARKER, PackagedTemplate

ACCOUNT = "123456789012"  # moto's account
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbeddedAws:
    def __init__(self, port: int = 0):
        self.port = port or free_port()
        self._server: Any = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, registry: FunctionRegistry) -> None:
        from moto.core.config import default_user_config
        from moto.server import ThreadedMotoServer

        # Tasks inside state machines call back into the endpoint on MOTO_PORT (toolchain notes).
        os.environ["MOTO_PORT"] = str(self.port)
        os.environ.update({
            "AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
        })
        os.environ.pop("AWS_PROFILE", None)
        default_user_config["stepfunctions"] = {"execute_state_machine": True}
        default_user_config["lambda"] = {"use_docker": False}
        install(registry)
        install_isolated_transactions()
        hold_s3_to_its_rules()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        reset_clients()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def create_stack(name: str, packaged: PackagedTemplate, parameters: dict[str, str]) -> dict[str, str]:
    """Create the stack and wait for it; returns logical id → physical id."""
    cfn = client("cloudformation")
    cfn.create_stack(
        StackName=name, TemplateBody=packaged.to_json(), Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    for _ in range(600):
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        if status == "CREATE_COMPLETE":
            break
        if status.endswith("FAILED") or status.startswith("ROLLBACK"):
            events = cfn.describe_stack_events(StackName=name)["StackEvents"]
            reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason')}" for e in events
                       if e.get("ResourceStatusReason")]
            raise RuntimeError(f"stack {name} failed: {status}: {reasons[:5]}")
        time.sleep(0.1)
    resources = cfn.describe_stack_resources(StackName=name)["StackResources"]
    return {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources if "LogicalResourceId" in r}


def apply_dropped_properties(template: dict[str, Any], physical: dict[str, str], parameters: dict[str, str]) -> None:
    """Apply what moto's CloudFormation accepts but does not apply (toolchain notes), read from the template.

    Bucket versioning, Object Lock and encryption go through the S3 API; state machines are created again
    where they execute; table encryption is set on the embedded table itself (below); alarms, which moto's
    CloudFormation does not know at all, through the CloudWatch API.
    """
    s3 = client("s3")
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::S3::Bucket":
            bucket = physical[logical_id]
            if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
                s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            lock = props.get("ObjectLockConfiguration")
            if lock:
                retention = lock["Rule"]["DefaultRetention"]
                years = retention.get("Years")
                if isinstance(years, dict):  # !Ref ArchiveRetentionYears: resolved from the stack parameters
                    years = int(with_defaults(template, parameters)[years["Ref"]])
                s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": retention["Mode"], "Years": years}},
                })
            block = props.get("PublicAccessBlockConfiguration")
            if block:  # moto's CloudFormation drops it: a local archive bucket without the block was found
                s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
                    name: bool(value) for name, value in block.items()})
            if props.get("BucketEncryption"):
                s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                            "KMSMasterKeyID": physical["DataKey"]},
                     "BucketKeyEnabled": True}]})
        elif resource["Type"] == "AWS::StepFunctions::StateMachine":
            _register_executable_state_machine(physical[logical_id])
        elif resource["Type"] == "AWS::DynamoDB::Table" and props.get("SSESpecification", {}).get("SSEEnabled"):
            _apply_table_encryption(physical[logical_id], physical["DataKey"])
        elif resource["Type"] == "AWS::CloudWatch::Alarm":
            physical[logical_id] = _put_alarm(props, parameters)


def _put_alarm(props: dict[str, Any], parameters: dict[str, str]) -> str:
    name = props["AlarmName"]
    if isinstance(name, dict):  # !Sub hpf-${Stage}-…
        name = re.sub(r"\$\{(\w+)\}", lambda m: parameters[m.group(1)], name["Fn::Sub"])
    client("cloudwatch").put_metric_alarm(
        AlarmName=name, AlarmDescription=props.get("AlarmDescription", ""), Namespace=props["Namespace"],
        MetricName=props["MetricName"], Dimensions=props.get("Dimensions", []), Statistic=props["Statistic"],
        Period=int(props["Period"]), EvaluationPeriods=int(props["EvaluationPeriods"]),
        Threshold=float(props["Threshold"]), ComparisonOperator=props["ComparisonOperator"],
        TreatMissingData=props.get("TreatMissingData", "missing"))
    return str(name)


def _apply_table_encryption(table_name: str, key_id: str) -> None:
    """moto's CloudFormation keeps the CloudFormation spelling (SSEEnabled) where its DynamoDB reads the API
    spelling (Enabled), and its UpdateTable ignores SSESpecification: set the API form on the table."""
    from moto.dynamodb.models import dynamodb_backends

    table = dynamodb_backends[ACCOUNT][REGION].get_table(table_name)
    table.sse_specification = {"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_id}


def _register_executable_state_machine(arn: str) -> None:
    """moto's CloudFormation creates state machines in its non-executing backend; with execution on, the
    API serves another one. Create the same machine (same name, so the same ARN) where it executes."""
    from moto.stepfunctions.models import stepfunctions_backends

    created = stepfunctions_backends[ACCOUNT][REGION].describe_state_machine(arn)
    definition = created.definition.replace(CONTEXT_MARKER, "$$")
    client("stepfunctions").create_state_machine(name=created.name, definition=definition,
                                                 roleArn=created.roleArn, type="STANDARD")


def with_defaults(template: dict[str, Any], parameters: dict[str, str]) -> dict[str, str]:
    """The stack's parameter values: those given, else the template's defaults."""
    defaults = {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
    return {**defaults, **parameters}
