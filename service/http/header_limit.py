"""Refuse oversized request headers (431) before any routing or parsing."""

from __future__ import annotations

import msgspec

from service.http.logging import request_id_var
from service.problems import PROBLEM_JSON, TYPE_BASE

MAX_HEADER_BYTES = 16 * 1024


class HeaderLimitMiddleware:
    def __init__(self, app, max_bytes: int = MAX_HEADER_BYTES):  # type: ignore[no-untyped-def]
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            size = sum(len(k) + len(v) for k, v in scope.get("headers", ()))
            if size > self.max_bytes:
                body = msgspec.json.encode(
                    {
                        "type": TYPE_BASE + "headers-too-large",
                        "status": 431,
                        "title": "Request headers too large",
                        "title_zh": "请求头过大",
                        "detail": f"Headers total {size} bytes; the limit is {self.max_bytes}.",
                        "detail_zh": f"请求头共 {size} 字节，超过上限 {self.max_bytes} 字节。",
                        "request_id": request_id_var.get(),
                    }
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 431,
                        "headers": [
                            (b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
