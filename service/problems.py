"""RFC 9457 problem details: the one place that turns errors into HTTP answers.

Handlers and services raise `Problem` subclasses (or let framework and database
errors surface); `exception_handlers` maps every error to application/problem+json.
No stack trace ever reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import msgspec

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://boai.example.org/problems/"

log = logging.getLogger("boai.errors")


class FieldError(msgspec.Struct, frozen=True):
    """One invalid field: a JSON pointer into the request, a code and two messages."""

    pointer: str
    code: str
    detail_en: str
    detail_zh: str


class ProblemBody(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    title_zh: str = ""
    detail_zh: str = ""
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None
    extensions: dict[str, Any] | None = None


class Problem(Exception):
    """A domain error with its HTTP status, in English and Chinese."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"
    title_zh: ClassVar[str] = "请求有误"

    def __init__(
        self,
        detail: str,
        detail_zh: str = "",
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh or detail
        self.errors = errors
        self.headers = headers or {}
        self.extensions = extensions or None

    def body(self, instance: str | None = None, request_id: str | None = None) -> ProblemBody:
        return ProblemBody(
            type=TYPE_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            title_zh=self.title_zh,
            detail_zh=self.detail_zh,
            instance=instance,
            request_id=request_id,
            errors=self.errors,
            extensions=self.extensions,
        )


def _kind(status: int, slug: str, title: str, title_zh: str) -> type[Problem]:
    return type(
        "".join(w.capitalize() for w in slug.split("-")),
        (Problem,),
        {"status": status, "slug": slug, "title": title, "title_zh": title_zh},
    )


BadRequest = _kind(400, "bad-request", "Bad request", "请求有误")
MalformedBody = _kind(400, "malformed-body", "Malformed request body", "请求体不是有效的 JSON")
Unauthorized = _kind(401, "unauthorized", "Authentication required", "需要身份认证")
Forbidden = _kind(403, "forbidden", "Forbidden", "无权执行此操作")
NotFound = _kind(404, "not-found", "Not found", "未找到")
MethodNotAllowed = _kind(405, "method-not-allowed", "Method not allowed", "不支持该请求方法")
Conflict = _kind(409, "conflict", "Conflict", "与当前状态冲突")
PreconditionFailed = _kind(
    412, "precondition-failed", "Precondition failed", "版本已变化，请刷新后重试"
)
PayloadTooLarge = _kind(413, "payload-too-large", "Request body too large", "请求体过大")
UnsupportedMediaType = _kind(
    415, "unsupported-media-type", "Unsupported media type", "不支持的内容类型"
)
ValidationFailed = _kind(422, "validation-failed", "Invalid request", "请求内容未通过校验")
PreconditionRequired = _kind(
    428, "precondition-required", "Precondition required", "缺少 If-Match 版本头"
)
TooManyRequests = _kind(429, "too-many-requests", "Too many requests", "请求过于频繁")
InternalError = _kind(500, "internal-error", "Internal server error", "服务器内部错误")
ServiceUnavailable = _kind(503, "service-unavailable", "Service unavailable", "服务暂时不可用")


def invalid(errors: list[FieldError]) -> Problem:
    """A 422 naming every invalid field at once."""
    count = len(errors)
    return ValidationFailed(
        f"{count} field(s) are invalid; see errors.",
        f"有 {count} 个字段未通过校验，详见 errors。",
        errors=errors,
    )
