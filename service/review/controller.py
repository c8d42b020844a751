"""/api/v1/applications/{id}/...: scorecard, reviews, conflicts, info requests, decision."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.applications import service as applications
from service.auth.guard import Authenticated
from service.http.body import body
from service.http.versions import etag, if_match_version
from service.review import service
from service.review.schemas import ConflictIn, DecisionIn, InfoRequestIn, ReviewIn
from service.review.scorecards import stored_scorecard
from service.visits.service import evidence

PANEL = {"roles": ("reviewer",)}


class ReviewController(Controller):
    path = "/applications/{application_id:uuid}"
    tags = ["review"]

    @get(
        "/scorecard",
        opt={"roles": ("reviewer",), "applicant": True},
        summary="The automatic scorecard, with the rubric version it used",
    )
    async def scorecard(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            card = await stored_scorecard(conn, application_id)
            # What the field saw (site visits, training) next to what was declared: staff only.
            card["evidence"] = await evidence(conn, application_id) if principal.is_staff else None
            return card

    @get("/reviews", opt=PANEL, summary="The panel's reviews")
    async def reviews(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.reviews_of(conn, application_id)

    @post(
        "/reviews",
        opt=PANEL,
        status_code=HTTP_201_CREATED,
        summary="Score on the rubric's criteria (one review per reviewer, amendable)",
    )
    async def review(
        self, request: Request, application_id: FromPath[UUID], data: JSONBody[ReviewIn],
        principal: Authenticated,
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            return await service.submit_review(
                conn, principal, application_id, body(request, ReviewIn)
            )

    @get("/conflicts", opt=PANEL, summary="Conflicts of interest declared on it")
    async def conflicts(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.conflicts_of(conn, application_id)

    @post(
        "/conflicts",
        opt=PANEL,
        status_code=HTTP_201_CREATED,
        summary="Declare a conflict of interest",
    )
    async def conflict(
        self, request: Request, application_id: FromPath[UUID], data: JSONBody[ConflictIn],
        principal: Authenticated,
    ) -> dict[str, str]:
        reason = body(request, ConflictIn).reason
        async with request.app.state.pool.acquire() as conn:
            await service.declare_conflict(conn, principal, application_id, reason)
        return {"application_id": str(application_id), "declared": "conflict"}

    @post(
        "/info-requests",
        opt=PANEL,
        status_code=HTTP_201_CREATED,
        summary="Ask the applicant for information or documents (moves it to info_requested)",
    )
    async def info_request(
        self, request: Request, application_id: FromPath[UUID], data: JSONBody[InfoRequestIn],
        principal: Authenticated,
    ) -> dict[str, Any]:
        ask = body(request, InfoRequestIn)
        async with request.app.state.pool.acquire() as conn:
            return await service.request_info(conn, principal, application_id, ask)

    @post(
        "/decision",
        opt=PANEL,
        status_code=HTTP_200_OK,
        summary="Approve, reject or waitlist (If-Match required)",
    )
    async def decision(
        self, request: Request, application_id: FromPath[UUID], data: JSONBody[DecisionIn],
        principal: Authenticated,
    ) -> Response[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            result = await service.decide(
                conn,
                principal,
                application_id,
                body(request, DecisionIn),
                if_match_version(request),
            )
        return Response(result, headers=etag(result["version"]))
