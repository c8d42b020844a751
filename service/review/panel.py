"""Who may review what: assignment to the round, conflicts of interest, decided states."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from service.applications import lifecycle
from service.auth.principal import Principal
from service.problems import Conflict, Forbidden
from service.review import repository as repo


async def require_panel_member(
    conn: asyncpg.Connection, principal: Principal, round_code: str, application_id: UUID
) -> None:
    """Assigned to the round (admins always are) and not conflicted on this application."""
    if principal.user_id is None:
        raise Forbidden("Only staff users sit on a review panel.", "只有工作人员可以参与评审。")
    if principal.role != "admin" and not await repo.is_assigned(
        conn, round_code, principal.user_id
    ):
        raise Forbidden("You are not on this round's panel.", "您不是本批次的评审成员。")
    if await repo.is_conflicted(conn, application_id, principal.user_id):
        raise Forbidden(
            "You declared a conflict of interest on this application.",
            "您已声明与该申请存在利益冲突，不能评审或决定。",
        )


def require_open(status: str) -> None:
    if status in lifecycle.FINAL:
        raise Conflict(f"The application is already {status}.", "该申请已有结论，不能再评审。")
