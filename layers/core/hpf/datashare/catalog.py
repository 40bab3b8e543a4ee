"""The sources the center may query (sources.yaml): what each is, what identifies its subject, what it answers and
how long an answer stays fresh. Read once; the client, the sandbox and the service all use the same catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from hpf.common.errors import NotFound

SUBJECT_KINDS = ("person", "unit", "property", "project")
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


@dataclass(frozen=True)
class Source:
    code: str
    feature: str  # the requirement item (features.yaml)
    name: str
    agency: str
    interface: str  # the gateway's interface id
    subject: str  # person | unit | property | project
    keys: tuple[str, ...]  # the source's own names of the fields that identify the subject
    fields: dict[str, str]  # the source's field name → ours
    freshness: timedelta  # zero: never served from the cache
    gateway: str  # the dialect it is reached through (dialects.yaml)

    def ours(self, record: dict[str, Any]) -> dict[str, Any]:
        """A record in our names; fields the source adds beyond the catalogue are kept under their own names."""
        return {self.fields.get(name, name): value for name, value in record.items()}

    @property
    def key_field(self) -> str:
        """Our name of the first key: what a query's subject is matched against."""
        return self.fields.get(self.keys[0], self.keys[0])


def duration(text: str) -> timedelta:
    found = _DURATION.match(text)
    if not found or text in ("P", "PT"):
        raise ValueError(f"not an ISO 8601 duration of days, hours, minutes, seconds: {text!r}")
    days, hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


@lru_cache(maxsize=1)
def catalog() -> dict[str, Source]:
    raw = yaml.safe_load(resources.files("hpf.datashare").joinpath("sources.yaml").read_text(encoding="utf-8"))
    found: dict[str, Source] = {}
    for s in raw["sources"]:
        if s["subject"] not in SUBJECT_KINDS:
            raise ValueError(f"{s['code']}: subject {s['subject']!r}")
        found[s["code"]] = Source(s["code"], str(s["feature"]), s["name"], s["agency"], s["interface"], s["subject"],
                                  tuple(s["keys"]), dict(s["fields"]), duration(s["freshness"]),
                                  s.get("gateway", raw["gateway"]))
    return found


def source(code: str) -> Source:
    found = catalog().get(code)
    if found is None:
        raise NotFound(f"没有名为 {code} 的共享数据源", code="SOURCE_UNKNOWN")
    return found
