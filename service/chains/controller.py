"""HTTP routes for chains: store-list files and their template, per-store coverage, and
deciding an application store by store. Uploads are the file itself as the request body
(CSV or XLSX, told apart by their bytes), as documents are; thin handlers over service.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.applications import service as applications
from service.auth.guard import Authenticated
from service.chains import changes, service
from service.chains.schemas import ChangeDecisionIn, ChangeRequestIn, StoreDecisionsIn
from service.chains.storefile import (
    CSV_TYPE,
    XLSX_TYPE,
    parse,
    stores_json,
    template_csv,
    template_xlsx,
)
from service.http.body import body
from service.http.capped import read_capped
from service.http.versions import etag, if_match_version
from service.problems import PayloadTooLarge

_STREAM_CEILING = 64 * 1024 * 1024  # the routes' own cap; the setting is enforced while reading
APPLICANT_OR_ADMIN = {"roles": ("admin",), "applicant": True}
PANEL = {"roles": ("reviewer",)}


async def _parsed(request: Request) -> Any:
    limit = request.app.state.settings.store_file_max_bytes
    data = await read_capped(request, limit, PayloadTooLarge(
        f"A store file may have at most {limit} bytes.",
        f"门店表过大：不能超过 {limit / 1_048_576:g} MB，请分成几个文件上传。", max_bytes=limit))
    return parse(data, request.headers.get("content-type", ""))


def _download(data: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"stores.{filename.rsplit('.', 1)[1]}\"; "
            f"filename*=UTF-8''{filename}",
            "Cache-Control": "no-cache",
        },
    )


class StoreFilesController(Controller):
    path = "/store-files"
    tags = ["chains"]

    @get("/template.xlsx", summary="The store-list template (XLSX, Chinese headers)")
    async def template_xlsx(self) -> Response[bytes]:
        return _download(template_xlsx(), XLSX_TYPE, "%E9%97%A8%E5%BA%97%E6%A8%A1%E6%9D%BF.xlsx")

    @get("/template.csv", summary="The store-list template (CSV, UTF-8 with BOM)")
    async def template_csv(self) -> Response[bytes]:
        return _download(
            template_csv(), CSV_TYPE + "; charset=utf-8", "%E9%97%A8%E5%BA%97%E6%A8%A1%E6%9D%BF.csv"
        )

    @post(
        "/check",
        status_code=HTTP_200_OK,
        request_max_body_size=_STREAM_CEILING,
        summary="Read a store list (CSV or XLSX body): the stores as JSON, or every bad cell",
    )
    async def check(self, request: Request) -> dict[str, Any]:
        await request.app.state.applicant_limiter.hit(request)
        parsed = await _parsed(request)
        return {"count": len(parsed.stores), "rows": parsed.rows, "stores": stores_json(parsed)}


class ChainController(Controller):
    path = "/applications/{application_id:uuid}"
    tags = ["chains"]

    @put(
        "/stores",
        opt=APPLICANT_OR_ADMIN,
        request_max_body_size=_STREAM_CEILING,
        summary="Replace the stores from a file (CSV or XLSX body; If-Match honoured)",
    )
    async def replace_stores(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> Response[dict[str, Any]]:
        if_match = if_match_version(request)
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
        parsed = await _parsed(request)
        async with request.app.state.pool.acquire() as conn:
            result = await service.replace_stores(conn, application_id, parsed, principal, if_match)
        return Response(result, headers=etag(result["version"]))

    @get(
        "/store-coverage",
        opt={"roles": ("reviewer",)},
        summary="Each store's marginal coverage: the communities it alone brings to target",
    )
    async def store_coverage(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.store_coverage(conn, application_id)

    @get(
        "/store-decisions",
        opt={"roles": ("reviewer",), "applicant": True},
        summary="The panel's decision on each store (after a partial approval)",
    )
    async def store_decisions(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await service.store_decisions(conn, application_id)

    @post(
        "/store-decisions",
        opt=PANEL,
        status_code=HTTP_200_OK,
        summary="Approve some stores and reject others, a reason per group (If-Match required)",
    )
    async def decide_stores(
        self, request: Request, application_id: FromPath[UUID],
        data: JSONBody[StoreDecisionsIn], principal: Authenticated,
    ) -> Response[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            result = await service.decide_stores(
                conn, principal, application_id, body(request, StoreDecisionsIn),
                if_match_version(request),
            )
        return Response(result, headers=etag(result["version"]))

    @post(
        "/change-requests",
        opt=APPLICANT_OR_ADMIN,
        status_code=HTTP_201_CREATED,
        summary="An approved merchant asks to add branches, close one, or change a store",
    )
    async def request_change(
        self, request: Request, application_id: FromPath[UUID],
        data: JSONBody[ChangeRequestIn], principal: Authenticated,
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            return await changes.request_change(
                conn, principal, application_id, body(request, ChangeRequestIn)
            )

    @get(
        "/change-requests",
        opt={"roles": ("reviewer",), "applicant": True},
        summary="The merchant's change requests and their decisions",
    )
    async def change_requests(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await changes.list_changes(conn, application_id)


class ChangeRequestsController(Controller):
    path = "/change-requests"
    tags = ["chains"]

    @post(
        "/{request_id:uuid}/decision",
        opt=PANEL,
        status_code=HTTP_200_OK,
        summary="Approve (the registry changes) or reject a change request (If-Match required)",
    )
    async def decide(
        self, request: Request, request_id: FromPath[UUID],
        data: JSONBody[ChangeDecisionIn], principal: Authenticated,
    ) -> Response[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            result = await changes.decide_change(
                conn, principal, request_id, body(request, ChangeDecisionIn),
                if_match_version(request),
            )
        return Response(result, headers=etag(result["version"]))

    @get("/", opt=PANEL, summary="Change requests waiting for the panel (each with its version)")
    async def pending(
        self, request: Request, principal: Authenticated
    ) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            return await changes.pending(conn, principal)
