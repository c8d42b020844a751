"""Raw request bodies (uploads, files, CSV batches) read with a byte cap.

Routes that take a raw body raise Litestar's own cap high (`request_max_body_size`) and
enforce the configured limit here, so the answer is our 413 problem with the route's own
words, given as soon as the declared or streamed size passes the limit.
"""

from __future__ import annotations

from litestar import Request

from service.problems import PayloadTooLarge


async def read_capped(request: Request, limit: int, too_large: PayloadTooLarge) -> bytes:
    """The body, refused with `too_large` as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)
