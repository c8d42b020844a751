"""Optimistic concurrency over HTTP: a resource's version goes out as its ETag and comes back
as If-Match, so two reviewers (or a merchant and a reviewer) cannot overwrite each other."""

from __future__ import annotations

from litestar import Request

from service.problems import BadRequest


def etag(version: int) -> dict[str, str]:
    """The response headers that name this version."""
    return {"ETag": f'"{version}"'}


def if_match_version(request: Request) -> int | None:
    """The version the caller last saw (If-Match), or None when it sent none."""
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    # isdigit() alone accepts "²" and "１", which int() refuses or reads unexpectedly.
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        raise BadRequest("If-Match must be an ETag from this service.", "If-Match 头格式不正确。")
    return int(value)
