"""Typed domain errors.

Every error the platform shows a caller carries a stable machine code (clients and tests match on it), a
Chinese message for the person in front of the screen, and the HTTP status the web layer maps it to. Codes
are never reused for a different meaning; docs/errors.md lists them.
"""

from __future__ import annotations

from typing import Any


class HpfError(Exception):
    """Base of all expected errors. Anything else reaching the web layer is a defect (500)."""

    status = 400
    code = "BAD_REQUEST"
    message = "请求有误"

    def __init__(self, message: str | None = None, *, code: str | None = None, details: Any = None):
        self.message = message or type(self).message
        self.code = code or type(self).code
        self.details = details
        super().__init__(f"{self.code}: {self.message}")

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class ValidationFailed(HpfError):
    status = 400
    code = "VALIDATION_FAILED"
    message = "请求参数校验未通过"


class Unauthenticated(HpfError):
    status = 401
    code = "UNAUTHENTICATED"
    message = "未登录或登录已失效，请重新登录"


class Forbidden(HpfError):
    status = 403
    code = "FORBIDDEN"
    message = "无权办理此业务"


class NotFound(HpfError):
    status = 404
    code = "NOT_FOUND"
    message = "记录不存在"


class Conflict(HpfError):
    """The request contradicts the current state: a duplicate, or a concurrent change won the race."""

    status = 409
    code = "CONFLICT"
    message = "业务状态已变化，请刷新后重试"


class BusinessRuleViolation(HpfError):
    """Well-formed input that the policy or the account's state does not allow."""

    status = 422
    code = "BUSINESS_RULE"
    message = "不符合业务规则"


class TooManyRequests(HpfError):
    """A caller over its rate (public routes, by address)."""

    status = 429
    code = "RATE_LIMITED"
    message = "请求过于频繁，请稍后再试"


class TransientFailure(HpfError):
    """A dependency failed in a way worth retrying (throttling, timeout before any effect)."""

    status = 503
    code = "TEMPORARILY_UNAVAILABLE"
    message = "系统繁忙，请稍后重试"
