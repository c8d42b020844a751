"""Merchant API keys: random, shown once, stored as SHA-256 hashes, one active per merchant.

A key authenticates a merchant's data feed only; it is no staff or applicant token, and
staff or applicant tokens do not open the feed. The route guard below runs before the body
is read, so a refused caller never gets its batch looked at.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from uuid import UUID

import msgspec
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from service.auth.guard import bearer_token
from service.problems import Forbidden, Unauthorized
from service.redemptions import repository as repo

PREFIX = "boai_m_"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="boai-merchant"'}


class Merchant(msgspec.Struct, frozen=True):
    """The caller of the feed: the approved application its key was issued to."""

    key_id: int
    application_id: UUID
    name: str


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> bytes:
    # 256 random bits: a fast hash suffices, there is nothing to brute-force.
    return hashlib.sha256(key.encode("utf-8")).digest()


async def merchant_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Admit only a valid, unrevoked merchant key; stash the merchant on the connection."""
    token = bearer_token(connection)
    if token is None:
        raise Unauthorized("A merchant API key is required (Authorization: Bearer boai_m_…).",
                           "需要商户数据接口密钥（Authorization: Bearer boai_m_…）。",
                           headers=_CHALLENGE)
    if not token.startswith(PREFIX):
        raise Forbidden("Only a merchant API key may report redemptions.",
                        "只有商户数据接口密钥可以上报核销数据。")
    state = connection.app.state
    digest = hash_key(token)
    await state.auth_limiter.check(connection)
    async with state.pool.acquire() as conn:
        row = await repo.merchant_by_key(conn, digest)
    if row is None or not hmac.compare_digest(bytes(row["key_hash"]), digest):
        await state.auth_limiter.record_failure(connection)
        raise Unauthorized("Unknown or revoked merchant API key.", "商户密钥无效或已被撤销。",
                           headers=_CHALLENGE)
    connection.state["merchant"] = Merchant(row["id"], row["application_id"], row["legal_name"])


def current_merchant(connection: ASGIConnection) -> Merchant:
    merchant = connection.state.get("merchant")
    if merchant is None:  # the route has no merchant_guard: a wiring mistake
        raise Forbidden("Only a merchant API key may report redemptions.",
                        "只有商户数据接口密钥可以上报核销数据。")
    return merchant
