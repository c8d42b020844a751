"""/api/v1/applications/{id}/site-visits and /trainings (thin: rules in service.py)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from service.applications import service as applications
from service.auth import Authenticated
from service.documents.content import check
from service.documents.upload import read_document
from service.http.body import body
from service.visits import service
from service.visits.schemas import SiteVisitIn, TrainingIn

PANEL = {"roles": ("reviewer",)}
STREAM_CEILING = 64 * 1024 * 1024  # the route's own cap; the document setting applies below


class VisitsController(Controller):
    path = "/applications/{application_id:uuid}"
    tags = ["review"]

    @get("/site-visits", opt=PANEL, summary="On-site checks of the candidate's stores")
    async def visits(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> list[Any]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.visits_of(conn, application_id)

    @post(
        "/site-visits",
        opt=PANEL,
        status_code=HTTP_201_CREATED,
        summary="Record an on-site check (checklist, notes, photos from its documents)",
    )
    async def visit(
        self, request: Request, application_id: FromPath[UUID], data: JSONBody[SiteVisitIn],
        principal: Authenticated,
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.record_visit(
                conn, principal, application_id, body(request, SiteVisitIn)
            )

    @post(
        "/site-visit-photos",
        opt=PANEL,
        request_max_body_size=STREAM_CEILING,
        status_code=HTTP_201_CREATED,
        summary="Upload a photo taken on a site visit (the image as the body)",
    )
    async def photo(
        self,
        request: Request,
        application_id: FromPath[UUID],
        principal: Authenticated,
        filename: Annotated[str, QueryParameter(min_length=1, max_length=400)],
    ) -> dict[str, Any]:
        pool = request.app.state.pool
        async with pool.acquire() as conn:  # who first; a slow upload holds no connection
            await applications.fetch(conn, application_id, principal)
        data = await read_document(request)
        checked = check(data, filename, request.headers.get("content-type", ""))
        async with pool.acquire() as conn:
            return await service.store_photo(conn, principal, application_id, checked, data)

    @get("/trainings", opt=PANEL, summary="Training sessions of the merchant's staff")
    async def trainings(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> list[Any]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.trainings_of(conn, application_id)

    @post(
        "/trainings",
        opt=PANEL,
        status_code=HTTP_201_CREATED,
        summary="Record a training session (approved merchants only)",
    )
    async def training(
        self, request: Request, application_id: FromPath[UUID], data: JSONBody[TrainingIn],
        principal: Authenticated,
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.record_training(
                conn, principal, application_id, body(request, TrainingIn)
            )
