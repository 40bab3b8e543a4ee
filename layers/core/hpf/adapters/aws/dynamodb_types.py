"""DynamoDB's attribute-value format, both ways, without importing boto3 (see clients.py for why).

Numbers are Decimal in and out, so money stays exact; floats are refused like boto3 refuses them.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from decimal import Decimal
from typing import Any


def serialize(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, Decimal)):
        return {"N": str(value)}
    if isinstance(value, float):
        raise TypeError("floats are not stored; use Decimal")
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (bytes, bytearray)):
        return {"B": bytes(value)}
    if isinstance(value, Mapping):
        return {"M": {str(k): serialize(v) for k, v in value.items()}}
    if isinstance(value, Set):
        items = list(value)
        if items and all(isinstance(i, str) for i in items):
            return {"SS": items}
        if items and all(isinstance(i, (int, Decimal)) and not isinstance(i, bool) for i in items):
            return {"NS": [str(i) for i in items]}
        raise TypeError("sets must be non-empty and all strings or all numbers")
    if isinstance(value, (list, tuple)):
        return {"L": [serialize(v) for v in value]}
    raise TypeError(f"cannot store {type(value).__name__}")


def deserialize(attribute: dict[str, Any]) -> Any:
    (kind, value), = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return Decimal(value)
    if kind == "BOOL":
        return value
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: deserialize(v) for k, v in value.items()}
    if kind == "L":
        return [deserialize(v) for v in value]
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {Decimal(v) for v in value}
    if kind == "B":
        return value
    if kind == "BS":
        return set(value)
    raise TypeError(f"unknown DynamoDB type {kind}")
