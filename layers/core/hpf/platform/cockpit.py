"""领导驾驶舱 (S.9.5): the cockpit's figures from the latest complete ledger snapshot (``hpf.analytics.cockpit``).

The snapshot is written at 02:00 each night; its manifest is written last and names each table's SHA-256, so a
snapshot is used only once its manifest is there and every table matches it (a night's run that died half-way,
or a file changed afterwards, is passed over for the one before). Figures are kept per snapshot and window in
the warm function: they change once a day, while a leader's page asks on every visit.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
import threading
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from hpf.analytics.cockpit import CockpitFigures, cockpit_figures
from hpf.common.errors import BusinessRuleViolation
from hpf.platform.ports import AnalyticsFiles

TABLES = ("units", "accounts", "entries", "withdrawals", "journal")


class CockpitService:
    def __init__(self, files: AnalyticsFiles, reason_names: Mapping[str, str], office_names: Mapping[str, str]):
        self._files = files
        self.reason_names = reason_names
        self.office_names = office_names
        self._figures: dict[tuple[date, int], CockpitFigures] = {}
        self._lock = threading.Lock()

    def figures(self, months: int) -> CockpitFigures:
        for day in reversed(self._files.snapshot_days()):
            cached = self._figures.get((day, months))
            if cached is not None:
                return cached
            tables = self._complete(day)
            if tables is None:
                continue
            with tempfile.TemporaryDirectory() as scratch:
                for table, body in tables.items():
                    Path(scratch, f"{table}.parquet").write_bytes(body)
                found = cockpit_figures(Path(scratch), day, months)
            with self._lock:
                self._figures[(day, months)] = found
            return found
        raise BusinessRuleViolation("尚无完整的账务快照：每日02:00生成，生成后即可查看驾驶舱", code="NO_SNAPSHOT")

    def _complete(self, day: date) -> dict[str, bytes] | None:
        prefix = f"snapshots/date={day.isoformat()}"
        try:
            manifest = json.loads(self._files.get(f"{prefix}/_manifest.json"))
            tables = {table: self._files.get(f"{prefix}/{table}.parquet") for table in TABLES}
        except KeyError:
            return None  # still being written, or written before the table existed
        digests = {table: facts.get("sha256") for table, facts in manifest.get("tables", {}).items()}
        changed = [t for t, body in tables.items() if hashlib.sha256(body).hexdigest() != digests.get(t)]
        if changed:
            logging.getLogger(__name__).warning("snapshot passed over: tables differ from its manifest",
                                                extra={"business_date": day.isoformat(), "tables": changed})
            return None
        return tables
