"""The day's matching of ``reconciliation.compare`` as columnar joins (DuckDB, exact DECIMAL): the same causes, the
same references and amounts, in the same order — a million statement lines in about a second instead of a
Python loop over each.

The inputs are three tables (or views) of one DuckDB connection, each with ``pos``, the position the pure
``compare`` would meet the row at:
- ``lines(pos, ref, dc, amount, host_seq, detail)`` — the bank's statement;
- ``expected(pos, instruction_id, direction, amount, state, reference)`` — settlement's instructions of the day;
- ``financial(pos, reference, amount)`` — subject 101's movement per ledger reference, signed, debit positive.

Where a key repeats, the pure function keeps the last row of a dict; so do the joins here (``QUALIFY`` the
highest position). Python keeps the rules' wording (causes, messages) and builds the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from hpf.settlement.reconciliation import Cause, Comparison, Difference, Expected, Line

_MESSAGES = {
    "STILL_UNKNOWN": "结果不明，尚未出现在对账单",
    "BUSINESS_WITHOUT_LINE": "结算记为成功，银行对账单无此笔",
    "FAILED_BUT_BOOKED": "结算记为失败，银行却已记账",
    "AMOUNT_DIFFERS": "金额不符",
    "DIRECTION_DIFFERS": "借贷方向不符",
    "NOT_IN_FINANCIAL_LEDGER": "101科目当日发生额与银行不符",
    "FINANCIAL_WITHOUT_BANK": "101科目有发生额，银行对账单无对应",
}

# The inputs are copied once (a view over Parquet would be read again by every join). Then one of two plans,
# hash joins and hash aggregates only (no NOT IN, no window):
# - a statement names an instruction once and a day lists an instruction once (the usual day): one full join of
#   instructions and lines, one join with subject 101 (_UNIQUE_*);
# - a day with repeats (a bank resending a line): the pure function keeps the last of each in its dicts, so the
#   last line per reference and the last reference per instruction are taken first (arg_max by position), then
#   the statement lines naming an instruction the statement does not settle now are joined with subject 101; the
#   few lines naming no instruction are read with an anti-join (_REPEATED_KEYS, _CHECKED, _OUTCOMES).
_INPUTS = """
CREATE OR REPLACE TEMP TABLE recon_lines AS SELECT pos, ref, dc, amount, host_seq, detail FROM lines;
CREATE OR REPLACE TEMP TABLE recon_expected AS
    SELECT pos, instruction_id, direction, amount, state, reference FROM expected;
CREATE OR REPLACE TEMP TABLE recon_financial AS SELECT pos, reference, amount FROM financial;
"""
_REPEATS = """
SELECT (SELECT count(*) - count(DISTINCT ref) FROM recon_lines WHERE ref <> '')
     + (SELECT count(*) - count(DISTINCT instruction_id) FROM recon_expected)
"""
# Unique keys: one full join pairs each instruction with its line (phase 1), leaves the lines naming none (phase 2)
# and the pairs the statement does not settle now (phase 3); one join with subject 101 serves both of those.
_UNIQUE_KEYS = """
CREATE OR REPLACE TEMP TABLE recon_j AS
SELECT x.pos AS epos, x.instruction_id, x.direction, x.amount, x.state, x.reference,
       l.pos AS lpos, l.ref, l.dc, l.amount AS line_amount, l.host_seq, l.detail,
       CASE WHEN l.dc = 'C' THEN l.amount ELSE -l.amount END AS signed,
       x.state = 'unknown' AND (l.pos IS NOT NULL OR $closed) AS settled_now, f.amount AS financial
FROM recon_expected x
FULL JOIN recon_lines l ON l.ref = x.instruction_id
LEFT JOIN recon_financial f ON f.reference = CASE WHEN x.pos IS NULL THEN l.ref ELSE x.reference END
                           AND (x.pos IS NULL OR l.pos IS NOT NULL)
