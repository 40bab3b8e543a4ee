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
