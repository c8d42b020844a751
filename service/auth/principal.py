"""Who is calling: a staff user with a role, or an applicant scoped to one application."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

import msgspec

Role = Literal["admin", "reviewer", "dispatcher"]


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    token_id: int
    name: str
    role: Role | Literal["applicant"]
    user_id: int | None = None
    application_id: UUID | None = None
    can_decide: bool = False

    @property
    def is_staff(self) -> bool:
        return self.role != "applicant"

    def has_role(self, *roles: str) -> bool:
        # Admins may do whatever reviewers and dispatchers may.
        return self.role in roles or (self.role == "admin" and self.is_staff)

    def may_see_application(self, application_id: UUID) -> bool:
        return self.is_staff or self.application_id == application_id

    @property
    def sees_personal_data(self) -> bool:
        """Mobile numbers and contact names: reviewers and admins need them, dispatchers not."""
        return self.role in ("admin", "reviewer")
