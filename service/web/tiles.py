"""Optional map tiles: a URL template and the coordinate system its tiles are drawn in.

Chinese providers (Amap, Tencent) draw in GCJ-02, OpenStreetMap in WGS-84; the pages ask the
API for coordinates in the tiles' system (`?crs=`). Without tiles the vector layers still show.
Read from Settings (`tile_url`, `tile_crs`, `tile_attribution`: BOAI_TILE_URL, BOAI_TILE_CRS,
BOAI_TILE_ATTRIBUTION) once, by create_app.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from service.config import Settings

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


def tiles_from(settings: Settings) -> Tiles:
    url = settings.tile_url.strip()
    crs = settings.tile_crs.strip().lower()
    if crs not in CRS_VALUES:
        # Without a declared system: tiles from the usual Chinese providers are GCJ-02.
        chinese = any(host in url for host in ("amap", "autonavi", "qq.com"))
        crs = "gcj02" if chinese else "wgs84"
    attribution = settings.tile_attribution.strip()
    if Tiles(url).origin is None:
        url = ""
    return Tiles(url, crs, attribution)
