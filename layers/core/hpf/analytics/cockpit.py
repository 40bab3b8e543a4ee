"""领导驾驶舱 (S.9.5): the center's figures by month, read from the nightly ledger snapshot with DuckDB.

Three views, as the requirement names them:

- 决策层 (decision): month by month over the window — deposits, withdrawals, loans disbursed and principal
  recovered; at each month's end the fund balance (subject 201) and the loans outstanding (subject 121), and
  their ratio (个贷率).
- 管理层 (management): each office at the snapshot's date — units, depositors, the fund it holds — and its
  month's deposits and withdrawals; withdrawals paid by reason over the window.
- 执行层 (execution): the month's work in each office — accounts and units opened, deposits posted, withdrawals
  requested and where they stand.

Balances come from the journal (the financial ledger), flows from the personal entries and the withdrawals:
the same sources the trial balance and the ledger check agree on, so the cockpit cannot tell another story.
A reversal is an entry of its own with the opposite sign, so every sum here nets it. Money is exact (DECIMAL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

DEPOSIT_KINDS = ("01", "03")  # 汇缴, 补缴
WITHDRAWAL_KINDS = ("11", "12")  # 部分提取, 销户提取
FUND, ENTRUSTED_LOANS = "201", "121"
PAID, FAILED, PENDING = "02", "03", "01"
ACCOUNT_NORMAL = "01"


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM
    deposits: Decimal
    withdrawals: Decimal
    loans_disbursed: Decimal
    loans_recovered: Decimal  # principal repaid
    fund_balance: Decimal  # at the month's end
    loans_outstanding: Decimal  # at the month's end

    @property
    def loan_ratio(self) -> Decimal | None:
        """个贷率: loans outstanding over the fund balance, to four places."""
        return (self.loans_outstanding / self.fund_balance).quantize(Decimal("0.0001")) if self.fund_balance else None


@dataclass(frozen=True)
class ReasonFigures:
    month: str
    reason_code: str  # 提取原因 TQYY
    rule: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class OfficeFigures:
    org: str
    units: int
    depositors: int  # persons with a normal account
    fund_balance: Decimal  # the accounts' balances
    deposits: Decimal  # in the snapshot's month
    withdrawals: Decimal  # paid in the snapshot's month


@dataclass(frozen=True)
class WorkFigures:
    org: str
    accounts_opened: int
    units_opened: int
    deposits_posted: int
    withdrawals_requested: int
    withdrawals_paid: int
    withdrawals_failed: int
    withdrawals_pending: int


@dataclass(frozen=True)
class CockpitFigures:
    as_of: date
    months: list[MonthFigures]
    reasons: list[ReasonFigures]
    offices: list[OfficeFigures]
    work: list[WorkFigures]


def cockpit_figures(snapshot: Path, as_of: date, months: int) -> CockpitFigures:
    """The figures of the snapshot in ``snapshot`` (a directory of its Parquet files) for the ``months`` months
    ending with ``as_of``'s."""
    import duckdb

    if not 1 <= months <= 60:
        raise ValueError("months must be 1 to 60")
    con = duckdb.connect()
    try:
        for table in ("units", "accounts", "entries", "withdrawals", "journal"):
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{snapshot / f'{table}.parquet'}')")
        first = date(as_of.year, as_of.month, 1)
        window_start = _months_before(first, months - 1)
        return CockpitFigures(as_of, _months(con, window_start, first), _reasons(con, window_start, first),
                              _offices(con, first), _work(con, first))
    finally:
        con.close()


def _months_before(first: date, count: int) -> date:
    index = first.year * 12 + first.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


def _months(con, start: date, last: date) -> list[MonthFigures]:  # noqa: ANN001 - a DuckDB connection
    # Balances accumulate from the first month with any journal line, flows are the window's: the series starts
    # at whichever is earlier and is cut to the window at the end.
    rows = con.execute(f"""
        WITH bounds AS (
            SELECT least(coalesce((SELECT min(date_trunc('month', business_date)) FROM journal), $start),
                         $start)::DATE AS first_month),
        series AS (
            SELECT strftime(m, '%Y-%m') AS month FROM bounds, range(first_month, $last + INTERVAL 1 MONTH,
                                                                   INTERVAL 1 MONTH) AS t(m)),
        flows AS (
            SELECT strftime(business_date, '%Y-%m') AS month,
                   sum(amount) FILTER (WHERE kind IN {DEPOSIT_KINDS}) AS deposits,
                   -sum(amount) FILTER (WHERE kind IN {WITHDRAWAL_KINDS}) AS withdrawals
            FROM entries GROUP BY 1),
        books AS (
            SELECT strftime(business_date, '%Y-%m') AS month,
                   sum(amount) FILTER (WHERE subject = '{ENTRUSTED_LOANS}' AND side = 'D') AS disbursed,
                   sum(amount) FILTER (WHERE subject = '{ENTRUSTED_LOANS}' AND side = 'C') AS recovered,
                   sum(CASE side WHEN 'C' THEN amount ELSE -amount END) FILTER (WHERE subject = '{FUND}') AS fund,
                   sum(CASE side WHEN 'D' THEN amount ELSE -amount END)
                       FILTER (WHERE subject = '{ENTRUSTED_LOANS}') AS loans
            FROM journal GROUP BY 1),
        joined AS (
            SELECT s.month, coalesce(f.deposits, 0) AS deposits, coalesce(f.withdrawals, 0) AS withdrawals,
                   coalesce(b.disbursed, 0) AS disbursed, coalesce(b.recovered, 0) AS recovered,
                   sum(coalesce(b.fund, 0)) OVER (ORDER BY s.month) AS fund_balance,
                   sum(coalesce(b.loans, 0)) OVER (ORDER BY s.month) AS loans_outstanding
            FROM series s LEFT JOIN flows f USING (month) LEFT JOIN books b USING (month))
        SELECT * FROM joined WHERE month >= strftime($start, '%Y-%m') ORDER BY month
    """, {"start": start, "last": last}).fetchall()
    return [MonthFigures(month, *(_money(v) for v in values)) for month, *values in rows]


