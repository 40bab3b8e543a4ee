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
