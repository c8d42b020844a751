"""Static files (scripts, styles, vendored Leaflet) under /static."""

from __future__ import annotations

from pathlib import Path

from litestar import Response
from litestar.static_files import create_static_files_router

STATIC_DIR = Path(__file__).parent / "static"


async def _nosniff(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


static_files = create_static_files_router(
    path="/static",
    directories=[STATIC_DIR],
    name="web_static",
    include_in_schema=False,
    after_request=_nosniff,
)
