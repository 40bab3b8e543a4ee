"""An enum whose members carry a stable code (stored, sent on the wire) and a Chinese label (shown)."""

from __future__ import annotations

from enum import Enum


class CodedEnum(str, Enum):
    label: str

    def __new__(cls, code: str, label: str) -> "CodedEnum":
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member
