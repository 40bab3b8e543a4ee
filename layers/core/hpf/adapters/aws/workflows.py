"""Starting Step Functions executions, named by the business id so a second start cannot run twice."""

from __future__ import annotations

import json
import re
from typing import Any

from hpf import settings
from hpf.adapters.aws.clients import client

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
