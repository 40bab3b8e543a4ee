"""A deterministic synthetic data set of a city center's shape, generated in DuckDB SQL and written as Parquet.

Sizing (docs/assumptions.md, "synthetic data"): Yingtan's own figures are not public; the defaults — 6,000
units, 200,000 depositors, 5 years of monthly history — are a mid-sized prefecture-level center. Every value
comes from a multiplicative hash of (seed, ids), so the same parameters give the same rows on any machine
and DuckDB version.

Shape:
- unit sizes are skewed (a few large employers, many small ones); ratios 5 %–12 %; offices by unit;
- each depositor deposits every month base × (unit ratio + personal ratio), each side rounded to the fen;
- withdrawals of every reason code, at most one per depositor and interest year, each at most half of the
  depositor's deposits in the twelve months before it — which keeps every balance non-negative at all
  times (any month lies in at most two such windows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

# Every reason code of the withdrawal rules (TQYY: A.7's and our 10–13), in a fixed order: deterministic data.
WITHDRAWAL_REASONS = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13"]


@dataclass(frozen=True)
class Size:
    units: int = 6_000
    depositors: int = 200_000
    years: int = 5
    seed: int = 20261127
    end: date = date(2026, 6, 30)  # the history ends on a settlement date

    @property
    def months(self) -> int:
        return self.years * 12

    @property
    def start(self) -> date:
        return date(self.end.year - self.years, 7, 1)


def generate(size: Size, out_dir: Path) -> dict[str, int]:
    """Write units.parquet, accounts.parquet and movements.parquet to ``out_dir``; return row counts."""
    import duckdb

    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    # u(a, b): a uniform number in [0, 1) from two integers and the seed, by an integer mixing hash (xor-shift
    # and multiply, as in splitmix/murmur finalisers) so that neighbouring inputs give unrelated outputs.
    con.execute("CREATE MACRO mix1(h) AS (xor(h, h >> 16)::HUGEINT * 2146121005 % 4294967296)::BIGINT")
    con.execute("CREATE MACRO mix2(h) AS (xor(h, h >> 15)::HUGEINT * 2221713035 % 4294967296)::BIGINT")
    con.execute(f"""
        CREATE MACRO u(a, b) AS
          xor(mix2(mix1((a::BIGINT * 2654435761 + b::BIGINT * 97 + {size.seed}) % 4294967296)),
              mix2(mix1((a::BIGINT * 2654435761 + b::BIGINT * 97 + {size.seed}) % 4294967296)) >> 16)::DOUBLE
          / 4294967296.0
    """)
    orgs = "['360600', '360602', '360603', '360681']"
    con.execute(f"""
        CREATE TABLE units AS
        SELECT id AS unit_id,
               printf('360600%06d', id) AS unit_account,
               {orgs}[1 + (id % 4)::INT] AS org,
               CAST((5 + floor(u(id, 1) * 8)) / 100 AS DECIMAL(4, 2)) AS unit_ratio,
               CAST((5 + floor(u(id, 2) * 8)) / 100 AS DECIMAL(4, 2)) AS personal_ratio
        FROM range(1, {size.units} + 1) t(id)
    """)
    # Skewed sizes: the cube of a uniform picks low unit ids far more often.
    con.execute(f"""
        CREATE TABLE accounts AS
        SELECT id AS depositor_id,
               printf('360600%09d', id) AS account_no,
               1 + floor(pow(u(id, 3), 3) * {size.units})::BIGINT AS unit_id,
               round(1850 + pow(u(id, 4), 2) * 23150, 2)::DECIMAL(12, 2) AS deposit_base,
               DATE '{size.start}' AS opened_on
        FROM range(1, {size.depositors} + 1) t(id)
    """)
    con.execute(f"""
        CREATE TABLE deposits AS
        SELECT a.account_no, a.depositor_id, m AS month_index,
               (DATE '{size.start}' + INTERVAL (m) MONTH + INTERVAL (4 + floor(u(a.depositor_id, 100 + m) * 20)::INT) DAY)::DATE
                 AS value_date,
               (round(a.deposit_base * un.unit_ratio, 2) + round(a.deposit_base * un.personal_ratio, 2))
                 ::DECIMAL(14, 2) AS amount
        FROM accounts a JOIN units un USING (unit_id), range(0, {size.months}) r(m)
    """)
    # Withdrawals: in interest year y, with probability ~18 %, at month w of it, up to half of the deposits in
    # the 12 months before (see the module docstring for why balances stay non-negative).
    reasons = "[" + ", ".join(f"'{r}'" for r in WITHDRAWAL_REASONS) + "]"
    con.execute(f"""
        CREATE TABLE withdrawals AS
        WITH candidates AS (
          SELECT a.account_no, a.depositor_id, y,
                 12 * y + floor(u(a.depositor_id, 500 + y) * 12)::INT AS month_index,
                 0.1 + u(a.depositor_id, 600 + y) * 0.4 AS fraction,
                 {reasons}[1 + floor(u(a.depositor_id, 700 + y) * {len(WITHDRAWAL_REASONS)})::INT] AS reason
          FROM accounts a, range(0, {size.years}) r(y)
          WHERE u(a.depositor_id, 400 + y) < 0.18
        )
        SELECT c.account_no, c.month_index, c.reason,
               (DATE '{size.start}' + INTERVAL (c.month_index) MONTH + INTERVAL 25 DAY)::DATE AS value_date,
               -round(c.fraction * sum(d.amount), 2)::DECIMAL(14, 2) AS amount
        FROM candidates c JOIN deposits d
          ON d.account_no = c.account_no AND d.month_index BETWEEN c.month_index - 12 AND c.month_index - 1
        GROUP BY c.account_no, c.month_index, c.reason, c.fraction
        HAVING sum(d.amount) > 0
    """)
    con.execute("""
        CREATE TABLE movements AS
        SELECT account_no, value_date, amount, 'deposit' AS kind, NULL AS reason FROM deposits
        UNION ALL
        SELECT account_no, value_date, amount, 'withdrawal' AS kind, reason FROM withdrawals
    """)
    counts: dict[str, int] = {}
    for table in ("units", "accounts", "movements"):
        con.execute(f"COPY (SELECT * FROM {table} ORDER BY ALL) TO '{out_dir / (table + '.parquet')}' "
                    f"(FORMAT parquet, COMPRESSION zstd)")
        (counts[table],) = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    con.close()
    return counts
