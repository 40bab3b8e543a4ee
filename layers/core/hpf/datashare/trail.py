"""The query trail made tamper-evident (留痕固化): every trail record appended, oldest first, to the archive's
solidification log — the Merkle log whose signed tree heads an auditor checks (hpf.archive.treehead). One writer
(a schedule each minute) appends, so queries never wait on the log's single head; until then a record sits in the
append-only trail table, which no role may change but this step (it sets the log index once)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hpf.archive.service import canonical
from hpf.datashare.model import TrailRecord
from hpf.datashare.ports import SolidificationLog, TrailStore

BATCH = 500


def solidify(trail: TrailStore, log: SolidificationLog, batch: int = BATCH) -> int:
    """Append the pending records to the log (idempotent by query id: a rerun after a crash finds its entries)."""
    done = 0
    for record in trail.unsolidified(batch):
        entry = log.append(log_key(record.query_id), canonical(record.leaf()), record.at)
        trail.solidified(record.query_id, record.at, entry.index)
        done += 1
    return done


def log_key(query_id: str) -> str:
    return f"DSQ#{query_id}"


@dataclass
class SourceFigures:
    source: str
    queries: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    cached: int = 0

    @property
    def hit_rate(self) -> float:
        asked = self.outcomes["answered"] + self.outcomes["absent"]
        return self.cached / asked if asked else 0.0


def figures(records: list[TrailRecord]) -> dict[str, Any]:
    """统计分析 / 实时统计: per source, the queries and their outcomes, the cache's share; per caller office."""
    by_source: dict[str, SourceFigures] = {}
    offices: Counter[str] = Counter()
    scenarios: Counter[str] = Counter()
    for r in records:
        f = by_source.setdefault(r.source, SourceFigures(r.source))
        f.queries += 1
        f.outcomes[r.outcome] += 1
        f.cached += r.cached
        offices[r.caller.org or "—"] += 1
        scenarios[r.scenario] += 1
    return {"sources": sorted(by_source.values(), key=lambda f: f.source), "offices": dict(offices),
            "scenarios": dict(scenarios), "total": len(records)}
