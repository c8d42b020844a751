"""One guard for every route, driven by the route's `opt`.

Routes declare who may call them: `opt={"roles": ("reviewer",)}` for staff roles,
`"applicant": True` to admit applicant tokens (the handler then checks that the
token's application is the one asked for). Routes without `roles` are public.
"""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler

from service.auth.principal import Principal
from service.auth.repository import find_principal
from service.auth.tokens import hash_token
from service.problems import Forbidden, NotFound, Unauthorized

_BEARER = "bearer "
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="boai"'}


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    if header[: len(_BEARER)].lower() != _BEARER:
        return None
    token = header[len(_BEARER) :].strip()
    return token if 0 < len(token) <= 200 else None


async def resolve_principal(connection: ASGIConnection) -> Principal | None:
    """The caller's principal, cached on the connection; None if no valid token.

    Only failures count towards the address's sign-in limit, and the limit stops the
    database lookup of unknown tokens: a token this worker knows to exist (cached, or its
    hash in `known_tokens`) is still checked, so bad guesses from an address never lock
    out a valid 256-bit token presented from it.
    """
    if "principal" in connection.state:
        return connection.state["principal"]
    token = bearer_token(connection)
    principal = None
    if token is not None:
        state = connection.app.state
        cache = state.principals
        digest = hash_token(token)
        principal = cache.get(digest)
        if principal is None:
            if digest not in state.known_tokens:
                await state.auth_limiter.check(connection)
            generation = cache.generation
            principal = await find_principal(state.pool, token)
            if principal is not None:
                cache.put(digest, principal, generation)
            else:
                await state.auth_limiter.record_failure(connection)
    connection.state["principal"] = principal
    return principal


async def authorize(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    roles = handler.opt.get("roles")
    allow_applicant = handler.opt.get("applicant", False)
    if roles is None and not allow_applicant:
        return
    principal = await resolve_principal(connection)
    if principal is None:
        raise Unauthorized(
            "A valid bearer token is required.",
            "需要有效的访问令牌（Bearer token）。",
            headers=_CHALLENGE,
        )
    if principal.role == "applicant":
        if not allow_applicant:
            raise Forbidden("Applicant tokens cannot use this route.", "申请人令牌无权访问此接口。")
        await connection.app.state.applicant_limiter.hit(connection)
        # Scope before anything reads the body: another application answers 404, as if
        # it did not exist, whatever the request carries.
        asked = connection.path_params.get("application_id")
        if asked is not None and asked != principal.application_id:
            raise NotFound("No such application.", "申请不存在。")
        return
    if roles is not None and not principal.has_role(*roles):
        raise Forbidden(
            f"This route needs one of the roles: {', '.join(roles)}.",
            f"此接口需要以下角色之一：{', '.join(roles)}。",
        )


def current_principal(connection: ASGIConnection) -> Principal | None:
    """For handlers: the principal the guard resolved (None on public routes)."""
    return connection.state.get("principal")


async def provide_principal(request: Request) -> Principal:
    """The `principal` dependency: the caller the guard admitted. Only routes that declare
    roles (or admit applicants) may ask for it; the guard has refused anonymous callers."""
    principal = current_principal(request)
    if principal is None:
        # A route reading the caller without declaring who may call it: refused, not served.
        raise Unauthorized(
            "A valid bearer token is required.",
            "需要有效的访问令牌（Bearer token）。",
            headers=_CHALLENGE,
        )
    return principal


async def provide_caller(request: Request) -> Principal | None:
    """The `caller` dependency, for routes open to anyone: the principal when a valid token
    came with the request, else None."""
    return await resolve_principal(request)


DEPENDENCIES = {
    "principal": Provide(provide_principal),
    "caller": Provide(provide_caller),
}

# How handlers ask for them: `principal: Authenticated`, `caller: MaybeAuthenticated`.
Authenticated = NamedDependency[Principal]
MaybeAuthenticated = NamedDependency[Principal | None]
