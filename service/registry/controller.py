"""Registry routes: stores (serving, nearest, detail, status), exports, coverage, disasters."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from service.auth import Authenticated
from service.communities.controller import community_feature
from service.communities.repository import list_communities
from service.http.body import body
from service.problems import BadRequest, FieldError, NotFound
from service.registry import coverage as cov
from service.registry import repository as repo
from service.registry import serving
from service.registry.disaster import declare, lift, listing
from service.registry.params import DISPATCH, READ, categories
from service.registry.places import point_in, service_day
from service.registry.schemas import (
    CoverageFeatures,
    CoverageReport,
    CrsName,
    DisasterAreaIn,
    DisasterAreaList,
    DisasterAreaOut,
    LiftIn,
    LiftOut,
    Phase,
    StatusChange,
    StoreDetail,
    StoresNear,
    StoresServing,
)
from service.registry.views import store_detail, store_features

GEOJSON = "application/geo+json"
Lon = Parameter(ge=-180.0, le=180.0, description="Longitude in `crs`")
Lat = Parameter(ge=-90.0, le=90.0, description="Latitude in `crs`")
CrsQuery = Parameter(default="wgs84", description="CRS of the point given and of the answer")
# Repeatable `?category=`: the store carries all of them.
Categories = Annotated[list[str] | None, QueryParameter(
    description="Required category (repeatable: the store carries all)")]


async def _detail(conn: Any, store_id: UUID, crs: CrsName) -> StoreDetail:
    day = service_day()
    row = await repo.store_detail(conn, store_id, day)
    if row is None:
        raise NotFound(f"No store {store_id}.", f"门店 {store_id} 不存在。")
    return store_detail(row, await repo.store_history(conn, store_id), day, crs)


class StoresController(Controller):
    path = "/stores"
    tags = ["registry"]

    @get("/serving", opt=READ,
         summary="Active stores whose delivery zone covers a point: the nearest `limit` "
                 "(ranked) and how many there are in all")
    async def serving(
        self, request: Request, lon: float = Lon, lat: float = Lat, crs: CrsName = CrsQuery,
        category: Categories = None,
        phase: Phase | None = Parameter(default=None, description="Tie-break: see ranking"),
        limit: int = Parameter(default=20, ge=1, le=100, description="Stores listed"),
    ) -> Response[StoresServing]:
        point = point_in(lon, lat, crs)
        wanted = categories(category)
        async with request.app.state.reads.acquire() as conn:  # may trail: a standby
            index, found, left, community = await serving.lookup(
                request.app.state.registry_index, conn, point,
                lambda index: index.serving(point, wanted), limit)
        where = serving.point_answer(lon, lat, crs, point, community)
        stores = serving.first_ranked(found, left, limit, phase)
        return Response(serving.answer(index, where, crs, stores, len(found), limit),
                        media_type="application/json")

    @get("/nearest", opt=READ, summary="Nearest active stores for walk-in (geodesic metres)")
    async def nearest(
        self, request: Request, lon: float = Lon, lat: float = Lat, crs: CrsName = CrsQuery,
        k: int = Parameter(default=5, ge=1, le=50),
        category: Categories = None,
    ) -> Response[StoresNear]:
        point = point_in(lon, lat, crs)
        wanted = categories(category)
        async with request.app.state.reads.acquire() as conn:
            index, found, left, community = await serving.lookup(
                request.app.state.registry_index, conn, point,
                lambda index: index.nearest(point, k, wanted))
        where = serving.point_answer(lon, lat, crs, point, community)
        return Response(serving.answer(index, where, crs, found.candidates(left, k)),
                        media_type="application/json")

    @get("/{store_id:uuid}", opt=READ, summary="A store, its capacity today and status history")
    async def detail(self, request: Request, store_id: FromPath[UUID],
                     crs: CrsName = CrsQuery) -> StoreDetail:
        async with request.app.state.pool.acquire() as conn:
            return await _detail(conn, store_id, crs)

    @patch("/{store_id:uuid}/status", opt=DISPATCH, summary="Suspend, close, reopen a store")
    async def set_status(self, request: Request, store_id: FromPath[UUID],
                         data: JSONBody[StatusChange], principal: Authenticated,
                         crs: CrsName = CrsQuery) -> StoreDetail:
        change = body(request, StatusChange)
        async with request.app.state.pool.acquire() as conn:
            done = await repo.change_status(conn, store_id, change.status, change.reason,
                                            principal.name)
            if done is None:
                raise NotFound(f"No store {store_id}.", f"门店 {store_id} 不存在。")
            return await _detail(conn, store_id, crs)


class ExportsController(Controller):
    """GeoJSON files for QGIS (application/geo+json, RFC 7946 plus a `crs_name` member)."""

    path = "/"
    tags = ["exports"]

    @get("/stores.geojson", opt=READ, summary="Stores (points) and delivery zones (polygons)")
    async def stores(
        self, request: Request, crs: CrsName = CrsQuery,
        layer: Literal["all", "points", "zones"] = Parameter(
            default="all", description="all: points and zones (QGIS: two sublayers)"),
        status: FromQuery[Literal["active", "suspended", "closed", "affected"] | None] = None,
    ) -> Response[dict[str, Any]]:
        async with request.app.state.reads.acquire() as conn:
            rows = await repo.export_stores(conn, status)
        features = [f for r in rows for f in store_features(r, crs, layer)]
        content = {"type": "FeatureCollection", "crs_name": crs, "features": features}
        return Response(content, media_type=GEOJSON)

    @get("/communities.geojson", summary="Communities with boundaries and population counts")
    async def communities(
        self, request: Request, crs: CrsName = CrsQuery,
        pilot: FromQuery[bool | None] = None,
    ) -> Response[dict[str, Any]]:
        async with request.app.state.reads.acquire() as conn:
            rows = await list_communities(conn, pilot)
        content = {"type": "FeatureCollection", "crs_name": crs,
                   "features": [community_feature(r, crs) for r in rows]}
        return Response(content, media_type=GEOJSON)


class CoverageController(Controller):
    path = "/coverage"
    tags = ["registry"]

    @get("/", opt=READ, summary="Pilot communities, the stores serving them, and the gaps")
    async def coverage(
        self, request: Request,
        min_stores: int = Parameter(default=1, ge=1, le=100, description="k: gaps have < k"),
        walk_m: float = Parameter(default=1000.0, gt=0, le=1000, description="Walk-in reach"),
        list_limit: int = Parameter(default=10, ge=1, le=100,
                                    description="Stores listed per community and way"),
        format: FromQuery[Literal["json", "geojson"]] = "json",
        crs: CrsName = Parameter(default="wgs84", description="CRS of geojson output"),
    ) -> Response[CoverageReport | CoverageFeatures]:
        if min_stores > list_limit:
            raise BadRequest(
                "min_stores cannot exceed list_limit.", "min_stores 不能大于 list_limit。",
                errors=[FieldError("/min_stores", "too_large", "At most list_limit.",
                                   "不能大于 list_limit。")],
            )
        geojson = format == "geojson"
        rows = await repo.coverage(request.app.state.reads.one(), walk_m, min_stores, list_limit,
                                   geojson, request.app.state.coverage_cache)
        if geojson:
            return Response(cov.feature_collection(rows, crs, min_stores, walk_m),
                            media_type=GEOJSON)
        # CoverageReport, already encoded (coverage.report)
        return Response(cov.report(rows, min_stores, walk_m, list_limit),
                        media_type=MediaType.JSON)


class DisasterAreasController(Controller):
    path = "/disaster-areas"
    tags = ["registry"]

    @get("/", opt=READ, summary="Declared disaster areas, newest first (what-ifs are not stored)")
    async def list_areas(
        self, request: Request, crs: CrsName = CrsQuery,
        include_lifted: bool = Parameter(default=False, description="Also the lifted ones"),
    ) -> DisasterAreaList:
        async with request.app.state.pool.acquire() as conn:
            return await listing(conn, crs, include_lifted)

    @post("/{area_id:uuid}/lift", opt={**DISPATCH, "problems": ("409",)}, status_code=200,
          summary="Lift a declared area: its stores go back to their status before it")
    async def lift_area(self, request: Request, area_id: FromPath[UUID], data: JSONBody[LiftIn],
                        principal: Authenticated) -> LiftOut:
        change = body(request, LiftIn)
        async with request.app.state.pool.acquire() as conn:
            return await lift(conn, area_id, change, principal.name)

    @post("/", opt=DISPATCH, status_code=HTTP_201_CREATED,
          summary="What a disaster area takes out (mark_affected false: a what-if, not stored); "
                  "with mark_affected, declare it")
    async def create(
        self, request: Request, data: JSONBody[DisasterAreaIn], principal: Authenticated,
        crs: CrsName | None = Parameter(default=None, description="Answer CRS (default: body's)"),
    ) -> DisasterAreaOut:
        area = body(request, DisasterAreaIn)
        async with request.app.state.pool.acquire() as conn:
            return await declare(conn, area, principal.name, crs or area.crs, service_day())
