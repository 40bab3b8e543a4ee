"""The yearly interest settlement over a Parquet snapshot: by our engine, and as one DuckDB SQL query.

The plain SQL form (the benchmark's baseline) holds only while one rate applies to the whole year and the
carried-over and current-year rates are equal (true since 2016-02-21): then the interest is rate / 360 ×
(opening balance × days + Σ movement × days to the settlement date). The engine needs no such condition: it runs
the rules of ``hpf.ledger.interest.accrue`` (carried-over and current-year parts at their own rates, withdrawals
from this year's deposits first, rate changes splitting the days) as a columnar query over the same Parquet.
Both round half-up to the fen per account; ``compare`` says where they differ.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from hpf.ledger.interest import DAYS_PER_YEAR, InterestError, RateBook


def by_engine(data: Path, start: date, end: date, rates: RateBook) -> dict[str, Decimal]:
    """Every account's interest for the year (start, end] from the Parquet snapshot: the rules of
    ``hpf.ledger.interest.accrue`` run as one columnar query (see ``columnar_interest``)."""
    import duckdb

    con = duckdb.connect()
    try:
        return columnar_interest(con, str(data / "movements.parquet"), str(data / "accounts.parquet"),
                                 start, end, rates)
    finally:
        con.close()


def columnar_interest(con: Any, movements: str, accounts: str, start: date, end: date,
                      rates: RateBook) -> dict[str, Decimal]:
    """积数计息 for every account at once, by the rules of ``accrue`` and to the same fen:

    - the balance carried into the year (movements up to ``start``) accrues at the carried-over rate, this year's
      deposits at the current-year rate; a withdrawal takes from this year's deposits first;
    - each balance holds from its movement's value date to the next one's (or ``end``), split at rate changes;
    - everything is integer fen × integer rate units × days, summed exactly and divided by 360 once, half-up;
    - a withdrawal that would overdraw the balance is refused, as ``accrue`` refuses it.

    Two plans, chosen by the rates of the year. Where the carried-over and current-year rates are equal in every
    period (so since 2016-02-21), how a balance splits between the two parts cannot change its interest: each
    movement accrues at the rates of the days from its value date (or ``start``) to ``end``, one aggregate over the
    movements (``_UNIFORM``). Otherwise the split is needed: after the i-th movement of the year (value-date order,
    ties in file order), with T the running sum of the year's movements, this year's part is K = T − min(0, min of
    T so far) and the carried part C = C0 + min(0, min of T so far) — a running sum and a running minimum instead
    of a loop, and each balance's days summed per rate period (``_SPLIT``).
    """
    periods, scale = _rate_periods(rates, start, end)
    con.execute("CREATE OR REPLACE TEMP TABLE rate_periods (since DATE, until DATE, carried HUGEINT, current HUGEINT)")
    con.executemany("INSERT INTO rate_periods VALUES (?, ?, ?, ?)", periods)
    params = {"movements": movements, "accounts": accounts, "start": start, "end": end}
    overdrawn = con.execute(_OVERDRAWN, _used(params, _OVERDRAWN)).fetchall()
    if overdrawn:
        raise InterestError(f"account {overdrawn[0][0]}: a withdrawal exceeds the balance")
    uniform = all(carried == current for _, _, carried, current in periods)
    query = (_UNIFORM if uniform else _SPLIT).format(denominator=int(DAYS_PER_YEAR) * scale)
    return dict(con.execute(query, _used(params, query)).fetchall())


def _used(params: dict[str, Any], query: str) -> dict[str, Any]:
    """The named parameters a query names (DuckDB refuses any other)."""
    return {name: value for name, value in params.items() if f"${name}" in query}


_MOVEMENTS = """
    mv AS (SELECT account_no, value_date, (amount * 100)::HUGEINT AS fen, file_row_number AS seq
           FROM read_parquet($movements, file_row_number = true) WHERE value_date <= $end),
    opening AS (SELECT account_no, sum(fen) AS c0 FROM mv WHERE value_date <= $start GROUP BY ALL)"""

# Interest in fen = Σ product / (360 × scale), half-up: floor((2n + d) / 2d) of a non-negative n, in integers.
_INTEREST = "(((coalesce(product, 0) * 2 + {denominator}) // (2 * {denominator}))::DECIMAL(18, 0) * 0.01)::DECIMAL(18, 2)"

# A balance below zero at any movement of the year (the ledger never lets one happen; the run refuses it). Only
# an account with a withdrawal in the year can dip: the running sums are taken over those accounts' movements.
_OVERDRAWN = f"""
    WITH {_MOVEMENTS},
    withdrawing AS (SELECT DISTINCT account_no FROM mv WHERE value_date > $start AND fen < 0),
    lowest AS (SELECT account_no, min(t) AS lowest FROM (
                   SELECT account_no, sum(fen) OVER (PARTITION BY account_no ORDER BY value_date, seq
                                                     ROWS UNBOUNDED PRECEDING) AS t
                   FROM mv SEMI JOIN withdrawing USING (account_no) WHERE value_date > $start) GROUP BY ALL)
    SELECT l.account_no FROM lowest l LEFT JOIN opening o USING (account_no)
    WHERE coalesce(o.c0, 0) + l.lowest < 0 OR o.c0 < 0 LIMIT 1"""

_UNIFORM = f"""
    WITH {_MOVEMENTS},
    products AS (
        SELECT m.account_no,
               sum(m.fen * r.carried * date_diff('day', greatest(m.value_date, $start::DATE, r.since), r.until))
                   AS product
        FROM mv m JOIN rate_periods r ON greatest(m.value_date, $start::DATE) < r.until
        GROUP BY ALL)
    SELECT a.account_no, {_INTEREST} FROM read_parquet($accounts) a LEFT JOIN products USING (account_no)"""

_SPLIT = f"""
    WITH {_MOVEMENTS},
    running AS (
        SELECT account_no, value_date, seq, sum(fen) OVER w AS t, lead(value_date, 1, $end::DATE) OVER w AS next_date
        FROM mv WHERE value_date > $start
        WINDOW w AS (PARTITION BY account_no ORDER BY value_date, seq ROWS UNBOUNDED PRECEDING)),
    dips AS (
        SELECT account_no, value_date, next_date, t,
               least(0, min(t) OVER (PARTITION BY account_no ORDER BY value_date, seq ROWS UNBOUNDED PRECEDING)) AS dip
        FROM running),
    first_movement AS (SELECT account_no, min(value_date) AS first_date FROM running GROUP BY ALL),
    segments AS (
        SELECT d.account_no, d.value_date AS since, d.next_date AS until,
               coalesce(o.c0, 0) + d.dip AS carried, d.t - d.dip AS current
        FROM dips d LEFT JOIN opening o USING (account_no)
        UNION ALL
        SELECT a.account_no, $start::DATE, coalesce(f.first_date, $end::DATE), coalesce(o.c0, 0), 0
        FROM read_parquet($accounts) a LEFT JOIN opening o USING (account_no)
             LEFT JOIN first_movement f USING (account_no)),
    products AS (
        SELECT s.account_no,
               sum((s.carried * r.carried + s.current * r.current)
                   * greatest(0, date_diff('day', greatest(s.since, r.since), least(s.until, r.until)))) AS product
        FROM segments s JOIN rate_periods r ON r.since < s.until AND s.since < r.until
        GROUP BY ALL)
    SELECT a.account_no, {_INTEREST} FROM read_parquet($accounts) a LEFT JOIN products USING (account_no)"""


def _rate_periods(rates: RateBook, start: date, end: date) -> tuple[list[tuple[date, date, int, int]], int]:
    """The rates of the year as [since, until) periods, in integer units of 1/scale, and the scale."""
    cuts = [start, *rates.changes_between(start, end), end]
    versions = [rates.on(day) for day in cuts[:-1]]
    scale = 10 ** max(max(-v.carried.as_tuple().exponent, -v.current.as_tuple().exponent, 0)  # type: ignore[operator]
                      for v in versions)
    return [(since, until, int(v.carried * scale), int(v.current * scale))
            for (since, until), v in zip(pairwise(cuts), versions, strict=True)], scale


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
