"""GET /api/v1/applications/{id}/events: the notifications sent (or due) to the applicant."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import FromPath

from service.applications import service as applications
from service.auth import Authenticated
from service.notify.outbox import events_of


class NotificationsController(Controller):
    path = "/applications/{application_id:uuid}/events"
    tags = ["notifications"]

    @get(
        opt={"roles": ("reviewer",), "applicant": True},
        summary="Notification events of an application, with their webhook delivery state",
    )
    async def events(
        self, request: Request, application_id: FromPath[UUID], principal: Authenticated
    ) -> list[dict[str, Any]]:
        async with request.app.state.pool.acquire() as conn:
            await applications.fetch(conn, application_id, principal)
            return await events_of(conn, application_id, staff=principal.is_staff)