def _reasons(con, start: date, last: date) -> list[ReasonFigures]:  # noqa: ANN001
    rows = con.execute(f"""
        SELECT strftime(settled_on, '%Y-%m') AS month, reason_code, rule, count(*), sum(amount)
        FROM withdrawals
        WHERE status = '{PAID}' AND settled_on >= $start AND settled_on < $last + INTERVAL 1 MONTH
        GROUP BY ALL ORDER BY month, reason_code, rule
    """, {"start": start, "last": last}).fetchall()
    return [ReasonFigures(month, code, rule, count, _money(amount)) for month, code, rule, count, amount in rows]


def _offices(con, month: date) -> list[OfficeFigures]:  # noqa: ANN001
    rows = con.execute(f"""
        WITH offices AS (SELECT org FROM units UNION SELECT org FROM accounts),
        people AS (
            SELECT org, count(DISTINCT person) FILTER (WHERE status = '{ACCOUNT_NORMAL}') AS depositors,
                   sum(balance) AS fund_balance
            FROM accounts GROUP BY org),
        deposited AS (
            SELECT a.org, sum(e.amount) AS deposits FROM entries e JOIN accounts a USING (account_no)
            WHERE e.kind IN {DEPOSIT_KINDS} AND date_trunc('month', e.business_date) = $month GROUP BY a.org),
        paid AS (
            SELECT org, sum(amount) AS withdrawals FROM withdrawals
            WHERE status = '{PAID}' AND date_trunc('month', settled_on) = $month GROUP BY org)
        SELECT o.org, (SELECT count(*) FROM units u WHERE u.org = o.org), coalesce(p.depositors, 0),
               coalesce(p.fund_balance, 0), coalesce(d.deposits, 0), coalesce(w.withdrawals, 0)
        FROM offices o LEFT JOIN people p USING (org) LEFT JOIN deposited d USING (org) LEFT JOIN paid w USING (org)
        ORDER BY o.org
    """, {"month": month}).fetchall()
    return [OfficeFigures(org, units, depositors, _money(fund), _money(deposits), _money(withdrawals))
            for org, units, depositors, fund, deposits, withdrawals in rows]


def _work(con, month: date) -> list[WorkFigures]:  # noqa: ANN001
    rows = con.execute(f"""
        WITH offices AS (SELECT org FROM units UNION SELECT org FROM accounts),
        in_month AS (SELECT $month AS first, $month + INTERVAL 1 MONTH AS after)
        SELECT o.org,
            (SELECT count(*) FROM accounts a, in_month m WHERE a.org = o.org AND a.opened_on >= m.first
                                                          AND a.opened_on < m.after),
            (SELECT count(*) FROM units u, in_month m WHERE u.org = o.org AND u.opened_on >= m.first
                                                        AND u.opened_on < m.after),
            (SELECT count(*) FROM entries e JOIN accounts a USING (account_no), in_month m
             WHERE a.org = o.org AND e.kind IN {DEPOSIT_KINDS} AND e.business_date >= m.first
                   AND e.business_date < m.after),
            count(w.withdrawal_id),
            count(w.withdrawal_id) FILTER (WHERE w.status = '{PAID}'),
            count(w.withdrawal_id) FILTER (WHERE w.status = '{FAILED}'),
            count(w.withdrawal_id) FILTER (WHERE w.status = '{PENDING}')
        FROM offices o
        LEFT JOIN (SELECT w.* FROM withdrawals w, in_month m
                   WHERE w.requested_on >= m.first AND w.requested_on < m.after) w USING (org)
        GROUP BY o.org ORDER BY o.org
    """, {"month": month}).fetchall()
    return [WorkFigures(*row) for row in rows]


def _money(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))
