"""/api/v1/leads and /api/v1/invitations (thin: rules in service.py)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.applications import service as applications
from service.auth import Authenticated
from service.http.body import body
from service.leads import service
from service.leads.schemas import InvitationIn, LeadIn, TokenIn

STAFF = {"roles": ("reviewer", "dispatcher")}
PANEL = {"roles": ("reviewer",)}


class LeadsController(Controller):
    path = "/leads"
    tags = ["leads"]

    @post(
        "/", opt=STAFF, status_code=HTTP_201_CREATED, summary="Record a merchant found in the field"
    )
    async def record(
        self, request: Request, data: JSONBody[LeadIn], principal: Authenticated
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            return await service.record(conn, principal, body(request, LeadIn))

    @get("/", opt=STAFF, summary="Leads of the caller's organisation, with pilot communities "
         "nearby that lack stores")
    async def list(
        self,
        request: Request,
        principal: Authenticated,
        near_gaps: Annotated[bool, QueryParameter(description="only leads near such gaps")] = False,
    ) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            return await service.leads_for(conn, principal, near_gaps)

    @get("/conversion", opt=PANEL, summary="Leads -> applications -> decisions, per organisation")
    async def conversion(self, request: Request) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            return await service.conversion(conn)

    @post(
        "/{lead_id:uuid}/invitation",
        opt=STAFF,
        status_code=HTTP_201_CREATED,
        summary="A one-use, expiring link to /apply prefilled from the lead (shown once)",
    )
    async def invite(
        self, request: Request, lead_id: FromPath[UUID], data: JSONBody[InvitationIn | None],
        principal: Authenticated,
    ) -> dict[str, Any]:
        ask = request.state["body"] or InvitationIn()
        async with request.app.state.pool.acquire() as conn:
            return await service.invite(conn, principal, lead_id, ask.valid_days)


class InvitationsController(Controller):
    path = "/"
    tags = ["leads"]

    @post(
        "/invitations/open",
        status_code=HTTP_200_OK,
        summary="What an invitation's lead knows, to prefill the form (public; does not use it)",
    )
    async def open(self, request: Request, data: JSONBody[TokenIn]) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            return await service.open_invitation(conn, body(request, TokenIn).token)

    @post(
        "/applications/{application_id:uuid}/invitation",
        opt={"roles": ("admin",), "applicant": True},
        status_code=HTTP_200_OK,
        summary="The application came from this invitation: uses it up (once)",
    )
    async def redeem(
        self, request: Request, application_id: FromPath[UUID], data: JSONBody[TokenIn],
        principal: Authenticated,
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.redeem(conn, body(request, TokenIn).token, application_id)
