"""Status lifecycles as one explicit transition table each (state, event) -> next state.

A pair not in the table is refused with a stable code; tests walk every (state, event) pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from hpf.common.errors import BusinessRuleViolation

S = TypeVar("S", bound=Enum)
E = TypeVar("E", bound=Enum)


@dataclass(frozen=True)
class Lifecycle(Generic[S, E]):
    name: str  # used in the error code, e.g. UNIT_STATUS
    label_zh: str  # e.g. 单位账户
    transitions: dict[tuple[S, E], S]

    def next(self, state: S, event: E) -> S:
        try:
            return self.transitions[(state, event)]
        except KeyError:
            raise BusinessRuleViolation(
                f"{self.label_zh}当前状态为“{_label(state)}”，不能办理“{_label(event)}”",
                code=f"{self.name}_TRANSITION_NOT_ALLOWED",
            ) from None

    def allows(self, state: S, event: E) -> bool:
        return (state, event) in self.transitions


def _label(member: Enum) -> str:
    return getattr(member, "label", None) or str(member.value)
