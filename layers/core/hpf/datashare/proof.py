"""A material spared by shared data (免交材料), proven by the query that spared it. A business that takes a
material as "the source says so" names the query (its trail id, ``DSQ-…``) as the material's reference; this says
whether that query proves it: a query about this very person, answered with records, from the source the scenario
counts for that material, and recent. Anything else is not proof, and the material must be brought on paper."""

from __future__ import annotations

from datetime import datetime, timedelta

from hpf.datashare.model import subject_digest
from hpf.datashare.ports import TrailStore
from hpf.datashare.scenarios import scenarios

PREFIX = "DSQ-"
VALID_FOR = timedelta(days=30)  # a check is for the business at hand, not a standing certificate


class TrailProof:
    def __init__(self, trail: TrailStore):
        self._trail = trail

    def unproven(self, materials: list[tuple[str, str]], id_number: str, now: datetime) -> list[str]:
        """The codes among (code, reference) pairs whose reference does not prove them for this person."""
        subject = subject_digest("person", id_number)
        refused = []
        for code, reference in materials:
            record = self._trail.get(reference) if reference.startswith(PREFIX) else None
            spared_by = scenarios()[record.scenario].materials.get(code) if record and \
                record.scenario in scenarios() else None
            if not (record and record.subject == subject and record.outcome == "answered"
                    and spared_by == record.source and now - record.at <= VALID_FOR):
                refused.append(code)
        return refused
