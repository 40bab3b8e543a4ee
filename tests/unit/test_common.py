"""Money, identifiers, the business calendar, paging, lifecycles."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpf.common.calendar import BusinessCalendar, CalendarYearUnknown, overrides_from_json
from hpf.common.errors import BusinessRuleViolation, ValidationFailed
from hpf.common.identifiers import bank_card, mobile_number, resident_id, social_credit_code
from hpf.common.money import from_fen, round_fen, to_chinese_uppercase, to_fen, to_money
from hpf.common.paging import PageRequest, decode_token, encode_token
from hpf.ledger.model import (
    ACCOUNT_LIFECYCLE,
    REMITTANCE_LIFECYCLE,
    UNIT_LIFECYCLE,
    AccountEvent,
    AccountStatus,
    RemittanceEvent,
    RemittanceStatus,
    UnitEvent,
    UnitStatus,
)
from hpf.ledger.withdrawal import WITHDRAWAL_LIFECYCLE, WithdrawalEvent, WithdrawalStatus


@pytest.mark.parametrize("amount, words", [
    ("0", "零元整"), ("0.05", "伍分"), ("1", "壹元整"), ("10", "壹拾元整"), ("1001", "壹仟零壹元整"),
    ("1010.10", "壹仟零壹拾元壹角整"), ("100010", "壹拾万零壹拾元整"), ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
    ("100000001", "壹亿零壹元整"), ("1000.05", "壹仟元零伍分"), ("10203.04", "壹万零贰佰零叁元零肆分"),
    ("-12.30", "负壹拾贰元叁角整"),
])
def test_chinese_uppercase_amounts(amount, words):
    assert to_chinese_uppercase(amount) == words


def test_money_refuses_floats_and_sub_fen_amounts():
    with pytest.raises(TypeError):
        to_money(0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        to_money("1.005")
    with pytest.raises(ValueError):
        to_money("NaN")
    assert round_fen(Decimal("512.345")) == Decimal("512.35")


@given(st.integers(min_value=-10**13, max_value=10**13))
def test_fen_round_trip(fen):
    assert to_fen(from_fen(fen)) == fen


@given(st.integers(min_value=0, max_value=10**12))
def test_every_amount_has_uppercase_words_ending_properly(fen):
    words = to_chinese_uppercase(from_fen(fen))
    assert words.endswith(("整", "分")) and "零零" not in words


def test_resident_ids():
    assert resident_id(" 36068119920606222x ".upper().replace("X", "8")) == "360681199206062228"
    for bad in ["360681199206062221", "36068119920606222", "990681199206062228", "360681199213062228"]:
        with pytest.raises(ValidationFailed) as error:
            resident_id(bad)
        assert error.value.code == "INVALID_RESIDENT_ID"


def test_credit_codes_mobiles_and_cards():
    assert social_credit_code(" 91360600ma35ab0012 ") == "91360600MA35AB0012"
    with pytest.raises(ValidationFailed):
        social_credit_code("91360600MA35AB0010")
    assert mobile_number("+86 138-0000-1234") == "13800001234"
    with pytest.raises(ValidationFailed):
        mobile_number("12800001234")
    assert bank_card("6222 0212 3456 7895").luhn_ok is False  # reported, not rejected
    assert bank_card("6222021234567890").number == "6222021234567890"
    assert bank_card("4111111111111111").warning is None
    with pytest.raises(ValidationFailed):
        bank_card("12345")


def test_calendar_uses_the_statutory_arrangement():
    calendar = BusinessCalendar()
    assert not calendar.is_workday(date(2026, 10, 1))  # National Day
    assert calendar.next_workday(date(2026, 9, 30)) > date(2026, 10, 7)


def test_calendar_fallback_and_a_clear_error_for_unknown_years():
    with pytest.raises(CalendarYearUnknown) as error:
        BusinessCalendar().is_workday(date(2031, 1, 2))
    assert error.value.code == "CALENDAR_YEAR_UNKNOWN" and "2031" in error.value.message
    calendar = BusinessCalendar(overrides_from_json(
        '{"2031": {"holidays": ["2031-01-01"], "workdays": ["2031-01-04"]}}'))
    assert not calendar.is_workday(date(2031, 1, 1))
    assert calendar.is_workday(date(2031, 1, 4))  # a Saturday made a working day
    assert calendar.is_workday(date(2031, 1, 2))


def test_paging_tokens_round_trip_and_reject_garbage():
    assert decode_token(encode_token({"sk": "ENTRY#2026"})) == {"sk": "ENTRY#2026"}
    with pytest.raises(ValidationFailed):
        decode_token("!!!")
    with pytest.raises(ValidationFailed):
        PageRequest(size=0)


@pytest.mark.parametrize("lifecycle, states, events", [
    (UNIT_LIFECYCLE, UnitStatus, UnitEvent), (ACCOUNT_LIFECYCLE, AccountStatus, AccountEvent),
    (REMITTANCE_LIFECYCLE, RemittanceStatus, RemittanceEvent),
    (WITHDRAWAL_LIFECYCLE, WithdrawalStatus, WithdrawalEvent)])
def test_lifecycles_over_every_state_and_event(lifecycle, states, events):
    for state, event in itertools.product(states, events):
        if lifecycle.allows(state, event):
            assert lifecycle.next(state, event) in states
        else:
            with pytest.raises(BusinessRuleViolation) as error:
                lifecycle.next(state, event)
            assert error.value.code == f"{lifecycle.name}_TRANSITION_NOT_ALLOWED"
            assert state.label in error.value.message


def test_closed_accounts_accept_nothing():
    closed = [s for s in AccountStatus if s.is_closed]
    assert closed and all(not ACCOUNT_LIFECYCLE.allows(s, e) for s in closed for e in AccountEvent)
