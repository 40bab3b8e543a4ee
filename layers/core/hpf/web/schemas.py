"""Shapes every route shares: the error body, paging, and the bounded field types of every request model.

Amounts, dates and counts are bounded here, once, for every area: a request model uses ``Money`` and ``Day`` rather
than a bare ``Decimal`` or ``date``. Out of bounds is a 400 with the field named, never a 500 further in (an amount
of 1e28 overflows the fen-exact arithmetic; a JSON number 8.36e306 is a float Decimal cannot quantize; a day of
``0`` is read by pydantic as 1970-01-01 — a Unix timestamp).
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

MAX_AMOUNT = Decimal("999999999999.99")  # under a trillion yuan: 14 digits, exact to the fen
EARLIEST_DAY, LATEST_DAY = date(1990, 1, 1), date(2099, 12, 31)  # the business dates a request may name
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_day_only(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` (or a date): no Unix timestamps, no datetimes, no '2026-1-5'."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value):
        return value
    raise ValueError("日期须为 YYYY-MM-DD 格式")


def _business_day_range(value: date) -> date:
    if not EARLIEST_DAY <= value <= LATEST_DAY:
        raise ValueError(f"日期须在{EARLIEST_DAY}至{LATEST_DAY}之间")
    return value


Money = Annotated[Decimal, Field(gt=Decimal("0"), le=MAX_AMOUNT, max_digits=14, decimal_places=2,
                                 allow_inf_nan=False, description="金额（元），最多两位小数")]
"""A positive amount in yuan, exact to the fen, below a trillion."""

Day = Annotated[date, BeforeValidator(_iso_day_only), AfterValidator(_business_day_range)]
"""A business date, YYYY-MM-DD, between 1990 and 2099."""

Position = Annotated[int, Field(ge=1, le=99_999_999)]
"""A 1-based record number or log size: at most eight digits (the bank's BeginRec, 4.1.4, has eight)."""


class Schema(BaseModel):
    """Base of every HTTP model. Validators are built on first use, not at import: a cold start that
    answers one route pays for that route's models only."""

    model_config = ConfigDict(defer_build=True)


class ErrorBody(Schema):
    code: str = Field(description="stable machine code, e.g. INVALID_RESIDENT_ID")
    message: str = Field(description="中文说明，可直接展示给用户")
    details: Any = None


class PageQuery(Schema):
    page_size: int = Field(50, ge=1, le=200, description="每页条数")
    page_token: str | None = Field(None, description="上一页返回的 next_page_token")


def _decodes_as_base64(value: str) -> str:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("不是合法的Base64编码") from None
    return value


Base64Text = Annotated[str, AfterValidator(_decodes_as_base64)]
"""A file's bytes in a JSON body (uploads, PDFs to verify): must decode as standard Base64."""
