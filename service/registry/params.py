"""Query-parameter rules shared by the registry and dispatch routes."""

from __future__ import annotations

from scoring.vocabulary import ELIGIBLE
from service.problems import BadRequest, FieldError
from service.validation import Invalid

# Readers: dispatchers route, reviewers may look (admins are implied for every role).
READ = {"roles": ("dispatcher", "reviewer")}
DISPATCH = {"roles": ("dispatcher",)}
ADMIN = {"roles": ("admin",)}


def _not_eligible(value: str) -> tuple[str, str, str]:
    return ("unknown_category", f"{value!r} is not a voucher-eligible category.",
            f"“{value}”不是可用赈济券购买的品类。")


def eligible_category(value: str) -> str:
    """A Check for body fields: one of the categories vouchers may buy."""
    if value not in ELIGIBLE:
        raise Invalid(*_not_eligible(value))
    return value


def category_problems(values: list[str], pointer: str) -> list[FieldError]:
    return [
        FieldError(f"{pointer}/{i}", *_not_eligible(v))
        for i, v in enumerate(values) if v not in ELIGIBLE
    ]


def categories(values: list[str] | None) -> list[str] | None:
    """Validated `category` query values (repeatable); None when not filtered."""
    if not values:
        return None
    if errors := category_problems(values, "/category"):
        raise BadRequest("Unknown category; see errors.", "品类无效，详见 errors。", errors=errors)
    return sorted(set(values))
