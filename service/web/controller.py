"""GET routes of the pages: /apply, /status, /review, /dispatch, /admin (HTML, public)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import Redirect

from scoring.vocabulary import CAPABILITIES, CATEGORIES, CRITERIA, PHASES
from service.applications.lifecycle import AMENDABLE, STATUS_ZH
from service.documents.kinds import DOCUMENT_KINDS
from service.rounds import service as rounds_service
from service.web.rendering import page


def _labels() -> dict[str, Any]:
    """Vocabulary the scripts need to label API data in Chinese (no rules)."""
    return {
        "status": STATUS_ZH,
        "amendable": sorted(AMENDABLE),
        "categories": {c.code: c.zh for c in CATEGORIES.values()},
        "capabilities": {c.code: c.zh for c in CAPABILITIES.values()},
        "criteria": {c.code: c.zh for c in CRITERIA.values()},
        "documents": {code: zh for code, (zh, _en) in DOCUMENT_KINDS.items()},
    }


class WebController(Controller):
    path = "/"
    include_in_schema = False

    def _render(self, request: Request, template: str, **context: Any) -> Response[str]:
        # Read from Settings once, by create_app.
        return page(template, request.app.state.tiles, labels=_labels(), **context)

    @get("/")
    async def home(self) -> Redirect:
        return Redirect("/apply")

    @get("/apply")
    async def apply(self, request: Request) -> Response[str]:
        eligible = [c for c in CATEGORIES.values() if not c.excluded]
        excluded = [c for c in CATEGORIES.values() if c.excluded]
        # An applicant picks the round by its name: nobody outside the foundation knows codes.
        async with request.app.state.pool.acquire() as conn:
            rounds = await rounds_service.open_rounds(conn)
        return self._render(
            request,
            "apply.html",
            rounds=rounds,
            eligible=eligible,
            excluded=excluded,
            capabilities=list(CAPABILITIES.values()),
        )

    @get("/status")
    async def status(self, request: Request) -> Response[str]:
        eligible = [c for c in CATEGORIES.values() if not c.excluded]
        excluded = [c for c in CATEGORIES.values() if c.excluded]
        return self._render(
            request,
            "status.html",
            eligible=eligible,
            excluded=excluded,
            capabilities=list(CAPABILITIES.values()),
            document_kinds=DOCUMENT_KINDS,
            document_max_bytes=request.app.state.settings.document_max_bytes,
        )

    @get("/review")
    async def review(self, request: Request) -> Response[str]:
        return self._render(request, "review.html")

    @get("/review/applications/{application_id:uuid}")
    async def review_application(
        self, request: Request, application_id: FromPath[UUID]
    ) -> Response[str]:
        return self._render(
            request,
            "review_application.html",
            application_id=application_id,
            document_kinds=DOCUMENT_KINDS,
        )

    @get("/leads")
    async def leads(self, request: Request) -> Response[str]:
        return self._render(request, "leads.html")

    @get("/admin")
    async def admin(self, request: Request) -> Response[str]:
        return self._render(request, "admin.html")

    @get("/dispatch")
    async def dispatch(self, request: Request) -> Response[str]:
        eligible = [c for c in CATEGORIES.values() if not c.excluded]
        return self._render(request, "dispatch.html", eligible=eligible, phases=PHASES.values())

    @get("/monitor")
    async def monitor(self, request: Request) -> Response[str]:
        return self._render(request, "monitor.html")
