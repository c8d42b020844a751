"""Request bodies: a field lead, an invitation, its token."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from service.applications.schemas import Contact, Location

RoundCode = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
InviteToken = Annotated[str, Meta(min_length=20, max_length=100, pattern=r"^inv_[A-Za-z0-9_-]+$")]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class LeadIn(Strict, kw_only=True):
    round: RoundCode
    merchant_name: Annotated[str, Meta(min_length=2, max_length=200)]
    address: Annotated[str, Meta(max_length=400)] = ""
    location: Location
    contact: Contact | None = None
    notes: Annotated[str, Meta(max_length=4000)] = ""


class InvitationIn(Strict):
    valid_days: Annotated[int, Meta(ge=1, le=30)] = 7


class TokenIn(Strict):
    token: InviteToken
