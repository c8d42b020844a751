"""Documents in PostgreSQL (queries in service/sql/documents.sql)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from service.db.queries import load

SQL = load("documents")


async def lock_application_status(conn: asyncpg.Connection, application_id: UUID) -> str | None:
    return await conn.fetchval(SQL.lock_application_status, application_id)


async def count_documents(conn: asyncpg.Connection, application_id: UUID) -> int:
    return await conn.fetchval(SQL.count_documents, application_id)


async def insert_document(
    conn: asyncpg.Connection, application_id: UUID, kind: str, filename: str, media_type: str,
    size: int, sha256: bytes, content: bytes, actor: str,
) -> asyncpg.Record:
    return await conn.fetchrow(
        SQL.insert_document, application_id, kind, filename, media_type, size, sha256, content,
        actor,
    )


async def list_documents(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await conn.fetch(SQL.list_documents, application_id)


async def get_document(
    conn: asyncpg.Connection, application_id: UUID, document_id: UUID
) -> asyncpg.Record | None:
    return await conn.fetchrow(SQL.get_document, application_id, document_id)
