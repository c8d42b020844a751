"""GET /api/v1/districts: Beijing's 16 district outlines from fixtures/beijing_districts.geojson
(simplified to ~200 m, for orientation only, never for spatial rules), in the asked CRS.

Read once from the fixture and converted once per CRS; public like the communities.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import msgspec
import numpy as np
import shapely
from litestar import Controller, Response, get
from litestar.params import Parameter
from shapely.geometry import shape

from geo import CRS, to_geojson, transform_geometry

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "beijing_districts.geojson"
ATTRIBUTION = "行政区划轮廓：Vonng/adcode（CC BY 4.0），简化约 200 米"
CrsParam = CRS  # the one definition is geo.CRS


class District(msgspec.Struct):
    type: Literal["Feature"]
    id: str
    properties: dict[str, str]
    geometry: dict[str, Any]


class Districts(msgspec.Struct):
    type: Literal["FeatureCollection"]
    crs_name: CrsParam
    attribution: str
    features: list[District]


@lru_cache(maxsize=3)
def districts(crs: CrsParam) -> Districts:
    source = msgspec.json.decode(FIXTURE.read_bytes())
    features = []
    for f in source["features"]:
        geom = shape(f["geometry"])
        if crs != "wgs84":
            geom = transform_geometry(geom, "wgs84", crs)
        geom = shapely.transform(geom, lambda xy: np.round(xy, 6))
        code, name = f["properties"]["code"], f["properties"]["name"]
        features.append(District("Feature", code, {"code": code, "name": name},
                                 to_geojson(geom)))
    return Districts("FeatureCollection", crs, ATTRIBUTION, features)


class DistrictsController(Controller):
    path = "/districts"
    tags = ["communities"]

    @get("/", summary="Beijing district outlines (simplified, for orienting maps)")
    async def list(
        self, crs: CrsParam = Parameter(default="wgs84", description="Output CRS")
    ) -> Response[Districts]:
        return Response(districts(crs), headers={"Cache-Control": "public, max-age=3600"})
