"""Every route of every app: 401 without a valid token, 403 with a role it does not admit, 400 with a Chinese
message for a malformed or invalid body — and each app's OpenAPI document is valid OpenAPI 3."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from hpf.identity.roles import ALL_ROLES, Role
from hpf.local.dispatch import load_app_module
from hpf.local.template import ROOT
from hpf.sandbox.identity import SandboxUser

AREAS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
ALL_ROUTES = [(area, spec) for area in AREAS for spec in load_app_module(ROOT / "functions" / area).api.routes]
ROUTES = [(area, spec) for area, spec in ALL_ROUTES if not spec.public]  # every route but the explicit public ones
USERS = {
    Role.COUNTER_CLERK: "clerk01", Role.APPROVER: "approver01", Role.FINANCE: "finance01",
    Role.AUDITOR: "auditor01", Role.LEADER: "leader01", Role.OPERATOR: "operator01", Role.TERMINAL: "terminal01",
    Role.DEVELOPER: "developer01", Role.DEPOSITOR: "edge-depositor", Role.UNIT_AGENT: "edge-agent",
    Role.REGULATOR: "regulator01", Role.ARCHIVIST: "archivist01", Role.DATA_ADMIN: "dataadmin01",
}


@pytest.fixture(scope="module", autouse=True)
def other_users(add_user):
    add_user(SandboxUser("edge-depositor", "pw", "depositor", ["depositor"], "测试", id_number="360602199001011237"))
    add_user(SandboxUser("edge-agent", "pw", "unit_agent", ["unit_agent"], "测试", unit_account="360600999999"))


SAMPLE_PATH_VALUES = {"unit_account": "360600999999", "account_no": "360600999999999",
                      "entry_id": "RMT-360600999999-202601",
                      "remittance_id": "RMT-360600999999-202601",
                      "withdrawal_id": "WDR-360600999999999-REQ-0001", "instruction_id": "WDR-360600999999999-REQ-0001",
                      "voucher_no": "HJHD-RMT-360600999999-202601", "document_key": "HJHD-RMT-360600999999-202601",
                      "borrowing_id": "BRW-AUD-20260101-0001", "loan_no": "DKJK2026999999",
                      "batch_id": "BAT-360600-20260101", "machine": "settlement", "name": "settle-WDR-0001",
                      "queue": "ledger-events-dlq", "org": "360600",
                      "authorization_id": "DSA-0123456789abcdef01234567", "credit_code": "91360600MA35KF008A",
                      "key_id": "ccb.sm4.20260101000000.abcdef", "record_id": "BAD-0123456789ABCDEF"}


def url(area: str, path: str, values: dict[str, str] = SAMPLE_PATH_VALUES) -> str:
    return f"/{area}" + re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)


def test_there_are_routes_in_every_app():
    assert AREAS == ["archive", "datashare", "ledger", "lending", "platform", "seal", "settlement"]
    assert {area for area, _ in ROUTES} == set(AREAS)


def test_the_only_route_without_a_token_is_the_voucher_qr_check():
    """Public by declaration (Api.public_route), never by omission: the QR check a landlord or a court scans."""
    assert [(area, spec.method, spec.path) for area, spec in ALL_ROUTES if spec.public] == \
        [("seal", "GET", "/public/vouchers/{voucher_no}")]


@pytest.mark.parametrize("area, spec", ROUTES, ids=lambda v: getattr(v, "path", v))
def test_no_token_is_401(http, area, spec):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        response = http.request(spec.method, url(area, spec.path), headers=headers, json={})
        assert response.status_code == 401, response.text
        assert response.json()["code"] in {"TOKEN_MISSING", "TOKEN_INVALID"}
        assert "登录" in response.json()["message"]


@pytest.mark.parametrize("area, spec", ROUTES, ids=lambda v: getattr(v, "path", v))
def test_a_role_not_admitted_is_403(http, auth, area, spec):
    outsiders = sorted(ALL_ROLES - spec.roles)
    if not outsiders:
        pytest.skip("admits every authenticated role (documented: docs/roles.md)")
    for role in outsiders:
        response = http.request(spec.method, url(area, spec.path), headers=auth(USERS[role]), json={})
        assert response.status_code == 403, (role, response.text)
        assert response.json()["code"] == "FORBIDDEN_ROLE"


@pytest.mark.parametrize("area, spec", [r for r in ROUTES if r[1].body], ids=lambda v: getattr(v, "path", v))
def test_malformed_and_invalid_bodies_are_400(http, auth, area, spec):
    role = sorted(spec.roles)[0]
    headers = {**auth(USERS[role]), "Content-Type": "application/json"}
    malformed = http.request(spec.method, url(area, spec.path), headers=headers, content=b"{not json")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "MALFORMED_JSON")
    empty = http.request(spec.method, url(area, spec.path), headers=headers, content=b"")
    assert (empty.status_code, empty.json()["code"]) == (400, "BODY_REQUIRED")
    invalid = http.request(spec.method, url(area, spec.path), headers=headers, json={"unexpected": 1})
    assert (invalid.status_code, invalid.json()["code"]) == (400, "VALIDATION_FAILED")
    assert invalid.json()["message"] == "请求参数校验未通过" and invalid.json()["details"]


@pytest.mark.parametrize("area, spec", [r for r in ROUTES if r[1].path_model], ids=lambda v: getattr(v, "path", v))
def test_malformed_path_parameters_are_400(http, auth, area, spec):
    role = sorted(spec.roles)[0]
    garbage = {name: "12;DROP" for name in SAMPLE_PATH_VALUES}
    response = http.request(spec.method, url(area, spec.path, garbage), headers=auth(USERS[role]), json={})
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_PATH")
    assert response.json()["message"] == "路径参数格式不正确"


@pytest.mark.parametrize("area, spec", [r for r in ROUTES if r[1].query], ids=lambda v: getattr(v, "path", v))
def test_invalid_queries_are_400(http, auth, area, spec):
    role = sorted(spec.roles)[0]
    response = http.request(spec.method, url(area, spec.path), headers=auth(USERS[role]),
                            params={"page_size": "0", "day": "not-a-date", "start": "x"})
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_QUERY")


@pytest.mark.parametrize("area", AREAS)
def test_openapi_documents_are_valid_and_carry_schemas(http, auth, area):
    document = http.get(f"/{area}/openapi.json", headers=auth("clerk01")).json()
    validate(document)
    app_routes = {(spec.path, spec.method.lower()) for a, spec in ALL_ROUTES if a == area}
    public = {spec.path for a, spec in ALL_ROUTES if a == area and spec.public}
    assert {(path, method) for path, ops in document["paths"].items() for method in ops} == app_routes
    for path, operations in document["paths"].items():
        for operation in operations.values():
            expected = [] if path in public else [{"bearer": []}]
            assert operation["x-roles"] and operation["security"] == expected
    if area == "ledger":
        body = document["paths"]["/units"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        name = body["$ref"].rsplit("/", 1)[1]
        assert "credit_code" in document["components"]["schemas"][name]["properties"]


def test_unknown_routes_are_404_with_a_code(http, auth):
    for path in ("/nowhere/x", "/ledger/nowhere"):
        response = http.get(path, headers=auth("clerk01"))
        assert (response.status_code, response.json()["code"]) == (404, "ROUTE_NOT_FOUND")


def test_a_key_rotated_in_the_parameter_store_is_accepted_without_redeploying(platform, http):
    """Operators rotate the identity system's keys in the parameter store; functions pick them up."""
    import json

    from aws_lambda_powertools.utilities import parameters

    from hpf import bootstrap
    from hpf.adapters.aws.clients import client
    from hpf.sandbox.identity import IdentitySandbox, TokenIssuer

    rotated = IdentitySandbox(TokenIssuer(issuer=platform.identity.issuer.issuer))
    rotated.add_user(SandboxUser("rotated-clerk", "pw", "staff", ["counter_clerk"], "新密钥柜员", org="360600"))
    token = {"Authorization": f"Bearer {rotated.token_for('rotated-clerk')}"}
    both = {"keys": platform.identity.issuer.jwks()["keys"] + rotated.issuer.jwks()["keys"]}
    client("ssm").put_parameter(Name=platform.physical["IdentityJwksParameter"], Value=json.dumps(both),
                                Type="String", Overwrite=True)
    parameters.clear_caches()
    bootstrap.token_verifier.cache_clear()
    response = http.get("/ledger/units/360600999999", headers=token)
    assert (response.status_code, response.json()["code"]) == (404, "UNIT_NOT_FOUND")  # authenticated


