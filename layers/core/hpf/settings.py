"""Settings from the environment (resource names injected by the templates) and the parameter store.

Nothing secret is in the repository: the identity system's public keys come from the parameter store (or, for
tests, HPF_IDENTITY_JWKS); resource names come from the function's environment set by infra/template.yaml.
"""

from __future__ import annotations

import os
from functools import lru_cache


class SettingMissing(RuntimeError):
    pass


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SettingMissing(f"environment variable {name} is not set (see infra/template.yaml)")
    return value


def stage() -> str:
    return os.environ.get("HPF_STAGE", "local")


def event_routes() -> dict[str, str]:
    """Area → queue URL for the outbox relay, from HPF_ROUTE_<AREA> variables."""
    prefix = "HPF_ROUTE_"
    return {k[len(prefix):].lower(): v for k, v in os.environ.items() if k.startswith(prefix) and v}


@lru_cache(maxsize=1)
def identity_jwks() -> str:
    inline = os.environ.get("HPF_IDENTITY_JWKS")
    if inline:
        return inline
    from aws_lambda_powertools.utilities import parameters

    return parameters.get_parameter(env("HPF_IDENTITY_JWKS_PARAMETER"), max_age=300)
