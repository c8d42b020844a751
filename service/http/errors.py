"""Exception handlers: every error the service answers is RFC 9457 problem details."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import asyncpg.exceptions._base as asyncpg_base
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from service.db.pool import is_stale_catalog
from service.http.logging import request_id_var
from service.problems import (
    PROBLEM_JSON,
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    InternalError,
    MalformedBody,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    Problem,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from service.validation.messages import translate

log = logging.getLogger("boai.errors")

_BY_STATUS: dict[int, tuple[type[Problem], str]] = {
    401: (Unauthorized, "需要身份认证。"),
    403: (Forbidden, "无权执行此操作。"),
    404: (NotFound, "请求的资源不存在。"),
    405: (MethodNotAllowed, "该地址不支持此请求方法。"),
    413: (PayloadTooLarge, "请求体超过了允许的大小。"),
    415: (UnsupportedMediaType, "请使用 application/json 格式提交。"),
    429: (TooManyRequests, "请求过于频繁，请稍后再试。"),
}

DB_UNAVAILABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    # The protocol's own state errors when the server goes away mid-query ("cannot switch
    # to state ...; another operation is in progress", "not connected", ProtocolError), and
    # class 57 (admin/crash shutdown, database dropped, idle-session timeout).
    asyncpg.InternalClientError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.QueryCanceledError,
    # a server still recovering (a restore, a failover) accepts reads only
    asyncpg.ReadOnlySQLTransactionError,
)


def _from_litestar(exc: HTTPException) -> Problem:
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        errors = []
        for item in extra:
            if not isinstance(item, dict):
                continue
            code, en, zh = translate(str(item.get("message", "invalid")))
            errors.append(FieldError(f"/{item.get('key', '')}", code, en, zh))
        if "json" in str(exc.detail).lower() or not errors:
            return MalformedBody(str(exc.detail), "请求内容无法解析。")
        return BadRequest(
            "Invalid query or path parameters; see errors.",
            "查询参数或路径参数有误，详见 errors。",
            errors=errors,
        )
    kind, detail_zh = _BY_STATUS.get(exc.status_code, (BadRequest, "请求有误。"))
    problem = kind(str(exc.detail), detail_zh)
    problem.headers.update(exc.headers or {})
    return problem


# Raised by asyncpg itself (not by the server) when a value cannot be encoded for a query:
# an InterfaceError subclass, but the input's fault, not the database's.
CLIENT_DATA_ERROR = asyncpg_base.DataError


def _from_database(exc: Exception) -> Problem | None:
    """A last line of defence for input the validation let through: data and constraint
    errors are the request's fault (4xx), never a 500. Each one is logged: it means a
    rule is missing in front of the database."""
    if isinstance(exc, CLIENT_DATA_ERROR | asyncpg.DataError):
        log.warning("database refused a value: %s", exc)
        return BadRequest(
            "A value in the request cannot be stored.", "请求中有无法保存的取值。"
        )
    if isinstance(exc, asyncpg.UniqueViolationError):
        log.warning("unique violation reached the error mapper: %s", exc.constraint_name)
        return Conflict(
            "This conflicts with an existing record.", "与已有记录冲突。",
            constraint=exc.constraint_name,
        )
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        log.warning("constraint violation reached the error mapper: %s", exc)
        return ValidationFailed(
            "A value in the request breaks a rule of the data.", "请求中的取值不符合数据规则。",
            constraint=getattr(exc, "constraint_name", None),
        )
    return None


def problem_response(request: Request, exc: Exception) -> Response:
    if isinstance(exc, Problem):
        problem = exc
    elif isinstance(exc, HTTPException) and exc.status_code < 500:
        problem = _from_litestar(exc)
    elif is_stale_catalog(exc):
        # the database was restored under us: new connections fix it, so 503 meanwhile
        log.warning("stale type codecs after a restore; replacing the pool's connections")
        pool = getattr(getattr(request.app, "state", None), "pool", None) if request.app else None
        if pool is not None:
            pool.expire()
        problem = ServiceUnavailable(
            "The database was just restored; try again shortly.",
            "数据库刚刚完成恢复，请稍后重试。",
            headers={"Retry-After": "2"},
        )
    elif (refused := _from_database(exc)) is not None:
        problem = refused
    elif isinstance(exc, DB_UNAVAILABLE):
        log.warning("database unavailable: %s", type(exc).__name__)
        problem = ServiceUnavailable(
            "The database is unavailable; try again shortly.",
            "数据库暂时不可用，请稍后重试。",
            headers={"Retry-After": "5"},
        )
    else:
        log.error("unhandled error", exc_info=exc)
        problem = InternalError(
            "An internal error occurred; it has been logged.", "服务器内部错误，已记录。"
        )
    body = problem.body(instance=request.url.path, request_id=request_id_var.get())
    return Response(
        content=body, status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )
