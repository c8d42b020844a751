"""Request bodies: JSON only, validated in full before the handler runs.

Runs as a `before_request` hook, so it sees the body before Litestar's own
decoding (which would stop at the first invalid field). Handlers declare
`data: T` for the OpenAPI document and read the validated value with `body()`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from litestar import Request
from litestar.exceptions import InternalServerException

from service.problems import BadRequest, FieldError, MalformedBody, UnsupportedMediaType
from service.validation import decode_and_collect
from service.validation.normalise import bad_character, describe

T = TypeVar("T")
_JSON_TYPES = ("application/json", "application/merge-patch+json")


def check_parameters(request: Request) -> None:
    """Query and path parameters reach SQL too: a control character (NUL above all) or a
    lone surrogate is refused here, naming the parameter, before any handler runs."""
    pairs = [*request.path_params.items(), *request.query_params.multi_items()]
    errors = [
        FieldError(f"/{key}", "bad_character", *describe(ch))
        for key, value in pairs
        if isinstance(value, str)
        and (ch := bad_character(value) or bad_character(key)) is not None
    ]
    if errors:
        raise BadRequest(
            "A query or path parameter holds a character that is not allowed; see errors.",
            "查询参数或路径参数包含不允许的字符，详见 errors。",
            errors=errors,
        )


async def validate_body(request: Request) -> None:
    check_parameters(request)
    field = request.route_handler.parsed_data_field
    if field is None:
        return
    try:
        body = await request.body()
    except InternalServerException:
        # The server (granian) ends the body stream with a disconnect when the framing is
        # broken: a malformed chunk size, a chunk longer than announced, a body shorter
        # than its Content-Length. Litestar reports that as a 500; it is the client's.
        raise MalformedBody(
            "The request body is incomplete or its framing (chunk sizes, Content-Length) "
            "is malformed.",
            "请求体不完整或分块/长度格式错误。",
        ) from None
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if body and media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            f"Send the body as application/json, not {media_type or 'nothing'}.",
            "请以 application/json 格式提交请求体。",
        )
    # An empty body validates as JSON null: fine where the body is optional.
    request.state["body"] = decode_and_collect(field.annotation, body)


def body(request: Request[Any, Any, Any], _type: type[T]) -> T:
    """The validated, normalised body of this request."""
    value = request.state["body"]
    if not (isinstance(value, _type) or _type is object):
        raise TypeError(f"this route's body is a {type(value).__name__}, not a {_type.__name__}")
    return value
