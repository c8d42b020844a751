"""/api/v1/applications/{id}/joint-status: what the round's joint rules still miss."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import FromPath

from service.applications import service as applications
from service.auth import Authenticated
from service.review.quorum import joint_status

PANEL = {"roles": ("reviewer",)}


class JointStatusController(Controller):
    path = "/applications/{application_id:uuid}/joint-status"
    tags = ["review"]

    @get("/", opt=PANEL, summary="Reviews by organisation, and what a decision still waits for")
    async def status(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> dict[str, Any]:
        async with request.app.state.pool.acquire() as conn:
            app = await applications.fetch(conn, application_id, principal)
            return await joint_status(conn, app)
