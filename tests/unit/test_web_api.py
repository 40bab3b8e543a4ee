"""Access is denied unless a route grants it, and path parameters cannot go unvalidated."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from hpf.identity.roles import Role
from hpf.web.api import Api


class UnitPath(BaseModel):
    unit_account: str


def test_a_route_without_roles_cannot_be_declared():
    api = Api("probe", "probe")
    with pytest.raises(ValueError, match="names no roles"):
        api.route("/things", roles=set(), summary="x")


def test_a_route_with_path_parameters_needs_a_matching_path_model():
    api = Api("probe2", "probe")
    with pytest.raises(ValueError, match="path_model"):
        api.route("/units/{unit_account}", roles={Role.AUDITOR}, summary="x")
    with pytest.raises(ValueError, match="path_model"):
        api.route("/units/{unit_account}/{other}", roles={Role.AUDITOR}, summary="x", path_model=UnitPath)
    api.route("/units/{unit_account}", roles={Role.AUDITOR}, summary="x", path_model=UnitPath)(lambda ctx, **_: {})
    assert [r.path for r in api.routes] == ["/openapi.json", "/units/{unit_account}"]


def test_every_route_s_path_model_names_exactly_its_path_parameters():
    """Routes may name their models lazily ("module:Class"), which the declaration cannot check: this does."""
    import re
    from pathlib import Path

    from hpf.local.dispatch import load_app_module

    root = Path(__file__).resolve().parents[2] / "functions"
    for app in sorted(root.glob("*/app.py")):
        for spec in load_app_module(app.parent).api.routes:
            names = set(re.findall(r"{(\w+)}", spec.path))
            model = spec.path_model
            assert (set(model.model_fields) if model else set()) == names, (app.parent.name, spec.path)
            for ref in (spec.body, spec.query, spec.response):  # every lazy reference resolves
                assert ref is None or hasattr(ref, "model_fields")


# -- unexpected errors: logged once with their traceback and correlation id, counted for the alarm ----------------
class _Unserialisable:
    pass


def _probe_app(monkeypatch, name: str):
    from hpf.identity.principal import Principal
    from hpf.identity.roles import Channel

    api = Api(name, "probe")  # a fresh name: its logger writes to this test's captured stdout
    clerk = Principal("clerk01", "staff", frozenset({Role.COUNTER_CLERK}), "王敏", org="360600",
                      channel=Channel.COUNTER)
    monkeypatch.setattr(api, "_authenticate", lambda headers: clerk)

    @api.route("/broken", roles={Role.COUNTER_CLERK}, summary="x")
    def broken(ctx):
        return {"ratio": 1 / 0}

    @api.route("/unserialisable", roles={Role.COUNTER_CLERK}, summary="x")
    def unserialisable(ctx):
        return {"value": _Unserialisable()}  # json.dumps(default=str) copes; an error body must too

    @api.route("/bad-details", roles={Role.COUNTER_CLERK}, summary="x")
    def bad_details(ctx):
        from decimal import Decimal

        from hpf.common.errors import BusinessRuleViolation

        raise BusinessRuleViolation("超出限额", code="OVER_LIMIT", details={"limit": Decimal("10.00")})

    return api


@pytest.mark.parametrize("path, status", [("/broken", 500), ("/unserialisable", 200), ("/bad-details", 422)])
def test_an_unexpected_error_is_a_500_logged_once_with_its_trace_and_counted(monkeypatch, capsys, path, status):
    import json

    from chalice.test import Client

    monkeypatch.delenv("HPF_LOG_FILE", raising=False)
    api = _probe_app(monkeypatch, f"probe-{path.strip('/')}-{status}")
    with Client(api.app) as client:
        response = client.http.get(path, headers={"X-Correlation-Id": "corr-500-probe"})
    assert response.status_code == status
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    errors = [line for line in lines if line.get("level") == "ERROR"]
    if status != 500:
        assert errors == []
        return
    assert json.loads(response.body)["code"] == "INTERNAL_ERROR" and "1 / 0" not in response.body.decode()
    assert len(errors) == 1 and errors[0]["correlation_id"] == "corr-500-probe"
    assert "ZeroDivisionError" in errors[0]["exception"] and "Traceback" in errors[0]["exception"]
    metrics = [line for line in lines if "_aws" in line]
    assert [m["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"] for m in metrics] == ["UnhandledErrors"]
