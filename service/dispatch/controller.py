"""Dispatch routes: route one household (and reserve), release, plan a batch."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, Parameter

from service.auth import Authenticated
from service.dispatch import repository as repo
from service.dispatch.batch import plan
from service.dispatch.routing import route
from service.dispatch.schemas import (
    AssignAnswer,
    AssignRequest,
    HouseholdReservations,
    Release,
    RouteAnswer,
    RouteRequest,
)
from service.http.body import body
from service.problems import NotFound
from service.registry.params import DISPATCH
from service.registry.places import service_day
from service.registry.schemas import CrsName
from service.registry.views import reservation_out


class DispatchController(Controller):
    path = "/dispatch"
    tags = ["dispatch"]

    @post("/route", opt=DISPATCH, status_code=200,
          summary="Rank stores for a household and reserve the best one's capacity today")
    async def route(
        self, request: Request, data: JSONBody[RouteRequest], principal: Authenticated,
        crs: CrsName | None = Parameter(default=None,
                                        description="Answer CRS (default: the household's)"),
    ) -> RouteAnswer:
        req = body(request, RouteRequest)
        by = principal.name
        async with request.app.state.pool.acquire() as conn:
            return await route(conn, req, by, crs or req.household.crs,
                               request.app.state.settings)

    @get("/reservations", opt=DISPATCH,
         summary="A household's reservations on a day (default today), found by its ref")
    async def reservations(
        self, request: Request,
        household_ref: Annotated[str, Parameter(min_length=1, max_length=100,
                                                description="The ref given when routing")],
        day: date | None = Parameter(default=None, description="Service day (Beijing)"),
        crs: CrsName = Parameter(default="wgs84", description="CRS of the coordinates"),
    ) -> HouseholdReservations:
        ref = household_ref.strip()
        on = day or service_day()
        async with request.app.state.pool.acquire() as conn:
            rows = await repo.reservations_by_household(conn, ref, on)
        return HouseholdReservations(ref, on, crs, [reservation_out(r, crs) for r in rows])

    @post("/reservations/{reservation_id:uuid}/release", opt=DISPATCH, status_code=200,
          summary="Give a reserved unit of capacity back (idempotent)")
    async def release(self, request: Request, reservation_id: FromPath[UUID]) -> Release:
        async with request.app.state.pool.acquire() as conn:
            row, now = await repo.release(conn, reservation_id)
        if row is None:
            raise NotFound(f"No reservation {reservation_id}.", f"预约 {reservation_id} 不存在。")
        return Release(row["id"], row["store_id"], row["name"], row["day"], row["released_at"],
                       now)

    @post("/assign", opt=DISPATCH, status_code=200,
          summary="Plan a batch: households to stores within capacity, least total distance")
    async def assign(self, request: Request, data: JSONBody[AssignRequest]) -> AssignAnswer:
        req = body(request, AssignRequest)
        async with request.app.state.pool.acquire() as conn:
            return await plan(conn, req)