"""

# Both plans end alike: the differences in the order the pure function meets them (phase, pos), and MATCHED rows
# counted rather than fetched (a million of them on a big day).
_COUNTED = """
SELECT kind, reference, bank_amount, our_amount, detail, phase, pos FROM outcomes
WHERE kind IS NOT NULL AND kind <> 'MATCHED'
UNION ALL
SELECT 'MATCHED', NULL, NULL, NULL, NULL, 0, count(*) FROM outcomes WHERE kind = 'MATCHED'
ORDER BY phase, pos
"""

_UNIQUE_OUTCOMES = """
WITH outcomes AS (
    SELECT 1 AS phase, epos AS pos,
           CASE WHEN state = 'unknown' THEN CASE WHEN lpos IS NULL AND NOT $closed THEN 'STILL_UNKNOWN' END
                WHEN state = 'booked' AND lpos IS NULL THEN 'BUSINESS_WITHOUT_LINE'
                WHEN state <> 'booked' AND lpos IS NOT NULL THEN 'FAILED_BUT_BOOKED'
                WHEN lpos IS NULL THEN NULL
                WHEN line_amount <> amount THEN 'AMOUNT_DIFFERS'
                WHEN dc <> CASE WHEN direction = 'pay' THEN 'D' ELSE 'C' END THEN 'DIRECTION_DIFFERS'
                ELSE 'MATCHED' END AS kind,
           instruction_id AS reference,
           CASE WHEN lpos IS NOT NULL AND state <> 'unknown' THEN line_amount END AS bank_amount,
           CASE WHEN state IN ('booked', 'unknown') THEN amount END AS our_amount, NULL AS detail
    FROM recon_j WHERE epos IS NOT NULL
    UNION ALL
    SELECT 2, lpos, CASE WHEN ref <> '' AND financial = signed THEN 'MATCHED' ELSE 'LINE_WITHOUT_BUSINESS' END,
           CASE WHEN ref = '' THEN host_seq ELSE ref END, line_amount, NULL, detail
    FROM recon_j WHERE epos IS NULL
    UNION ALL
    SELECT 3, lpos, CASE WHEN coalesce(financial, 0) <> signed THEN 'NOT_IN_FINANCIAL_LEDGER' END,
           reference, line_amount, financial, NULL
    FROM recon_j WHERE epos IS NOT NULL AND lpos IS NOT NULL AND NOT settled_now
    UNION ALL
    SELECT 4, f.pos, 'FINANCIAL_WITHOUT_BANK', f.reference, NULL, abs(f.amount), NULL
    FROM recon_financial f
    JOIN (SELECT reference, bool_or(lpos IS NOT NULL AND NOT settled_now) AS seen
          FROM recon_j WHERE epos IS NOT NULL GROUP BY reference) r ON r.reference = f.reference AND NOT r.seen)
""" + _COUNTED

_UNIQUE_TO_SETTLE = """
SELECT instruction_id, lpos IS NOT NULL, host_seq FROM recon_j
WHERE state = 'unknown' AND (lpos IS NOT NULL OR $closed) ORDER BY epos
"""

_REPEATED_KEYS = """
CREATE OR REPLACE TEMP TABLE recon_e AS
SELECT x.*, l.ref IS NOT NULL AS has_line, l.dc AS line_dc, l.amount AS line_amount, l.host_seq AS line_host
FROM recon_expected x
LEFT JOIN (SELECT ref, arg_max(dc, pos) AS dc, arg_max(amount, pos) AS amount, arg_max(host_seq, pos) AS host_seq
           FROM recon_lines WHERE ref <> '' GROUP BY ref) l ON l.ref = x.instruction_id;

CREATE OR REPLACE TEMP TABLE recon_i AS
SELECT instruction_id, arg_max(reference, pos) AS reference,
       bool_or(state = 'unknown' AND (has_line OR $closed)) AS settled_now
FROM recon_e GROUP BY instruction_id;
"""
_CHECKED = """
CREATE OR REPLACE TEMP TABLE recon_l AS
SELECT l.pos, l.amount, CASE WHEN l.dc = 'C' THEN l.amount ELSE -l.amount END AS signed, i.reference,
       f.amount AS financial
FROM recon_lines l JOIN recon_i i ON i.instruction_id = l.ref AND NOT i.settled_now
LEFT JOIN recon_financial f ON f.reference = i.reference;
"""

# One row per outcome, in the order the pure function meets them (phase, pos); MATCHED rows are only counted.
_OUTCOMES = """
WITH outcomes AS (
    SELECT 1 AS phase, pos,
           CASE WHEN state = 'unknown' THEN CASE WHEN NOT has_line AND NOT $closed THEN 'STILL_UNKNOWN' END
                WHEN state = 'booked' AND NOT has_line THEN 'BUSINESS_WITHOUT_LINE'
                WHEN state <> 'booked' AND has_line THEN 'FAILED_BUT_BOOKED'
                WHEN NOT has_line THEN NULL
                WHEN line_amount <> amount THEN 'AMOUNT_DIFFERS'
                WHEN line_dc <> CASE WHEN direction = 'pay' THEN 'D' ELSE 'C' END THEN 'DIRECTION_DIFFERS'
                ELSE 'MATCHED' END AS kind,
           instruction_id AS reference,
           CASE WHEN has_line AND state <> 'unknown' THEN line_amount END AS bank_amount,
           CASE WHEN state IN ('booked', 'unknown') THEN amount END AS our_amount, NULL AS detail
    FROM recon_e
    UNION ALL
    SELECT 2, l.pos,
           CASE WHEN l.ref <> '' AND f.amount = CASE WHEN l.dc = 'C' THEN l.amount ELSE -l.amount END THEN 'MATCHED'
                ELSE 'LINE_WITHOUT_BUSINESS' END,
           CASE WHEN l.ref = '' THEN l.host_seq ELSE l.ref END, l.amount, NULL, l.detail
    FROM recon_lines l ANTI JOIN recon_i i ON i.instruction_id = l.ref
    LEFT JOIN recon_financial f ON f.reference = l.ref AND l.ref <> ''
    UNION ALL
    SELECT 3, pos, CASE WHEN coalesce(financial, 0) <> signed THEN 'NOT_IN_FINANCIAL_LEDGER' END,
           reference, amount, financial, NULL
    FROM recon_l
    UNION ALL
    SELECT 4, f.pos, 'FINANCIAL_WITHOUT_BANK', f.reference, NULL, abs(f.amount), NULL
    FROM recon_financial f
    SEMI JOIN recon_i i ON i.reference = f.reference
    ANTI JOIN recon_l seen ON seen.reference = f.reference)
