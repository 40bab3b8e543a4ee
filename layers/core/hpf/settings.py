"""Settings from the environment (resource names injected by the templates) and the parameter store.

Nothing secret is in the repository. Resource names come from the function's environment, set by its
Environment in infra/areas/<area>.yaml. The identity system's public keys come with the deployment
(HPF_IDENTITY_JWKS, from the same template parameter that fills the parameter store) and are refreshed from the
parameter store through powertools parameters when a token names a key the function does not know yet (a
rotation).
"""

from __future__ import annotations

import json
import os


class SettingMissing(RuntimeError):
    pass


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SettingMissing(f"environment variable {name} is not set (see infra/areas/)")
    return value


def optional(name: str) -> str | None:
    return os.environ.get(name) or None


def settled_by_bank() -> bool:
    """Whether the bank links settle instructions (HPF_SETTLEMENT_MODE=bank): the composition root and the
    entrypoints tell the services; the services themselves never read the environment."""
    return os.environ.get("HPF_SETTLEMENT_MODE") == "bank"


def stage() -> str:
    return os.environ.get("HPF_STAGE", "local")


def event_routes() -> dict[str, str]:
    """Area → queue URL for the outbox relay, from HPF_ROUTE_<AREA> variables."""
    prefix = "HPF_ROUTE_"
    return {k[len(prefix):].lower(): v for k, v in os.environ.items() if k.startswith(prefix) and v}


def event_subscriptions() -> dict[str, list[str]]:
    """Event type → areas that also receive it, from HPF_SUBSCRIBE_<AREA> (comma-separated event types)."""
    prefix, found = "HPF_SUBSCRIBE_", dict[str, list[str]]()
    for name, value in os.environ.items():
        if name.startswith(prefix):
            for event_type in filter(None, (v.strip() for v in value.split(","))):
                found.setdefault(event_type, []).append(name[len(prefix):].lower())
    return found


def identity_jwks() -> dict:
    """The identity system's keys as deployed (HPF_IDENTITY_JWKS); may be empty if only the store has them."""
    return json.loads(os.environ.get("HPF_IDENTITY_JWKS") or '{"keys": []}')


def identity_jwks_from_store() -> dict:
    """The keys as they are now in the parameter store (operators rotate them there)."""
    from aws_lambda_powertools.utilities import parameters

    return json.loads(parameters.get_parameter(env("HPF_IDENTITY_JWKS_PARAMETER"), max_age=300))


def seal_trust_roots() -> list[bytes]:
    """The e-seal system's root certificates (DER) from HPF_SEAL_TRUST_ROOTS (PEM, one or more): the only roots a
    seal is trusted to chain to — never a root a document brings with it."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = os.environ.get("HPF_SEAL_TRUST_ROOTS", "").encode()
    return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(pem)] if pem.strip() else []


def voucher_code_key() -> bytes:
    """The key of the verification codes printed on vouchers (HPF_VOUCHER_CODE_KEY, hex; a deployment secret: the
    codes of every voucher ever issued depend on it, so it is kept, not rotated)."""
    return bytes.fromhex(env("HPF_VOUCHER_CODE_KEY"))
