"""Starting Step Functions executions, named by the business id so a second start cannot run twice; reading them
for the operations console."""

from __future__ import annotations

import json
import re
from typing import Any

from hpf import settings
from hpf.adapters.aws.clients import client
from hpf.common.errors import NotFound
from hpf.common.paging import Page, PageRequest, encode_token
from hpf.platform.ports import Execution, ExecutionStep

_NAME = re.compile(r"[^0-9A-Za-z_-]")


class StepFunctionsWorkflows:
    def start(self, machine_setting: str, business_id: str, payload: dict[str, Any]) -> str:
        """Start the machine named by the environment setting; returns the execution ARN.

        Standard workflows refuse a second execution with the same name (ExecutionAlreadyExists) for 90 days:
        that is the idempotency of the start, so a redelivered event finds the existing execution.
        """
        arn = settings.env(machine_setting)
        name = _NAME.sub("_", business_id)[:80]
        sfn = client("stepfunctions")
        try:
            return sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload))["executionArn"]
        except sfn.exceptions.ExecutionAlreadyExists:
            return arn.replace(":stateMachine:", ":execution:") + ":" + name

    def succeed_task(self, task_token: str, output: dict[str, Any]) -> None:
        """Resume a workflow waiting on a task token (a person's decision) with ``output`` as the task's result."""
        client("stepfunctions").send_task_success(taskToken=task_token, output=json.dumps(output))


class StepFunctionsMonitor:
    """The stage's state machines are those named ``hpf-<stage>-<short name>`` (infra/areas/*.yaml)."""

    def __init__(self, stage: str):
        self._prefix = f"hpf-{stage}-"

    def machines(self) -> list[str]:
        return sorted(self._arns())

    def executions(self, machine: str, status: str | None, page: PageRequest) -> Page[Execution]:
        arn = self._arn(machine)
        asked: dict[str, Any] = {"stateMachineArn": arn, "maxResults": page.size}
        if status:
            asked["statusFilter"] = status
        if page.cursor:
            asked["nextToken"] = page.cursor["next"]
        answer = client("stepfunctions").list_executions(**asked)
        items = [Execution(machine, e["name"], e["status"], e["startDate"], e.get("stopDate"))
                 for e in answer["executions"]]
        return Page(items, encode_token({"next": answer["nextToken"]}) if answer.get("nextToken") else None)

    def execution_id(self, machine: str, name: str) -> str:
        return self._arn(machine).replace(":stateMachine:", ":execution:") + ":" + name

    def history(self, machine: str, name: str) -> list[ExecutionStep]:
        execution = self.execution_id(machine, name)
        sfn = client("stepfunctions")
        steps: list[ExecutionStep] = []
        asked: dict[str, Any] = {"executionArn": execution, "maxResults": 1000}
        try:
            while True:
                answer = sfn.get_execution_history(**asked)
                steps += [_step(event) for event in answer["events"]]
                if not answer.get("nextToken"):
                    return steps
                asked["nextToken"] = answer["nextToken"]
        except sfn.exceptions.ExecutionDoesNotExist:
            raise NotFound("没有这次执行", code="EXECUTION_NOT_FOUND") from None

    def _arns(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for page in client("stepfunctions").get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                if machine["name"].startswith(self._prefix):
                    found[machine["name"][len(self._prefix):]] = machine["stateMachineArn"]
        return found

    def _arn(self, machine: str) -> str:
        arn = self._arns().get(machine)
        if arn is None:
            raise NotFound("没有这个状态机", code="STATE_MACHINE_NOT_FOUND")
        return arn


def _step(event: dict[str, Any]) -> ExecutionStep:
    details = next((v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)), {})
    error = " — ".join(str(details[k]) for k in ("error", "cause") if details.get(k)) or None
    return ExecutionStep(event["id"], event["type"], event["timestamp"], details.get("name"), error)
