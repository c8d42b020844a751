"""/api/v1/organisations and /api/v1/rounds/{code}/joint-rules (thin: rules in service.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK

from service.auth import Authenticated
from service.http.body import body
from service.organisations import service
from service.organisations.schemas import JointRulesIn, OrganisationIn

ADMIN = {"roles": ("admin",)}
STAFF = {"roles": ("reviewer", "dispatcher")}
PANEL = {"roles": ("reviewer",)}


class OrganisationsController(Controller):
    path = "/organisations"
    tags = ["organisations"]

    @get("/", opt=STAFF, summary="Organisations, their kinds, areas and members")
    async def list(self, request: Request) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            return await service.list_organisations(conn)

    @post(
        "/",
        opt=ADMIN,
        status_code=HTTP_200_OK,
        summary="Create or update an organisation (by code) with the area it covers",
    )
    async def save(self, request: Request, data: JSONBody[OrganisationIn]) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            return await service.save_organisation(conn, body(request, OrganisationIn))

    @put("/{code:str}/members/{user:str}", opt=ADMIN, summary="A staff user joins it")
    async def add_member(
        self, request: Request, code: FromPath[str], user: FromPath[str],
        principal: Authenticated,
    ) -> dict[str, str]:
        async with request.app.state.pool.acquire() as conn:
            await service.add_member(conn, code, user, principal.name)
        request.app.state.principals.clear()
        return {"organisation": code, "member": user}

    @delete("/{code:str}/members/{user:str}", opt=ADMIN, summary="A staff user leaves it")
    async def remove_member(
        self, request: Request, code: FromPath[str], user: FromPath[str]
    ) -> None:
        async with request.app.state.pool.acquire() as conn:
            await service.remove_member(conn, code, user)


class JointRulesController(Controller):
    path = "/rounds/{code:str}/joint-rules"
    tags = ["organisations"]

    @get("/", opt=PANEL, summary="Which organisations must review, the quorum, site visits")
    async def get(self, request: Request, code: FromPath[str]) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            return await service.get_rules(conn, code)

    @put("/", opt=ADMIN, summary="Set the round's joint rules")
    async def put(
        self, request: Request, code: FromPath[str], data: JSONBody[JointRulesIn],
        principal: Authenticated,
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            return await service.put_rules(conn, code, body(request, JointRulesIn), principal.name)

    @delete("/", opt=ADMIN, summary="Back to a flat panel (no joint rules)")
    async def delete(self, request: Request, code: FromPath[str]) -> None:
        async with request.app.state.pool.acquire() as conn:
            await service.delete_rules(conn, code)
