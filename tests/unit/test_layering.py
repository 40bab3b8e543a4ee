"""The function apps are entrypoints: they reach the platform through the composition root and the
entrypoints package, never an adapter, a sandbox or the local platform (the package's own layering is checked by
import-linter's contracts in pyproject.toml, run by scripts/test)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = sorted((ROOT / "functions").glob("*/app.py"))
FORBIDDEN = ("hpf.adapters", "hpf.sandbox", "hpf.local", "hpf.cli", "boto3", "botocore")


def imported_modules(source: str) -> set[str]:
    """Every module an app imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def forbidden_in(source: str) -> list[str]:
    return sorted(m for m in imported_modules(source) if m.startswith(FORBIDDEN))


def test_there_is_an_app_per_area():
    assert {p.parent.name for p in APPS} >= {"ledger", "lending", "settlement", "seal", "archive", "platform"}


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.parent.name)
def test_a_function_app_imports_no_adapter_or_sandbox(app):
    assert forbidden_in(app.read_text(encoding="utf-8")) == []


def test_the_check_sees_an_import_inside_a_handler():
    source = "def handler(event, context):\n    from hpf.adapters.aws.clients import client\n    import boto3\n"
    assert forbidden_in(source) == ["boto3", "hpf.adapters.aws.clients", "hpf.adapters.aws.clients.client"]


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.parent.name)
def test_lambda_glue_lives_in_the_entrypoints_package(app):
    """A non-HTTP handler registered in an app delegates to hpf.entrypoints.<area> (no glue grows in app.py)."""
    tree = ast.parse(app.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "lambda_function"
                for d in node.decorator_list):
            imports = [n for n in ast.walk(node) if isinstance(n, ast.ImportFrom)]
            assert [n.module for n in imports] == ["hpf.entrypoints"], node.name
            assert len(node.body) <= 3, f"{node.name}: glue belongs in hpf.entrypoints"


def test_the_composition_root_hands_out_typed_ports():
    """Each factory of hpf.bootstrap names what it returns (a port or a service), never Any: the type checker then
    holds the entrypoints to the port, and a factory that returned an adapter of the wrong shape fails mypy."""
    import inspect

    from hpf import bootstrap

    factories = {name: getattr(f, "__wrapped__", f) for name, f in vars(bootstrap).items()
                 if inspect.isfunction(getattr(f, "__wrapped__", f)) and getattr(f, "__module__", "") == bootstrap.__name__
                 and name != "reset"}
    assert len(factories) > 30
    untyped = sorted(name for name, f in factories.items()
                     if inspect.get_annotations(f).get("return") in (None, "Any"))
    assert untyped == []
