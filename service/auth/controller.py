"""Staff users and tokens over HTTP (admins), and `GET /me` for any token."""

from __future__ import annotations

from typing import Annotated, Literal

import asyncpg
import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from service.auth.guard import Authenticated
from service.auth.repository import add_user, list_users, revoke_tokens, user_exists
from service.http.body import body
from service.problems import Conflict, NotFound

ADMIN = {"roles": ("admin",)}
UserName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"^[\w.\-@]+$")]


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    name: UserName
    role: Literal["admin", "reviewer", "dispatcher"]
    can_decide: bool = False


class CreatedUser(msgspec.Struct):
    name: str
    role: str
    can_decide: bool
    token: str


class UsersController(Controller):
    path = "/users"
    tags = ["auth"]

    @post(
        "/",
        opt=ADMIN,
        status_code=HTTP_201_CREATED,
        summary="Create a staff user (token shown once)",
    )
    async def create(self, request: Request, data: JSONBody[NewUser]) -> CreatedUser:
        new = body(request, NewUser)
        async with request.app.state.pool.acquire() as conn:
            try:
                token = await add_user(conn, new.name, new.role, can_decide=new.can_decide)
            except asyncpg.UniqueViolationError:
                raise Conflict(f"User {new.name!r} exists.", f"用户 {new.name} 已存在。") from None
        return CreatedUser(new.name, new.role, new.can_decide or new.role == "admin", token)

    @get("/", opt=ADMIN, summary="List staff users")
    async def list(self, request: Request) -> list[dict[str, object]]:
        async with request.app.state.pool.acquire() as conn:
            return await list_users(conn)

    @delete("/{name:str}/tokens", opt=ADMIN, summary="Revoke every token of a user")
    async def revoke(self, request: Request, name: FromPath[str]) -> None:
        async with request.app.state.pool.acquire() as conn:
            if not await user_exists(conn, name):
                raise NotFound(f"No user {name!r}.", f"用户 {name} 不存在。")
            await revoke_tokens(conn, name)
        request.app.state.principals.clear()


class MeController(Controller):
    path = "/me"
    tags = ["auth"]

    @get(
        "/",
        opt={"roles": ("admin", "reviewer", "dispatcher"), "applicant": True},
        summary="Who this token belongs to",
    )
    async def me(self, principal: Authenticated) -> dict[str, object]:
        return {
            "name": principal.name,
            "role": principal.role,
            "can_decide": principal.can_decide,
            "application_id": str(principal.application_id) if principal.application_id else None,
        }
