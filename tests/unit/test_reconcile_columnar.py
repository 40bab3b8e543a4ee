"""The columnar matching (DuckDB joins) against the pure ``compare``: the same causes, references, amounts,
messages and order, the same matches and the same instructions settled from the statement — on generated days with
repeated references, strangers, failed-but-booked, unknown outcomes and 101 movements that differ."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpf.settlement.reconcile_columnar import compare_columnar
from hpf.settlement.reconciliation import Expected, Line, compare

REFS = [f"I{n}" for n in range(8)] + ["", "X1", "X2"]
amounts = st.sampled_from([Decimal("1.00"), Decimal("2.00"), Decimal("2.50"), Decimal("10.00")])
lines = st.lists(st.builds(Line, st.sampled_from(REFS), st.sampled_from(["D", "C"]), amounts,
                           st.sampled_from(["H1", "H2", "H3", "H4"]), st.sampled_from(["", "D 某公司 汇缴"])),
                 max_size=12)
expected = st.lists(st.builds(Expected, st.sampled_from(REFS[:8]), st.sampled_from(["pay", "collect"]), amounts,
                              st.sampled_from(["booked", "failed", "unknown"]),
                              st.sampled_from(["I0", "I1", "I2", "R1", "R2", "X1"])), max_size=10)
financial = st.dictionaries(st.sampled_from(["I0", "I1", "I2", "I3", "R1", "R2", "X1", "X2", "Z"]),
                            st.sampled_from([Decimal("-2.00"), Decimal("1.00"), Decimal("2.00"), Decimal("-10.00")]),
                            max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines, expected, financial, st.booleans())
def test_the_columnar_matching_finds_what_the_pure_one_finds(day_lines, day_expected, day_financial, closed):
    pure = compare(day_lines, day_expected, day_financial, closed)
    columnar = compare_columnar(day_lines, day_expected, day_financial, closed)
    assert columnar.differences == pure.differences
    assert columnar.matched == pure.matched
    assert columnar.to_settle == pure.to_settle


def test_an_empty_day_agrees():
    result = compare_columnar([], [], {}, closed=True)
    assert (result.matched, result.differences, result.to_settle) == (0, [], [])


unique_lines = st.lists(st.builds(Line, st.sampled_from(REFS), st.sampled_from(["D", "C"]), amounts,
                                  st.sampled_from(["H1", "H2", "H3", "H4"]), st.sampled_from(["", "D 某公司 汇缴"])),
                        max_size=10, unique_by=lambda line: line.ref or object())
unique_expected = st.lists(st.builds(Expected, st.sampled_from(REFS[:8]), st.sampled_from(["pay", "collect"]),
                                     amounts, st.sampled_from(["booked", "failed", "unknown"]),
                                     st.sampled_from(["I0", "I1", "I2", "R1", "R2", "X1"])),
                           max_size=8, unique_by=lambda e: e.instruction_id)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unique_lines, unique_expected, financial, st.booleans())
def test_the_plan_for_days_without_repeats_finds_what_the_pure_one_finds(day_lines, day_expected, day_financial,
                                                                          closed):
    """The usual day (each instruction listed once, named by one line) takes the one-join plan."""
    pure = compare(day_lines, day_expected, day_financial, closed)
    columnar = compare_columnar(day_lines, day_expected, day_financial, closed)
    assert (columnar.differences, columnar.matched, columnar.to_settle) == (
        pure.differences, pure.matched, pure.to_settle)
