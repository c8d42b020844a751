"""Storing and reading an application's documents: the rules around the rows."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from service.applications.lifecycle import FINAL, STATUS_ZH
from service.applications.repository import audit
from service.documents import repository as repo
from service.documents.content import Checked
from service.problems import Conflict, NotFound

MAX_DOCUMENTS = 30


async def store(
    conn: asyncpg.Connection, application_id: UUID, kind: str, checked: Checked, data: bytes,
    actor: str,
) -> asyncpg.Record:
    """Insert the document and its audit row (409 once the application is final or full)."""
    async with conn.transaction():
        status = await repo.lock_application_status(conn, application_id)
        if status in FINAL:
            raise Conflict(
                f"An application in state {status!r} takes no more documents.",
                f"申请已{STATUS_ZH[status]}，不能再上传材料。",
            )
        if await repo.count_documents(conn, application_id) >= MAX_DOCUMENTS:
            raise Conflict(
                f"An application holds at most {MAX_DOCUMENTS} documents.",
                f"每份申请最多上传 {MAX_DOCUMENTS} 个文件。",
            )
        row = await repo.insert_document(
            conn, application_id, kind, checked.filename, checked.media_type, checked.size,
            checked.sha256, data, actor,
        )
        await audit(
            conn,
            application_id,
            "document_uploaded",
            actor,
            None,
            None,
            details={
                "document_id": str(row["id"]),
                "kind": kind,
                "sha256": checked.sha256.hex(),
                "size_bytes": checked.size,
            },
        )
    return row


async def listing(conn: asyncpg.Connection, application_id: UUID) -> list[asyncpg.Record]:
    return await repo.list_documents(conn, application_id)


async def get(conn: asyncpg.Connection, application_id: UUID, document_id: UUID) -> asyncpg.Record:
    row = await repo.get_document(conn, application_id, document_id)
    if row is None:
        raise NotFound("No such document.", "文件不存在。")
    return row
