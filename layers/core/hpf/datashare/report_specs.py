"""What the center reports and how the receiving platform names it (reports.yaml): read by the reporting client and
by the sandbox of the platform, so a platform that names or acknowledges differently is a change there."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True)
class ReportSpec:
    code: str
    name: str
    agency: str
    gateway: str
    interface: str
    items: str  # the body's list of items
    id_field: str
    action_field: str
    actions: dict[str, str]  # publish | remove → the platform's code
    fields: dict[str, str]  # our name → theirs
    required: tuple[str, ...]  # their names
    receipts: dict[str, Any]  # items, id, number, status, accepted, message

    def theirs(self, item_id: str, action: str, ours: dict[str, Any]) -> dict[str, Any]:
        return {self.id_field: item_id, self.action_field: self.actions[action],
                **{self.fields[k]: v for k, v in ours.items() if k in self.fields}}


@lru_cache(maxsize=1)
def report_specs() -> dict[str, ReportSpec]:
    raw = yaml.safe_load(resources.files("hpf.datashare").joinpath("reports.yaml").read_text(encoding="utf-8"))
    return {code: ReportSpec(code, r["name"], r["agency"], r["gateway"], r["interface"], r["items"], r["id_field"],
                             r["action_field"], dict(r["actions"]), dict(r["fields"]), tuple(r["required"]),
                             dict(r["receipts"])) for code, r in raw["reports"].items()}
