"""Shared fixtures. The marker ``feature(id)`` ties a test to a requirement item of features.yaml."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "feature(id): proves the requirement item <id>")
