"""The synthetic data set is deterministic and well formed, and the interest engine agrees with the SQL
form of the same settlement on every account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from hpf.analytics.interest_run import by_engine, by_sql, compare
from hpf.analytics.synthetic import WITHDRAWAL_REASONS, Size, generate
from hpf.ledger.interest import load_rate_book

SMALL = Size(units=40, depositors=1500, years=3)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    counts = generate(SMALL, out)
    assert counts["units"] == 40 and counts["accounts"] == 1500 and counts["movements"] > 1500 * 36
    return out


def test_the_data_set_is_deterministic(data, tmp_path):
    generate(SMALL, tmp_path)
    for table in ("units", "accounts", "movements"):
        query = "SELECT md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)) FROM '{}' t"
        assert (duckdb.sql(query.format(data / f"{table}.parquet")).fetchall()
                == duckdb.sql(query.format(tmp_path / f"{table}.parquet")).fetchall())


def test_balances_never_go_negative_and_every_reason_occurs(data):
    movements = data / "movements.parquet"
    lowest = duckdb.sql(f"""
        SELECT min(balance) FROM (
          SELECT sum(amount) OVER (PARTITION BY account_no ORDER BY value_date, amount DESC
                                   ROWS UNBOUNDED PRECEDING) AS balance FROM '{movements}')""").fetchall()[0][0]
    assert lowest >= 0
    reasons = {r for (r,) in duckdb.sql(f"SELECT DISTINCT reason FROM '{movements}' WHERE kind = 'withdrawal'")
               .fetchall()}
    assert reasons == set(WITHDRAWAL_REASONS)
    ratios = duckdb.sql(f"SELECT min(unit_ratio), max(unit_ratio) FROM '{data / 'units.parquet'}'").fetchall()[0]
    assert (ratios[0], ratios[1]) == (Decimal("0.05"), Decimal("0.12"))


def test_the_engine_and_the_sql_settle_every_account_alike(data):
    rates = load_rate_book()
    start, end = date(2025, 6, 30), date(2026, 6, 30)
    ours = by_engine(data, start, end, rates)
    sql = by_sql(data, start, end, rates)
    assert len(ours) == 1500 and compare(ours, sql) == []
    assert sum(ours.values()) > 0
