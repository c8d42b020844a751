"""GET /api/v1/communities: the pilot communities as GeoJSON; POST .../import (admins)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, Parameter

from geo import CRS, to_geojson, transform_geometry
from service.communities.importer import import_communities
from service.communities.repository import COUNT_FIELDS, list_communities
from service.communities.schemas import FeatureCollectionIn, ImportResult
from service.http.body import body

CrsParam = CRS  # the one definition is geo.CRS


def community_feature(row: Any, crs: CrsParam) -> dict[str, Any]:
    geom = row["geom"] if crs == "wgs84" else transform_geometry(row["geom"], "wgs84", crs)
    properties = {
        "code": row["code"],
        "name": row["name"],
        "name_full": row["name_full"],
        "street": row["street"],
        "district": row["district"],
        **{f: row[f] for f in COUNT_FIELDS},
        "estimated": list(row["estimated"]),
        **row["properties"],
    }
    return {
        "type": "Feature",
        "id": row["code"],
        "geometry": to_geojson(geom),
        "properties": properties,
    }


class CommunitiesController(Controller):
    path = "/communities"
    tags = ["communities"]

    @get("/", summary="Pilot communities as a GeoJSON FeatureCollection")
    async def list(
        self, request: Request, crs: CrsParam = Parameter(default="wgs84", description="Output CRS")
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            rows = await list_communities(conn)
        return {
            "type": "FeatureCollection",
            "crs_name": crs,
            "features": [community_feature(r, crs) for r in rows],
        }

    @post(
        "/import",
        opt={"roles": ("admin",)},
        status_code=200,
        summary="Upsert communities from a GeoJSON FeatureCollection (all or nothing)",
    )
    async def import_(
        self,
        request: Request,
        data: JSONBody[FeatureCollectionIn],
        crs: CrsParam = Parameter(default="wgs84", description="CRS of the coordinates sent"),
    ) -> ImportResult:
        collection = body(request, FeatureCollectionIn)
        async with request.app.state.pool.acquire() as conn:
            return await import_communities(conn, collection, crs)
