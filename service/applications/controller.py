"""HTTP routes of the intake: /api/v1/applications."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from geo import CRS
from service.applications import service
from service.applications.outcome import decision_view
from service.applications.schemas import Application, Withdrawal
from service.applications.views import application_view, store_view
from service.auth import Authenticated, MaybeAuthenticated
from service.http import idempotency
from service.http.body import body
from service.http.versions import etag, if_match_version

STAFF = ("admin", "reviewer", "dispatcher")
ANYONE_WITH_ACCESS = {"roles": STAFF, "applicant": True}
# Only the applicant changes its own application; admins may act for it.
APPLICANT_OR_ADMIN = {"roles": ("admin",), "applicant": True}
Crs = CRS  # the one definition is geo.CRS


async def _replay(request: Request, conn: Any, stored: idempotency.Stored) -> Response[Any]:
    body = stored.body
    if stored.status == 201 and isinstance(body, dict) and "id" in body:
        token = await service.reissue_applicant_token(conn, UUID(body["id"]))
        # Other workers hear of the revoked token by notification; this one at once.
        request.app.state.principals.clear()
        body = {**body, "applicant_token": token}
    return Response(body, status_code=stored.status, headers={"Idempotent-Replayed": "true"})


class ApplicationsController(Controller):
    path = "/applications"
    tags = ["applications"]

    @post("/", summary="Apply as a merchant or an NGO (honours Idempotency-Key)")
    async def submit(
        self, request: Request, data: JSONBody[Application], caller: MaybeAuthenticated
    ) -> Response[Any]:
        await request.app.state.applicant_limiter.hit(request)
        app = body(request, Application)
        key = idempotency.from_header(
            request.headers.get(idempotency.HEADER), "POST /applications", msgspec.to_builtins(app)
        )
        # A public route: a token is optional, and only a staff one changes the answer.
        staff = caller is not None and caller.is_staff
        async with request.app.state.pool.acquire() as conn:
            if key is not None:
                stored = await idempotency.claim(
                    conn, key, request.app.state.settings.idempotency_lease
                )
                if stored is not None:
                    return await _replay(request, conn, stored)
            try:
                async with conn.transaction():
                    created = await service.create(conn, app, reveal_existing=staff)
                    if key is not None:
                        # The token is not stored: a replay issues a fresh one.
                        kept = {k: v for k, v in created.items() if k != "applicant_token"}
                        await idempotency.complete(conn, key, 201, kept)
            except BaseException:
                if key is not None:
                    await idempotency.release_quietly(conn, key)
                raise
        return Response(created, status_code=201, headers={"Location": created["status_url"]})

    @get("/", opt={"roles": STAFF}, summary="List applications (staff), contacts masked")
    async def list(
        self,
        request: Request,
        principal: Authenticated,
        round: str | None = Parameter(default=None, max_length=64),
        status: FromQuery[
            Literal[
                "submitted",
                "under_review",
                "info_requested",
                "approved",
                "rejected",
                "waitlisted",
                "withdrawn",
            ]
            | None
        ] = None,
        kind: FromQuery[Literal["merchant", "ngo"] | None] = None,
        page: int = Parameter(default=1, ge=1, le=100_000),
        per_page: int = Parameter(default=20, ge=1, le=100),
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            rows = await service.listing(conn, round, status, kind, page, per_page, principal)
        return {
            "items": [application_view(r, principal, full=False) for r in rows],
            "page": page,
            "per_page": per_page,
            "total": rows[0]["total"] if rows else 0,
        }

    @get("/{application_id:uuid}", opt=ANYONE_WITH_ACCESS, summary="One application")
    async def read(
        self,
        request: Request,
        application_id: FromPath[UUID],
        principal: Authenticated,
        crs: Crs = Parameter(default="wgs84"),
    ) -> Response[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            row = await service.fetch(conn, application_id, principal)
            stores = await service.stores_of(conn, application_id)
            requests = await service.info_requests(conn, application_id)
            decision = await decision_view(conn, application_id, row["status"], row["kind"])
        view = application_view(row, principal)
        view["stores"] = [store_view(s, crs) for s in stores]
        view["info_requests"] = requests
        view["decision"] = decision
        return Response(view, headers=etag(row["version"]))

    @patch(
        "/{application_id:uuid}",
        opt=APPLICANT_OR_ADMIN,
        summary="Amend (JSON merge patch) while amendable; `answer` replies to info requests",
    )
    async def amend(
        self,
        request: Request,
        application_id: FromPath[UUID],
        data: JSONBody[dict[str, Any]],
        principal: Authenticated,
    ) -> Response[dict[str, Any]]:
        patch_body: dict[str, Any] = body(request, dict)
        async with request.app.state.pool.acquire() as conn:
            result = await service.amend(
                conn, application_id, patch_body, principal, if_match_version(request)
            )
        return Response(result, headers=etag(result["version"]))

    @post(
        "/{application_id:uuid}/withdraw",
        opt=APPLICANT_OR_ADMIN,
        status_code=200,
        summary="Withdraw from any open state",
    )
    async def withdraw(
        self,
        request: Request,
        application_id: FromPath[UUID],
        principal: Authenticated,
        data: JSONBody[Withdrawal | None] = None,
    ) -> dict[str, Any]:
        reason = body(request, Withdrawal).reason if data is not None else ""
        async with request.app.state.pool.acquire() as conn:
            await service.fetch(conn, application_id, principal)
            actor = principal.name if principal.is_staff else service.APPLICANT_ACTOR
            version = await service.transition(conn, application_id, "withdrawn", actor, reason)
        return {"id": str(application_id), "status": "withdrawn", "version": version}

    @get(
        "/{application_id:uuid}/audit",
        opt={"roles": ("admin", "reviewer")},
        summary="The application's audit trail",
    )
    async def audit(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            return await service.audit_trail(conn, application_id, principal)
