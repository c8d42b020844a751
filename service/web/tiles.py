"""Optional map tiles: a URL template and the coordinate system its tiles are drawn in.

Chinese providers (Amap, Tencent) draw in GCJ-02, OpenStreetMap in WGS-84; the pages ask the
API for coordinates in the tiles' system (`?crs=`). Without tiles the vector layers still show.
Read from Settings (`tile_url`, `tile_crs`, `tile_attribution`) when it has them, else from
the environment (BOAI_TILE_URL, BOAI_TILE_CRS, BOAI_TILE_ATTRIBUTION).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit

CRS_VALUES = ("wgs84", "gcj02", "bd09")


@dataclass(frozen=True, slots=True)
class Tiles:
    url: str = ""
    crs: str = "wgs84"
    attribution: str = ""

    @property
    def origin(self) -> str | None:
        """The CSP source for the tile images (`{s}` subdomains become a wildcard)."""
        if not self.url:
            return None
        parts = urlsplit(self.url.replace("{s}", "*"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        host = parts.netloc.rsplit("@", 1)[-1]
        return f"{parts.scheme}://{host}"


def _pick(settings: object, field: str, env: str) -> str:
    value = getattr(settings, field, None)
    if value in (None, ""):
        value = os.environ.get(env, "")
    return str(value or "").strip()


def tiles_from(settings: object) -> Tiles:
    url = _pick(settings, "tile_url", "BOAI_TILE_URL")
    crs = _pick(settings, "tile_crs", "BOAI_TILE_CRS").lower()
    if crs not in CRS_VALUES:
        # Without a declared system: tiles from the usual Chinese providers are GCJ-02.
        chinese = any(host in url for host in ("amap", "autonavi", "qq.com"))
        crs = "gcj02" if chinese else "wgs84"
    attribution = _pick(settings, "tile_attribution", "BOAI_TILE_ATTRIBUTION")
    if Tiles(url).origin is None:
        url = ""
    return Tiles(url, crs, attribution)
