"""An enum whose members carry a stable code (stored, sent on the wire) and a Chinese label (shown)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Self


class CodedEnum(str, Enum):
    label: str

    if TYPE_CHECKING:
        # Once the class is built, calling it looks a member up by its code (the wire's value): the signature the
        # type checker should see. The two-argument __new__ below only builds the members from (code, label).
        def __new__(cls, code: str) -> Self: ...
    else:
        def __new__(cls, code: str, label: str):
            member = str.__new__(cls, code)
            member._value_ = code
            member.label = label
            return member
