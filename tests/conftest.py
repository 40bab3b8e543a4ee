"""Shared pytest setup: the traceability plugin records which requirement items each test proves."""

pytest_plugins = ["tests.traceability_plugin"]
