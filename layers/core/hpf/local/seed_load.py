"""Load a slice of the synthetic data set into a running local platform, through its HTTP interface (the real
services), so the platform shows a city-shaped center rather than a handful of demo rows.

Units keep the synthetic set's offices, ratios and skewed sizes; each gets a valid credit code from its id;
each depositor a valid resident ID from theirs. This month's remittance is recorded and its money confirmed
for every unit (the history stays in the Parquet set: the services date what they post today).
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx

from hpf.analytics.synthetic import Size, generate
from hpf.common.clock import SHANGHAI
from hpf.local.demo import valid_credit_code, valid_resident_id


def credit_code_for(unit_id: int) -> str:
    return valid_credit_code(f"91360600{unit_id:09d}")


def resident_id_for(depositor_id: int) -> str:
    born = date(1970, 1, 1) + timedelta(days=depositor_id % 12000)
    return valid_resident_id(f"360602{born:%Y%m%d}{depositor_id % 1000:03d}")


def load_slice(gateway_url: str, clerk_token: str, finance_token: str, units: int, per_unit: int,
               size: Size | None = None) -> dict[str, int]:
    size = size or Size()
    import duckdb

    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch)
        generate(Size(units=max(units, 1), depositors=max(units * per_unit * 4, 100), years=1, seed=size.seed), data)
        con = duckdb.connect()
        unit_rows = con.execute(f"SELECT unit_id, org, unit_ratio, personal_ratio FROM '{data / 'units.parquet'}' "
                                "ORDER BY unit_id LIMIT ?", [units]).fetchall()
        people = con.execute(f"""
            SELECT unit_id, depositor_id, deposit_base FROM (
              SELECT *, row_number() OVER (PARTITION BY unit_id ORDER BY depositor_id) AS n
              FROM '{data / 'accounts.parquet'}') WHERE n <= ? ORDER BY unit_id, depositor_id""", [per_unit]).fetchall()
        con.close()
    month = datetime.now(SHANGHAI).strftime("%Y-%m")
    loaded = {"units": 0, "accounts": 0, "remittances": 0}
    with httpx.Client(base_url=gateway_url, timeout=60, headers={"Authorization": f"Bearer {clerk_token}"}) as http:
        for unit_id, org, unit_ratio, personal_ratio in unit_rows:
            created = http.post("/ledger/units", json={
                "name": f"鹰潭合成单位{unit_id:05d}有限公司", "credit_code": credit_code_for(unit_id),
                "unit_ratio": str(unit_ratio), "personal_ratio": str(personal_ratio), "org": org})
            if created.status_code == 409:
                continue  # loaded before: the credit code identifies it
            created.raise_for_status()
            unit_account = created.json()["unit_account"]
            loaded["units"] += 1
            for _, depositor_id, base in (p for p in people if p[0] == unit_id):
                opened = http.post(f"/ledger/units/{unit_account}/accounts", json={
                    "name": f"职工{depositor_id:06d}", "id_number": resident_id_for(depositor_id),
                    "deposit_base": str(base)})
                if opened.status_code == 201:
                    loaded["accounts"] += 1
            recorded = http.post(f"/ledger/units/{unit_account}/remittances", json={"month": month})
            if recorded.status_code == 202:
                loaded["remittances"] += 1
                remittance = recorded.json()
                http.post(f"/ledger/remittances/{remittance['remittance_id']}/funds",
                          headers={"Authorization": f"Bearer {finance_token}"},
                          json={"amount": remittance["total"], "bank_serial": f"SEED-{remittance['remittance_id']}"})
    return loaded
