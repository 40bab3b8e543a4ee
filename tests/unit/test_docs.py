"""Documentation that must follow the code."""

from __future__ import annotations

from pathlib import Path

from hpf.identity.roles import ALL_ROLES
from hpf.local.dispatch import load_app_module

ROOT = Path(__file__).resolve().parents[2]


def test_every_route_is_in_the_roles_table():
    table = (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")
    for app in sorted((ROOT / "functions").glob("*/app.py")):
        area = app.parent.name
        for spec in load_app_module(app.parent).api.routes:
            roles = "public (no token)" if spec.public else \
                "any authenticated role" if spec.roles == ALL_ROLES else ", ".join(sorted(spec.roles))
            assert f"| `{spec.method} /{area}{spec.path}` | {spec.summary} | {roles} |" in table, spec


def test_every_error_code_is_documented():
    import re

    documented = set(re.findall(r"`([A-Z_]{4,})`", (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")))
    used = set()
    for source in (ROOT / "layers" / "core" / "hpf").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        used.update(re.findall(r'code(?:=| = )"([A-Z_]+)"', text))
        used.update(re.findall(r'_found\([^)]*"([A-Z_]+)"\)', text))
    assert used - documented == set()
