"""The DER framing of ``hpf.common.der`` against asn1crypto's encoder, value by value."""

from __future__ import annotations

from asn1crypto import core
from hypothesis import given
from hypothesis import strategies as st

from hpf.common.der import SEQUENCE, context, integer, octet_string, oid, set_of, tlv


@given(st.integers(min_value=0, max_value=2 ** 200))
def test_integers_encode_as_asn1crypto_does(value):
    assert integer(value) == core.Integer(value).dump()


@given(st.binary(max_size=70_000))
def test_lengths_of_every_form(content):
    assert octet_string(content) == core.OctetString(content).dump()


@given(st.integers(0, 2), st.integers(0, 39), st.lists(st.integers(0, 2 ** 40), max_size=8))
def test_object_identifiers(first, second, rest):
    dotted = ".".join(map(str, [first, second, *rest]))
    assert oid(dotted) == core.ObjectIdentifier(dotted).dump()


def test_sets_are_in_the_order_of_their_encodings_and_context_tags_are_constructed():
    assert set_of(integer(300), integer(2)) == bytes.fromhex("3107") + integer(2) + integer(300)
    assert tlv(context(0), integer(1))[0] == 0xA0 and tlv(SEQUENCE)[0:2] == b"\x30\x00"
