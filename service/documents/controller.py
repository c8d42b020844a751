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
from service.documents.upload import read_document

# The applicant uploads for its own application (admins may act for it); the panel reads.
UPLOADERS = {"roles": ("admin",), "applicant": True}
READERS = {"roles": ("admin", "reviewer"), "applicant": True}
_STREAM_CEILING = 64 * 1024 * 1024  # the route's own cap; the setting is enforced below


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
        data = await read_document(request)
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
