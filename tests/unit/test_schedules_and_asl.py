"""Schedule expressions, and the graph check of every state machine definition."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hpf.local.schedules import UnsupportedSchedule, next_fire

STATEMACHINES = sorted((Path(__file__).resolve().parents[2] / "statemachines").glob("*.asl.json"))
AT = datetime(2026, 11, 27, 17, 30, 20, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize("expression, expected", [
    ("rate(5 minutes)", datetime(2026, 11, 27, 17, 35, 20, tzinfo=UTC)),
    ("rate(1 hour)", datetime(2026, 11, 27, 18, 30, 20, tzinfo=UTC)),
    ("cron(0 18 * * ? *)", datetime(2026, 11, 27, 18, 0, tzinfo=UTC)),
    ("cron(0/15 * * * ? *)", datetime(2026, 11, 27, 17, 45, tzinfo=UTC)),
    ("cron(0 1 ? * MON-FRI *)", datetime(2026, 11, 30, 1, 0, tzinfo=UTC)),
    ("cron(0 16 30 6 ? *)", datetime(2027, 6, 30, 16, 0, tzinfo=UTC)),  # 30 June interest settlement
])
def test_next_fire(expression, expected):
    assert next_fire(expression, AT) == expected


@pytest.mark.parametrize("expression", ["cron(0 0 L * ? *)", "every day", "cron(0 0 * *)"])
def test_unsupported_schedules_say_so(expression):
    with pytest.raises(UnsupportedSchedule):
        next_fire(expression, AT)


def _targets(state: dict) -> list[str]:
    targets = [state[k] for k in ("Next", "Default") if k in state]
    targets += [c["Next"] for c in state.get("Choices", [])]
    targets += [c["Next"] for c in state.get("Catch", [])]
    return targets


def check_graph(definition: dict) -> list[str]:
    """Problems of an ASL graph: unknown start, unknown targets, unreachable states, dead ends."""
    states = definition["States"]
    problems = []
    if definition["StartAt"] not in states:
        problems.append(f"StartAt {definition['StartAt']} is not a state")
    for name, state in states.items():
        for target in _targets(state):
            if target not in states:
                problems.append(f"{name} → {target}: no such state")
        if state["Type"] in {"Task", "Pass", "Wait", "Parallel", "Map"} and not (state.get("End") or "Next" in state):
            problems.append(f"{name} neither ends nor goes on")
        for branch in state.get("Branches", []) + ([state["Iterator"]] if "Iterator" in state else []):
            problems += [f"{name}/{p}" for p in check_graph(branch)]
    reachable, frontier = set(), [definition["StartAt"]]
    while frontier:
        current = frontier.pop()
        if current in reachable or current not in states:
            continue
        reachable.add(current)
        frontier += _targets(states[current])
    problems += [f"{name} is unreachable" for name in states if name not in reachable]
    return problems


def test_there_are_state_machines():
    assert STATEMACHINES


def load_definition(path: Path) -> dict:
    """The definition as the template's substitutions leave it: a number where a bare ${Name} stands."""
    import re

    return json.loads(re.sub(r'(?<!")\$\{\w+\}(?!")', "1", path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", STATEMACHINES, ids=lambda p: p.name)
def test_state_machine_graph(path):
    assert check_graph(load_definition(path)) == []


def test_the_graph_check_finds_broken_graphs():
    broken = {"StartAt": "A", "States": {"A": {"Type": "Task", "Next": "Missing"}, "B": {"Type": "Succeed"},
                                         "C": {"Type": "Pass"}}}
    assert sorted(check_graph(broken)) == ["A → Missing: no such state", "B is unreachable",
                                           "C is unreachable", "C neither ends nor goes on"]
