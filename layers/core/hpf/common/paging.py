"""Paging: an opaque continuation token over a store's own cursor, and a page size with a hard cap."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from hpf.common.errors import ValidationFailed

T = TypeVar("T")
MAX_PAGE_SIZE = 200


def encode_token(cursor: dict[str, Any] | None) -> str | None:
    if not cursor:
        return None
    raw = json.dumps(cursor, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        cursor = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, json.JSONDecodeError) as exc:
        raise ValidationFailed("分页标记无效", code="INVALID_PAGE_TOKEN") from exc
    if not isinstance(cursor, dict):
        raise ValidationFailed("分页标记无效", code="INVALID_PAGE_TOKEN")
    return cursor


@dataclass(frozen=True)
class PageRequest:
    size: int = 50
    token: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValidationFailed(f"每页条数应在1至{MAX_PAGE_SIZE}之间", code="INVALID_PAGE_SIZE")

    @property
    def cursor(self) -> dict[str, Any] | None:
        return decode_token(self.token)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None = None
