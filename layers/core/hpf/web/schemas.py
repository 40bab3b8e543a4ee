"""Response shapes every route shares."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


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
