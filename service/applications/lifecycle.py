"""Application states and the transitions between them (pure)."""

from __future__ import annotations

from service.problems import Conflict

AMENDABLE = frozenset({"submitted", "under_review", "info_requested"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "submitted": frozenset({"under_review", "withdrawn"}),
    "under_review": frozenset(
        {"submitted", "info_requested", "approved", "rejected", "waitlisted", "withdrawn"}
    ),
    "info_requested": frozenset({"under_review", "submitted", "withdrawn"}),
    "waitlisted": frozenset({"approved", "rejected", "withdrawn"}),
    "approved": frozenset(),
    "rejected": frozenset(),
    "withdrawn": frozenset(),
}

# Final states: nothing moves out of them (derived, so it cannot drift from the table).
FINAL = frozenset(state for state, targets in TRANSITIONS.items() if not targets)

STATUS_ZH = {
    "submitted": "已提交（材料待补）",
    "under_review": "评审中",
    "info_requested": "待补充信息",
    "approved": "已通过",
    "rejected": "未通过",
    "waitlisted": "候补",
    "withdrawn": "已撤回",
}


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise Conflict(
            f"An application in state {current!r} cannot move to {target!r}.",
            f"申请当前状态为“{STATUS_ZH.get(current, current)}”，"
            f"不能变更为“{STATUS_ZH.get(target, target)}”。",
            current_status=current,
        )


def after_amendment(current: str, nothing_due: bool) -> str:
    """Where an amended application goes: to review once nothing is due."""
    if nothing_due:
        return "under_review"
    return "submitted" if current == "under_review" else current
