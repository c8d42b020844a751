"""Request bodies of the chain routes."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta


class StoreGroup(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    decision: Literal["approved", "rejected"]
    stores: Annotated[list[UUID], Meta(min_length=1, max_length=100_000)]
    reason: Annotated[str, Meta(min_length=1, max_length=2000)]


class StoreDecisionsIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every store of the application in exactly one group."""

    groups: Annotated[list[StoreGroup], Meta(min_length=1, max_length=50)]