""" + _COUNTED

_TO_SETTLE = """
SELECT instruction_id, has_line, line_host FROM recon_e
WHERE state = 'unknown' AND (has_line OR $closed) ORDER BY pos
"""


def compare_tables(con: Any, closed: bool) -> Comparison:
    """``compare`` over the connection's ``lines``, ``expected`` and ``financial`` tables."""
    result = Comparison()
    con.execute("SET preserve_insertion_order = false")  # the outcomes are ordered by (phase, pos) at the end
    _run(con, _INPUTS, closed)
    repeats = con.execute(_REPEATS).fetchall()[0][0]
    if repeats:
        _run(con, _REPEATED_KEYS, closed)
        _run(con, _CHECKED, closed)
        outcomes, to_settle = _OUTCOMES, _TO_SETTLE
    else:
        _run(con, _UNIQUE_KEYS, closed)
        outcomes, to_settle = _UNIQUE_OUTCOMES, _UNIQUE_TO_SETTLE
    rows = con.execute(_with_closed(outcomes, closed)).fetchall()
    for kind, reference, bank_amount, our_amount, detail, _, pos in rows:
        if kind == "MATCHED":
            result.matched = int(pos)  # the count row
            continue
        cause = Cause.LINE_WITHOUT_BUSINESS if kind == "FAILED_BUT_BOOKED" else kind
        result.differences.append(Difference(cause, reference, bank_amount, our_amount,
                                             detail if kind == "LINE_WITHOUT_BUSINESS" else _MESSAGES[kind]))
    for instruction_id, booked, host_seq in con.execute(_with_closed(to_settle, closed)).fetchall():
        result.to_settle.append((instruction_id, booked, f"对账单{host_seq}" if booked else "当日对账单无此笔"))
    return result


def _run(con: Any, script: str, closed: bool) -> None:
    for statement in filter(str.strip, script.split(";")):
        con.execute(_with_closed(statement, closed))


def _with_closed(sql: str, closed: bool) -> str:
    """``$closed`` as a literal: a view cannot take a prepared parameter, and the flag is ours, not input."""
    return sql.replace("$closed", "true" if closed else "false")


def compare_columnar(lines: Sequence[Line], expected: Sequence[Expected], financial: dict[str, Decimal],
                     closed: bool) -> Comparison:
    """``compare`` on Python rows: loaded into an in-memory DuckDB, then ``compare_tables``."""
    import duckdb

    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE lines (pos INTEGER, ref VARCHAR, dc VARCHAR, amount DECIMAL(18, 2), "
                    "host_seq VARCHAR, detail VARCHAR)")
        con.execute("CREATE TABLE expected (pos INTEGER, instruction_id VARCHAR, direction VARCHAR, "
                    "amount DECIMAL(18, 2), state VARCHAR, reference VARCHAR)")
        con.execute("CREATE TABLE financial (pos INTEGER, reference VARCHAR, amount DECIMAL(18, 2))")
        if lines:
            con.executemany("INSERT INTO lines VALUES (?, ?, ?, ?, ?, ?)",
                            [(n, *line) for n, line in enumerate(lines)])
        if expected:
            con.executemany("INSERT INTO expected VALUES (?, ?, ?, ?, ?, ?)",
                            [(n, *e) for n, e in enumerate(expected)])
        if financial:
            con.executemany("INSERT INTO financial VALUES (?, ?, ?)",
                            [(n, reference, amount) for n, (reference, amount) in enumerate(financial.items())])
        return compare_tables(con, closed)
    finally:
        con.close()
