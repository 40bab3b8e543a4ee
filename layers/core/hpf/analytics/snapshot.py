"""The nightly ledger snapshot: units, accounts, statement entries, withdrawals and journal lines as Parquet, with a
manifest of row counts and SHA-256 digests, under ``snapshots/date=<business date>/`` in the analytics bucket.

Personal data stays out: no names, and the resident ID only as its SHA-256 (enough to count persons and join
across snapshots); a withdrawal without its payee or materials. Money is DECIMAL(18,2), never float.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hpf.common.clock import SHANGHAI

SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "units": [("unit_account", "VARCHAR"), ("org", "VARCHAR"), ("status", "VARCHAR"), ("opened_on", "DATE"),
              ("unit_ratio", "DECIMAL(6,4)"), ("personal_ratio", "DECIMAL(6,4)")],
    "accounts": [("account_no", "VARCHAR"), ("unit_account", "VARCHAR"), ("org", "VARCHAR"),
                 ("person", "VARCHAR"), ("status", "VARCHAR"), ("opened_on", "DATE"),
                 ("deposit_base", "DECIMAL(18,2)"), ("balance", "DECIMAL(18,2)"), ("current_year", "DECIMAL(18,2)")],
    "entries": [("account_no", "VARCHAR"), ("entry_id", "VARCHAR"), ("business_date", "DATE"), ("kind", "VARCHAR"),
                ("amount", "DECIMAL(18,2)"), ("balance_after", "DECIMAL(18,2)"), ("month", "VARCHAR"),
                ("reference", "VARCHAR")],
    "withdrawals": [("withdrawal_id", "VARCHAR"), ("account_no", "VARCHAR"), ("org", "VARCHAR"), ("rule", "VARCHAR"),
                    ("reason_code", "VARCHAR"), ("closing", "BOOLEAN"), ("amount", "DECIMAL(18,2)"),
                    ("status", "VARCHAR"), ("channel", "VARCHAR"), ("requested_on", "DATE"), ("settled_on", "DATE")],
    "journal": [("entry_id", "VARCHAR"), ("business_date", "DATE"), ("business_type", "VARCHAR"),
                ("reference", "VARCHAR"), ("subject", "VARCHAR"), ("side", "VARCHAR"), ("amount", "DECIMAL(18,2)"),
                ("sub_account", "VARCHAR"), ("reverses", "VARCHAR")],
}


def classify(item: dict[str, Any]) -> tuple[str, list[dict[str, Any]]] | None:
    """Which snapshot table a ledger-table item feeds, and its rows there (keys in ledger_store.py)."""
    pk, sk = item["pk"], item["sk"]
    if pk.startswith("UNIT#") and sk == "META":
        return "units", [item]
    if pk.startswith("ACCOUNT#") and sk == "META":
        person = hashlib.sha256(item["id_number"].encode()).hexdigest()
        return "accounts", [{**item, "person": person, "current_year": item.get("current_year", 0)}]
    if pk.startswith("ACCOUNT#") and sk.startswith("ENTRY#"):
        return "entries", [item]
    if pk.startswith("WDR#") and sk == "META":
        settled = item.get("settled_at")  # an instant; the day it counts in is Yingtan's
        day = datetime.fromisoformat(settled).astimezone(SHANGHAI).date() if settled else None
        return "withdrawals", [{**item, "settled_on": day}]
    if pk.startswith("JOURNAL#"):
        return "journal", [{**item, **line} for line in item["lines"]]
    return None


def write_snapshot(items: list[dict[str, Any]], day: date, put: Callable[[str, bytes], None]) -> dict[str, Any]:
    """Write every table and the manifest through ``put(key, body)``; returns the manifest."""
    import duckdb

    rows: dict[str, list[tuple]] = {table: [] for table in SCHEMAS}
    for item in items:
        found = classify(item)
        if found:
            table, produced = found
            columns = [name for name, _ in SCHEMAS[table]]
            rows[table].extend(tuple(_plain(row.get(c)) for c in columns) for row in produced)
    prefix = f"snapshots/date={day.isoformat()}"
    manifest: dict[str, Any] = {"business_date": day.isoformat(), "tables": {}}
    with tempfile.TemporaryDirectory() as scratch:
        con = duckdb.connect()
        for table, schema in SCHEMAS.items():
            con.execute(f"CREATE TABLE {table} ({', '.join(f'{n} {t}' for n, t in schema)})")
            if rows[table]:
                con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' for _ in schema)})", rows[table])
            path = Path(scratch) / f"{table}.parquet"
            con.execute(f"COPY (SELECT * FROM {table} ORDER BY ALL) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
            body = path.read_bytes()
            put(f"{prefix}/{table}.parquet", body)
            manifest["tables"][table] = {"rows": len(rows[table]), "sha256": hashlib.sha256(body).hexdigest()}
        con.close()
    put(f"{prefix}/_manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    return manifest


def _plain(value: Any) -> Any:
    return str(value) if value is not None and not isinstance(value, (str, int)) else value
