"""/api/v1/rounds: rounds, rubrics, reviewers, ranking, shortlist, rescore."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Meta

from service.auth import Authenticated
from service.http.body import body
from service.organisations.service import area_of
from service.review.joint_ranking import joint_view
from service.review.ranking import ranking, recommend
from service.review.schemas import ShortlistIn
from service.rounds import service

ADMIN = {"roles": ("admin",)}
PANEL = {"roles": ("reviewer",)}
RoundCode = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]


class NewRound(msgspec.Struct, forbid_unknown_fields=True):
    code: RoundCode
    name: Annotated[str, Meta(min_length=2, max_length=200)]
    status: Literal["open", "closed"] = "open"
    rubric: dict[str, Any] | None = None


class RubricIn(msgspec.Struct, forbid_unknown_fields=True):
    rubric: dict[str, Any]


class RoundStatus(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["open", "closed"]


class RoundsController(Controller):
    path = "/rounds"
    tags = ["rounds"]

    @post("/", opt=ADMIN, status_code=HTTP_201_CREATED, summary="Create a round with a rubric")
    async def create(
        self, request: Request, data: JSONBody[NewRound], principal: Authenticated
    ) -> dict[str, Any]:
        new = body(request, NewRound)
        async with request.app.state.pool.acquire() as conn:
            return await service.create_round(
                conn, new.code, new.name, new.status, new.rubric, principal.name
            )

    @get(
        "/",
        opt={"roles": ("reviewer", "dispatcher")},
        summary="List rounds (on_panel: whether the caller may score in it)",
    )
    async def list(self, request: Request, principal: Authenticated) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            return await service.list_rounds(conn, principal)

    @patch("/{code:str}", opt=ADMIN, summary="Open or close a round")
    async def set_status(
        self, request: Request, code: FromPath[str], data: JSONBody[RoundStatus]
    ) -> dict[str, str]:
        status = body(request, RoundStatus).status
        async with request.app.state.pool.acquire() as conn:
            await service.set_status(conn, code, status)
        return {"code": code, "status": status}

    @put("/{code:str}/rubric", opt=ADMIN, summary="New rubric version (rescore to apply)")
    async def rubric(
        self, request: Request, code: FromPath[str], data: JSONBody[RubricIn],
        principal: Authenticated,
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            return await service.new_rubric_version(
                conn, code, body(request, RubricIn).rubric, principal.name
            )

    @get("/{code:str}/rubrics", opt=ADMIN, summary="Every rubric version of the round")
    async def rubrics(self, request: Request, code: FromPath[str]) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            return await service.rubric_versions(conn, code)

    @post(
        "/{code:str}/rescore",
        opt=ADMIN,
        status_code=HTTP_200_OK,
        summary="Recompute every scorecard with the latest rubric",
    )
    async def rescore(self, request: Request, code: FromPath[str]) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            return await service.rescore_round(conn, code)

    @put("/{code:str}/reviewers/{user:str}", opt=ADMIN, summary="Assign a reviewer to the round")
    async def assign(
        self, request: Request, code: FromPath[str], user: FromPath[str], principal: Authenticated
    ) -> dict[str, str]:
        async with request.app.state.pool.acquire() as conn:
            await service.assign_reviewer(conn, code, user, principal.name)
        return {"round": code, "reviewer": user}

    @delete("/{code:str}/reviewers/{user:str}", opt=ADMIN, summary="Remove a reviewer")
    async def unassign(
        self, request: Request, code: FromPath[str], user: FromPath[str]
    ) -> None:
        async with request.app.state.pool.acquire() as conn:
            await service.unassign_reviewer(conn, code, user)

    @get("/{code:str}/reviewers", opt=PANEL, summary="The round's panel")
    async def reviewers(self, request: Request, code: FromPath[str]) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            return await service.reviewers(conn, code)

    @get("/{code:str}/ranking", opt=PANEL, summary="Candidates ranked, with sub-scores and gates")
    async def ranking(
        self, request: Request, code: FromPath[str], principal: Authenticated
    ) -> dict[str, Any]:
        async with request.app.state.reads.acquire() as conn:  # may trail: a standby
            await service.require_round(conn, code)
            return await joint_view(conn, principal, await ranking(conn, code))

    @post(
        "/{code:str}/shortlist",
        opt=PANEL,
        status_code=HTTP_200_OK,
        summary="Recommend the candidates that cover the most priority population",
    )
    async def shortlist(
        self, request: Request, code: FromPath[str], data: JSONBody[ShortlistIn],
        principal: Authenticated,
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            await service.require_round(conn, code)
            area = await area_of(conn, principal)
            return await recommend(conn, code, body(request, ShortlistIn), area)
