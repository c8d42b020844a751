"""/api/v1/applications/{id}/site-visits and /trainings (thin: rules in service.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from service.applications import service as applications
from service.auth import current_principal
from service.auth.principal import Principal
from service.http.body import body
from service.http.problems import Unauthorized
from service.visits import service
from service.visits.schemas import SiteVisitIn, TrainingIn

PANEL = {"roles": ("reviewer",)}


def caller(request: Request) -> Principal:
    principal = current_principal(request)
    if principal is None:
        raise Unauthorized("A valid bearer token is required.", "需要有效的访问令牌。")
    return principal


class VisitsController(Controller):
    path = "/applications/{application_id:uuid}"
    tags = ["review"]

    @get("/site-visits", opt=PANEL, summary="On-site checks of the candidate's stores")
    async def visits(self, request: Request, application_id: FromPath[UUID]) -> list[Any]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, caller(request))
            return await service.visits_of(conn, application_id)

    @post(
        "/site-visits",
        opt=PANEL,
        status_code=HTTP_201_CREATED,
        summary="Record an on-site check (checklist, notes, photos from its documents)",
    )
    async def visit(
        self, request: Request, application_id: FromPath[UUID], data: JSONBody[SiteVisitIn]
    ) -> dict[str, Any]:
        principal = caller(request)
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.record_visit(
                conn, principal, application_id, body(request, SiteVisitIn)
            )

    @get("/trainings", opt=PANEL, summary="Training sessions of the merchant's staff")
    async def trainings(self, request: Request, application_id: FromPath[UUID]) -> list[Any]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, caller(request))
            return await service.trainings_of(conn, application_id)

    @post(
        "/trainings",
        opt=PANEL,
        status_code=HTTP_201_CREATED,
        summary="Record a training session (approved merchants only)",
    )
    async def training(
        self, request: Request, application_id: FromPath[UUID], data: JSONBody[TrainingIn]
    ) -> dict[str, Any]:
        principal = caller(request)
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.record_training(
                conn, principal, application_id, body(request, TrainingIn)
            )
