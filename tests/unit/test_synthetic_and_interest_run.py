"""The synthetic data set is deterministic and well formed, and the interest engine agrees with the SQL
form of the same settlement on every account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from hpf.analytics.interest_run import by_engine, by_sql, compare
from hpf.analytics.synthetic import WITHDRAWAL_REASONS, Size, generate
from hpf.ledger.interest import RateBook, Rates, load_rate_book

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


def _by_accrue(data, start: date, end: date, rates) -> dict[str, Decimal]:
    """The reference: hpf.ledger.interest.accrue account by account (the posting path's rules), ties in file order."""
    from collections import defaultdict

    from hpf.ledger.interest import Movement, accrue

    movements = str(data / "movements.parquet")
    opening = dict(duckdb.sql(f"SELECT account_no, sum(amount) FROM '{movements}' WHERE value_date <= DATE '{start}'"
                              " GROUP BY 1").fetchall())
    in_year: dict[str, list] = defaultdict(list)
    for account_no, value_date, amount in duckdb.sql(
            f"SELECT account_no, value_date, amount FROM read_parquet('{movements}', file_row_number = true) "
            f"WHERE value_date > DATE '{start}' AND value_date <= DATE '{end}' ORDER BY file_row_number").fetchall():
        in_year[account_no].append(Movement(value_date, amount))
    accounts = [a for (a,) in duckdb.sql(f"SELECT account_no FROM '{data / 'accounts.parquet'}'").fetchall()]
    zero = Decimal("0.00")
    return {a: accrue(opening.get(a, zero), in_year.get(a, []), start, end, rates).interest for a in accounts}


# Carried-over and current-year rates that differ, and change in mid-year (as they did before 2016).
SPLIT_RATES = RateBook([Rates(date(2015, 1, 1), Decimal("0.0110"), Decimal("0.0035")),
                        Rates(date(2026, 2, 21), Decimal("0.0150"), Decimal("0.0125"))])


@pytest.mark.parametrize("rates", [SPLIT_RATES, load_rate_book()], ids=["split-rates-changing", "one-rate-year"])
def test_the_columnar_engine_settles_every_account_as_accrue_does(tmp_path, rates):
    """With the carried-over and current-year parts at their own rates and the rate changing on 2026-02-21, the
    split of each balance, withdrawals taken from this year's deposits first and the days cut at the change all
    matter — and the columnar run must still agree with accrue to the fen, account by account."""
    end = date(2026, 6, 30)
    generate(Size(units=12, depositors=400, years=2, end=end), tmp_path)
    start = date(end.year - 1, 6, 30)
    ours = by_engine(tmp_path, start, end, rates)
    reference = _by_accrue(tmp_path, start, end, rates)
    assert len(ours) == 400 and compare(ours, reference) == []
    assert len(set(ours.values())) > 100  # not a degenerate year


def test_the_columnar_engine_refuses_an_overdraft_as_accrue_does(tmp_path):
    from hpf.ledger.interest import InterestError

    table = tmp_path / "movements.parquet"
    duckdb.sql(f"""COPY (SELECT * FROM (VALUES ('A1', DATE '2025-01-10', 100.00::DECIMAL(18,2)),
                                               ('A1', DATE '2025-09-01', -150.00::DECIMAL(18,2)))
                         t(account_no, value_date, amount)) TO '{table}' (FORMAT parquet)""")
    duckdb.sql(f"COPY (SELECT 'A1' AS account_no) TO '{tmp_path / 'accounts.parquet'}' (FORMAT parquet)")
    with pytest.raises(InterestError):
        by_engine(tmp_path, date(2025, 6, 30), date(2026, 6, 30), load_rate_book())
