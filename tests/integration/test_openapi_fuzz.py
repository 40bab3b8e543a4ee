"""An OpenAPI fuzz of every area (schemathesis) against the running platform: for every operation of every served
document, requests generated from its schema — valid ones and invalid ones — with a token of a role the route
admits. None may answer 5xx, and every answer must match what the document says of it (status code, content type,
schema). FUZZ_EXAMPLES requests an operation and mode (6 by default: ~1,000 requests, about a minute); at 20
(~3,400 requests, under three minutes) it found the last defect it knows of — a path parameter holding %3F cut
the path in the local gateway — and passes now.

Marked ``fuzz``: it runs after every other test of the session (tests/integration/conftest.py), since what it
creates — units, accounts, requests with random values — must not disturb their expectations.
"""

from __future__ import annotations

import os
import time

import pytest
from hypothesis import HealthCheck, given, settings

from hpf.identity.roles import Role
from hpf.sandbox.identity import SandboxUser
from tests.integration.test_http_edge import AREAS

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
# A user of each role: the demo staff, and a depositor and a unit agent made here
USERS = {Role.COUNTER_CLERK: "clerk01", Role.APPROVER: "approver01", Role.FINANCE: "finance01",
         Role.AUDITOR: "auditor01", Role.LEADER: "leader01", Role.OPERATOR: "operator01", Role.TERMINAL: "terminal01",
         Role.DEVELOPER: "developer01", Role.DEPOSITOR: "fuzz-depositor", Role.UNIT_AGENT: "fuzz-agent",
         Role.REGULATOR: "regulator01", Role.ARCHIVIST: "archivist01", Role.DATA_ADMIN: "dataadmin01"}


def _operations(http, auth):
    """Every operation of every area's served document, once valid and once invalid data."""
    import schemathesis
    from schemathesis import GenerationMode

    for area in AREAS:
        document = http.get(f"/{area}/openapi.json", headers=auth("clerk01")).json()
        schema = schemathesis.openapi.from_dict(document)
        for result in schema.get_all_operations():
            operation = result.ok()
            roles = [r for r in operation.definition.raw.get("x-roles", []) if r != "public"]
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                yield area, operation, roles, mode


@pytest.mark.fuzz
def test_no_operation_answers_5xx_or_breaks_its_schema(platform, http, auth, add_user):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    add_user(SandboxUser("fuzz-depositor", "pw", "depositor", ["depositor"], "测试", id_number="360602199001011237"))
    add_user(SandboxUser("fuzz-agent", "pw", "unit_agent", ["unit_agent"], "测试", unit_account="360600999999"))
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    failures: list[str] = []
    requests = 0
    started = time.monotonic()
    for area, operation, roles, mode in _operations(http, auth):
        headers = auth(USERS[Role(roles[0])]) if roles else {}  # the public QR check takes none
        base_url = f"{http.base_url}".rstrip("/") + f"/{area}"

        # Failures are collected, not raised: hypothesis would shrink each (many more requests), and one report of
        # every failing operation is what whoever fixes them needs.
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def one(case) -> None:
            nonlocal requests
            requests += 1
            response = case.call(base_url=base_url, headers=headers, timeout=30)  # noqa: B023 (called within the iteration)
            try:
                case.validate_response(response, checks=checks)
            except (Exception, BaseExceptionGroup) as failure:
                failures.append(f"{mode.value} {case.method} /{area}{case.formatted_path} → "  # noqa: B023 (called within the iteration)
                                f"{response.status_code}: {str(failure)[:400]}")

        one()
    print(f"OpenAPI fuzz: {requests} requests in {time.monotonic() - started:.0f} s, {len(failures)} failures")
    assert requests > 0 and failures == [], "\n".join(failures[:60])
