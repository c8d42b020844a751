"""Idempotency-Key for POSTs: the same key and body replay the first answer.

The key is claimed (committed) before the work starts, so a concurrent duplicate
finds it `in_progress` and gets 409; the answer is stored in the same transaction
as the work, so a replay never names something that was not written. A request
that fails releases its key so the caller can retry.

A claim is a lease (the command timeout plus a margin by default): when the request's
connection dies before it can release the key, a retry after the lease takes the key
over instead of answering 409 until the daily purge. Storing the answer is fenced by
the claim's owner, so a slow request whose key was taken over rolls its work back.
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec

from service.http import idempotency_repository as repo
from service.problems import BadRequest, Conflict, FieldError, ValidationFailed

HEADER = "idempotency-key"


@dataclass(frozen=True, slots=True)
class Key:
    key: str
    route: str
    request_hash: bytes
    owner: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True, slots=True)
class Stored:
    status: int
    body: Any


def from_header(raw: str | None, route: str, payload: Any) -> Key | None:
    if raw is None:
        return None
    if not (1 <= len(raw) <= 255) or not raw.isascii() or not raw.isprintable():
        raise BadRequest(
            "Idempotency-Key must be 1 to 255 printable ASCII characters.",
            "Idempotency-Key 须为 1 至 255 个可打印 ASCII 字符。",
            errors=[FieldError("/headers/Idempotency-Key", "format", "Invalid key", "格式不正确")],
        )
    digest = hashlib.sha256(msgspec.json.encode(payload, order="sorted")).digest()
    return Key(raw, route, digest)


async def claim(conn: asyncpg.Connection, key: Key, lease_s: float = 15.0) -> Stored | None:
    """None when this request now owns the key; the stored answer when it is a replay."""
    if await repo.claim(conn, key.key, key.route, key.request_hash, key.owner, float(lease_s)):
        return None
    row = await repo.existing(conn, key.key, key.route)
    if row is None:  # expired and purged between the two statements: try once more
        return await claim(conn, key, lease_s)
    if bytes(row["request_hash"]) != key.request_hash:
        raise ValidationFailed(
            "This Idempotency-Key was used with a different request body.",
            "该 Idempotency-Key 已用于另一个不同的请求内容。",
        )
    if row["state"] != "done":
        raise Conflict(
            "A request with this Idempotency-Key is still in progress.",
            "使用该 Idempotency-Key 的请求仍在处理中。",
            headers={"Retry-After": "1"},
        )
    return Stored(row["response_status"], row["response_body"])


async def complete(conn: asyncpg.Connection, key: Key, status: int, body: Any) -> None:
    """Store the answer; call inside the work's transaction so a refusal rolls it back."""
    if not await repo.complete(conn, key.key, key.route, key.owner, status, body):
        raise Conflict(
            "This request's Idempotency-Key was taken over by a retry; nothing was stored.",
            "该 Idempotency-Key 已被重试请求接管，本次请求未保存任何内容。",
            headers={"Retry-After": "1"},
        )


async def release(conn: asyncpg.Connection, key: Key) -> None:
    await repo.release(conn, key.key, key.route, key.owner)


async def release_quietly(conn: asyncpg.Connection, key: Key) -> None:
    """Release after a failure; the original error matters more than this one."""
    with contextlib.suppress(Exception):
        await release(conn, key)
