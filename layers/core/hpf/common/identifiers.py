"""Identifiers the center deals in, validated with python-stdnum.

Each validator returns the compact, canonical form or raises ``ValidationFailed`` with a stable code and a
Chinese message. Bank cards are the exception: some old cards fail the Luhn check, so a failure is a warning
the caller shows, never a rejection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from hpf.common.errors import ValidationFailed

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CARD = re.compile(r"^\d{12,19}$")


# GB/T 2260 province-level codes. The county part is not checked: stdnum's county table is older than some
# current codes (it rejects 360681 贵溪市), and a number keeps its code for life even when a county is renamed.
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
}


def resident_id(value: str) -> str:
    """居民身份证号码: 18 characters, GB 11643 check character, a real birth date, a known province."""
    number = ric.compact(value.strip().upper())
    invalid = ValidationFailed("居民身份证号码格式或校验位不正确", code="INVALID_RESIDENT_ID")
    if len(number) != 18 or not number[:17].isdigit() or number[:2] not in _PROVINCES:
        raise invalid
    if ric.calc_check_digit(number) != number[-1]:
        raise invalid
    try:
        born = ric.get_birth_date(number)
    except StdnumError as exc:
        raise invalid from exc
    if born > date.today():
        raise invalid
    return number


def birth_date_of(resident_id_number: str) -> date:
    return ric.get_birth_date(resident_id_number)


def social_credit_code(value: str) -> str:
    """统一社会信用代码 (GB 32100: 18 characters with a check character)."""
    try:
        return uscc.validate(value.strip().upper())
    except StdnumError as exc:
        raise ValidationFailed("统一社会信用代码格式或校验位不正确", code="INVALID_CREDIT_CODE") from exc


def mobile_number(value: str) -> str:
    """Mainland mobile number: 11 digits starting 13–19; a +86/86 prefix and spaces or dashes are removed."""
    compact = re.sub(r"[\s-]", "", value)
    compact = re.sub(r"^(\+?86)", "", compact)
    if not _MOBILE.match(compact):
        raise ValidationFailed("手机号码格式不正确", code="INVALID_MOBILE")
    return compact


@dataclass(frozen=True)
class BankCardCheck:
    number: str
    luhn_ok: bool

    @property
    def warning(self) -> str | None:
        return None if self.luhn_ok else "银行卡号校验位未通过，请与持卡人核对卡号"


def bank_card(value: str) -> BankCardCheck:
    """Bank card / account number: 12–19 digits. A failed Luhn check is reported, not rejected."""
    compact = re.sub(r"\s", "", value)
    if not _CARD.match(compact):
        raise ValidationFailed("银行卡号应为12至19位数字", code="INVALID_BANK_CARD")
    return BankCardCheck(compact, luhn.is_valid(compact))


def bank_account(value: str) -> str:
    """A corporate bank account number (对公账号): 8–32 digits (banks differ; none uses letters)."""
    compact = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{8,32}", compact):
        raise ValidationFailed("银行账号应为8至32位数字", code="INVALID_BANK_ACCOUNT")
    return compact
