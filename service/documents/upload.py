"""An uploaded document's bytes (a licence, a site-visit photo), within the configured size."""

from __future__ import annotations

from litestar import Request

from service.http.capped import read_capped
from service.problems import PayloadTooLarge


def _too_large(limit: int) -> PayloadTooLarge:
    mb = limit / 1_048_576
    return PayloadTooLarge(
        f"A document may have at most {limit} bytes.",
        f"文件过大：每个文件不能超过 {mb:g} MB，请压缩或拍摄清晰度较低的照片后重试。",
        max_bytes=limit,
    )


async def read_document(request: Request) -> bytes:
    """An uploaded document's bytes, within the configured document size."""
    limit = request.app.state.settings.document_max_bytes
    return await read_capped(request, limit, _too_large(limit))