def test_the_cloud_entry_resolves_api_gateway_proxy_events(platform, auth, deposited_account):
    """Behind API Gateway each area's function gets /{proxy+} events (infra/areas/); its handler finds
    the route and answers as Chalice does locally — driven here with a real-shaped proxy event."""
    import copy
    import json

    from hpf.local.template import ROOT

    _, account = deposited_account()
    sample = json.loads((ROOT / "events" / "ledger" / "api.proxy.json").read_text(encoding="utf-8"))
    token = auth("clerk01")["Authorization"]

    def call(method: str, path: str, body: dict | None = None) -> dict:
        event = copy.deepcopy(sample)
        event.update({"httpMethod": method, "path": path, "pathParameters": {"proxy": path.lstrip("/")},
                      "body": json.dumps(body) if body is not None else None})
        event["requestContext"]["httpMethod"] = method
        event["headers"]["Authorization"] = event["multiValueHeaders"]["Authorization"][0] = token
        if body is not None:
            event["headers"]["Content-Type"] = "application/json"
        return platform.registry.invoke(platform.physical["LedgerApiFunction"], event)

    found = call("GET", f"/accounts/{account['account_no']}")
    assert found["statusCode"] == 200 and json.loads(found["body"])["balance"] == "1200.00"
    assert found["headers"]["X-Correlation-Id"] == sample["headers"]["X-Correlation-Id"]
    assert json.loads(call("GET", "/nowhere/at/all")["body"])["code"] == "ROUTE_NOT_FOUND"
    invalid = call("POST", "/units", {"name": "x"})
    assert invalid["statusCode"] == 400 and json.loads(invalid["body"])["code"] == "VALIDATION_FAILED"
    sample["headers"].pop("Authorization")
    anonymous = platform.registry.invoke(platform.physical["LedgerApiFunction"],
                                         {**sample, "pathParameters": {"proxy": "accounts/360600000000001"}})
    assert anonymous["statusCode"] == 401
