"""The DynamoDB attribute-value codec keeps every value, and money exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpf.adapters.aws.dynamodb_types import deserialize, serialize

amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False)
scalars = st.one_of(st.none(), st.booleans(), st.text(max_size=20), amounts, st.integers(-10**15, 10**15))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)


@given(values)
def test_round_trip(value):
    back = deserialize(serialize(value))
    if isinstance(value, int) and not isinstance(value, bool):
        assert back == Decimal(value)
    else:
        assert back == value


def test_floats_and_odd_types_are_refused():
    with pytest.raises(TypeError):
        serialize(0.1)
    with pytest.raises(TypeError):
        serialize(object())
    assert serialize({"a", "b"})["SS"] and deserialize({"NS": ["1.50"]}) == {Decimal("1.50")}
