"""Exact money: Decimal yuan quantized to the fen (分), and Chinese uppercase amounts (大写金额).

Floats never enter: ``to_money`` refuses them, because 0.1 + 0.2 is not 0.3 and a fund ledger must balance to
the fen forever.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_money(value: Decimal | int | str) -> Decimal:
    """Parse an amount in yuan. Accepts Decimal, int or a decimal string; at most two decimal places."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("money must not be a float or bool; pass a Decimal, int or string")
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    if amount != amount.quantize(FEN):
        raise ValueError(f"amount has more than two decimal places: {value!r}")
    return amount.quantize(FEN)


def round_fen(value: Decimal) -> Decimal:
    """Round a computed amount (a product of base × ratio, interest…) half-up to the fen."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    return int(to_money(amount) * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ["", "拾", "佰", "仟"]
_BIG_UNITS = ["", "万", "亿", "万亿"]


def _four_digits(group: int) -> str:
    """Uppercase for 0..9999 with inner zeros collapsed ('壹仟零伍')."""
    out: list[str] = []
    zero_pending = False
    for pos in range(3, -1, -1):
        digit = group // 10**pos % 10
        if digit == 0:
            zero_pending = bool(out)
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[pos])
    return "".join(out)


def to_chinese_uppercase(amount: Decimal | int | str) -> str:
    """人民币大写, as printed on vouchers: 1234.50 -> '壹仟贰佰叁拾肆元伍角整' style.

    Follows the usual banking convention: '整' after 元 or 角 when no fen; zeros between groups written once;
    negative amounts prefixed with '负'.
    """
    value = to_money(amount)
    if value < 0:
        return "负" + to_chinese_uppercase(-value)
    fen_total = int(value * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if yuan >= 10**16:
        raise ValueError("amount too large for uppercase rendering")

    integer_part = ""
    if yuan:
        groups = []
        rest = yuan
        while rest:
            groups.append(rest % 10000)
            rest //= 10000
        parts: list[str] = []
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                if parts and not parts[-1].endswith("零"):
                    parts.append("零")
                continue
            if parts and group < 1000 and not parts[-1].endswith("零"):
                parts.append("零")
            parts.append(_four_digits(group) + _BIG_UNITS[index])
        integer_part = "".join(parts).rstrip("零") + "元"

    if not jiao and not fen:
        return (integer_part or "零元") + "整"
    decimals = ""
    if jiao:
        decimals += _DIGITS[jiao] + "角"
    elif integer_part:
        decimals += "零"
    if fen:
        decimals += _DIGITS[fen] + "分"
    else:
        decimals += "整"
    return integer_part + decimals
