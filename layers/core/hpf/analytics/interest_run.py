"""The yearly interest settlement over a Parquet snapshot: by our engine, and as one DuckDB SQL query.

The SQL form holds only while one rate applies to the whole year and the carried-over and current-year rates
are equal (true since 2016-02-21): then the interest is rate / 360 × (opening balance × days + Σ movement ×
days to the settlement date). The engine (hpf.ledger.interest.accrue) needs no such condition. Both round
half-up to the fen per account; ``compare`` says where they differ.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from hpf.ledger.interest import Movement, RateBook, accrue


def by_engine(data: Path, start: date, end: date, rates: RateBook) -> dict[str, Decimal]:
    import duckdb

    con = duckdb.connect()
    movements = str(data / "movements.parquet")
    opening = dict(con.execute(
        f"SELECT account_no, sum(amount) FROM '{movements}' WHERE value_date <= ? GROUP BY 1", [start]).fetchall())
    in_year: dict[str, list[Movement]] = defaultdict(list)
    for account_no, value_date, amount in con.execute(
            f"SELECT account_no, value_date, amount FROM '{movements}' WHERE value_date > ? AND value_date <= ?",
            [start, end]).fetchall():
        in_year[account_no].append(Movement(value_date, amount))
    accounts = [r[0] for r in con.execute(f"SELECT account_no FROM '{data / 'accounts.parquet'}'").fetchall()]
    con.close()
    zero = Decimal("0.00")
    return {a: accrue(opening.get(a, zero), in_year.get(a, []), start, end, rates).interest for a in accounts}


def by_sql(data: Path, start: date, end: date, rates: RateBook) -> dict[str, Decimal]:
    import duckdb

    rate = rates.on(start)
    if rates.changes_between(start, end) or rate.carried != rate.current:
        raise ValueError("the SQL form needs one rate, equal for carried-over and current balances, all year")
    numerator, denominator = rate.carried.as_integer_ratio()
    days = (end - start).days
    con = duckdb.connect()
    rows = con.execute(f"""
        WITH m AS (SELECT account_no, value_date, (amount * 100)::HUGEINT AS fen FROM '{data / "movements.parquet"}'),
             products AS (
               SELECT account_no,
                      sum(CASE WHEN value_date <= $start THEN fen * {days}
                               ELSE fen * (DATE '{end}' - value_date) END) AS fen_days
               FROM m WHERE value_date <= $end GROUP BY 1)
        SELECT a.account_no,
               -- interest in fen = fen_days × rate / 360, half-up, in exact integers
               ((coalesce(p.fen_days, 0) * {numerator} * 2 + 360 * {denominator}) // (2 * 360 * {denominator}))
        FROM '{data / "accounts.parquet"}' a LEFT JOIN products p USING (account_no)
    """, {"start": start, "end": end}).fetchall()
    con.close()
    return {account_no: (Decimal(int(fen)) / 100).quantize(Decimal("0.01")) for account_no, fen in rows}


def compare(ours: dict[str, Decimal], theirs: dict[str, Decimal]) -> list[str]:
    """Accounts whose interest differs (or that one side lacks)."""
    return sorted(a for a in set(ours) | set(theirs) if ours.get(a) != theirs.get(a))
