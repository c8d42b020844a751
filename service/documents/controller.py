"""/api/v1/applications/{id}/documents: the applicant uploads evidence; staff read it.

The upload is the file itself as the request body (no multipart), with `kind` and
`filename` in the query: a phone's browser sends it with one fetch. Its size limit is the
`document_max_bytes` setting, counted while the body streams in (this route lifts the
service-wide body limit and applies its own).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, Parameter

from service.applications import service as applications
from service.auth.guard import Authenticated
from service.documents import service as documents
from service.documents.content import check
from service.documents.kinds import DOCUMENT_KINDS, KIND_PATTERN
from service.problems import PayloadTooLarge

# The applicant uploads for its own application (admins may act for it); the panel reads.
UPLOADERS = {"roles": ("admin",), "applicant": True}
READERS = {"roles": ("admin", "reviewer"), "applicant": True}
_STREAM_CEILING = 64 * 1024 * 1024  # the route's own cap; the setting is enforced below


def _too_large(limit: int) -> PayloadTooLarge:
    mb = limit / 1_048_576
    return PayloadTooLarge(
        f"A document may have at most {limit} bytes.",
        f"文件过大：每个文件不能超过 {mb:g} MB，请压缩或拍摄清晰度较低的照片后重试。",
        max_bytes=limit,
    )


async def read_capped(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def document_view(application_id: UUID, row: Any) -> dict[str, Any]:
    zh, en = DOCUMENT_KINDS.get(row["kind"], (row["kind"], row["kind"]))
    return {
        "id": str(row["id"]),
        "kind": row["kind"],
        "kind_zh": zh,
        "kind_en": en,
        "filename": row["filename"],
        "media_type": row["media_type"],
        "size_bytes": row["size_bytes"],
        "sha256": row["sha256"].hex(),
        "uploaded_at": row["uploaded_at"].isoformat(),
        "download_url": f"/api/v1/applications/{application_id}/documents/{row['id']}",
    }


class DocumentsController(Controller):
    path = "/applications/{application_id:uuid}/documents"
    tags = ["documents"]

    @post(
        "/",
        opt=UPLOADERS,
        request_max_body_size=_STREAM_CEILING,
        summary="Upload a document (the file as the body; JPEG, PNG or PDF by content)",
    )
    async def upload(
        self,
        request: Request,
        application_id: FromPath[UUID],
        principal: Authenticated,
        kind: str = Parameter(pattern=KIND_PATTERN, description="e.g. business_licence"),
        filename: str = Parameter(min_length=1, max_length=400),
    ) -> Response[dict[str, Any]]:
        pool = request.app.state.pool
        # Who and what first, on a short-lived connection: a slow upload holds none.
        async with pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
        data = await read_capped(request, request.app.state.settings.document_max_bytes)
        checked = check(data, filename, request.headers.get("content-type", ""))
        actor = principal.name if principal.is_staff else applications.APPLICANT_ACTOR
        async with pool.acquire() as conn:
            row = await documents.store(conn, application_id, kind, checked, data, actor)
        view = document_view(
            application_id,
            {
                "id": row["id"],
                "kind": kind,
                "filename": checked.filename,
                "media_type": checked.media_type,
                "size_bytes": checked.size,
                "sha256": checked.sha256,
                "uploaded_at": row["uploaded_at"],
            },
        )
        return Response(view, status_code=201, headers={"Location": view["download_url"]})

    @get("/", opt=READERS, summary="The application's documents (without their content)")
    async def list(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            rows = await documents.listing(conn, application_id)
        return [document_view(application_id, r) for r in rows]

    @get(
        "/{document_id:uuid}",
        opt=READERS,
        summary="Download one document",
        response_description="The file as uploaded",
    )
    async def download(
        self,
        request: Request,
        application_id: FromPath[UUID],
        document_id: FromPath[UUID],
        principal: Authenticated,
    ) -> Response[bytes]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            row = await documents.get(conn, application_id, document_id)
        return Response(
            row["content"],
            media_type=row["media_type"],
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row['filename'])}",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "sandbox",
                "Cache-Control": "private, no-store",
                "ETag": f'"{row["sha256"].hex()}"',
            },
        )
