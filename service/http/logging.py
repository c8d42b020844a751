"""Structured JSON logs, each line carrying the request id of the request it serves."""

from __future__ import annotations

import contextvars
import logging
import sys
import time
import uuid

import msgspec

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_encode = msgspec.json.Encoder().encode
_SAFE_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": request_id_var.get(),
            "msg": record.getMessage(),
        }
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            line.update(extra)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return _encode(line).decode()


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("granian", "granian.access", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def incoming_request_id(raw: str | None) -> str:
    """Honour a caller's X-Request-ID when it is short and plain, else make one."""
    if raw and len(raw) <= 64 and set(raw) <= _SAFE_ID:
        return raw
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Pure ASGI: sets the request id, returns it as X-Request-ID, logs one access line."""

    def __init__(self, app):  # type: ignore[no-untyped-def]
        self.app = app
        self.log = logging.getLogger("boai.access")

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                raw = value.decode("latin-1")
                break
        rid = incoming_request_id(raw)
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message):  # type: ignore[no-untyped-def]
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.log.info(
                "request",
                extra={
                    "fields": {
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    }
                },
            )
            request_id_var.reset(token)
