"""Who may review what: assignment to the round, conflicts of interest, decided states."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from service.applications import lifecycle
from service.auth.principal import Principal
from service.problems import Conflict, Forbidden, PreconditionRequired
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


def require_decider(principal: Principal, if_match: int | None) -> int:
    """A decision needs a caller who may decide and the version the page was read at, so
    two decisions cannot cross; returns that version."""
    if not principal.can_decide:
        raise Forbidden("You may review but not decide.", "您没有作出决定的权限。")
    if if_match is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag you read, so two decisions cannot cross.",
            "请在 If-Match 头中附上读取时的 ETag，以免两位评审的决定互相覆盖。",
        )
    return if_match


def require_open(status: str) -> None:
    if status in lifecycle.FINAL:
        raise Conflict(f"The application is already {status}.", "该申请已有结论，不能再评审。")
