"""Jinja2 rendering of the pages, with the headers every page carries.

The pages are public HTML with no data of their own; the Content-Security-Policy admits
only this origin (plus the configured tile server for images): no inline script or style.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Response
from litestar.enums import MediaType

from service.web.tiles import Tiles

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def content_security_policy(tiles: Tiles) -> str:
    images = "'self' data:" + (f" {tiles.origin}" if tiles.origin else "")
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def page(template: str, tiles: Tiles, **context: Any) -> Response[str]:
    html = environment().get_template(template).render(tiles=tiles, **context)
    return Response(
        html,
        media_type=MediaType.HTML,
        headers={
            "Content-Security-Policy": content_security_policy(tiles),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-store",
        },
    )
