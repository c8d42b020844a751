"""Request bodies of the chain routes."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from service.applications.schemas import Store


class StoreGroup(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    decision: Literal["approved", "rejected"]
    stores: Annotated[list[UUID], Meta(min_length=1, max_length=100_000)]
    reason: Annotated[str, Meta(min_length=1, max_length=2000)]


class StoreDecisionsIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every store of the application in exactly one group."""

    groups: Annotated[list[StoreGroup], Meta(min_length=1, max_length=50)]


class StoreUpdate(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    daily_capacity: Annotated[int, Meta(ge=0, le=100_000)] | None = None
    radius_m: Annotated[int, Meta(ge=50, le=50_000)] | None = None
    opening_hours: Annotated[str, Meta(min_length=1, max_length=100)] | None = None


class ChangeRequestIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """add_stores: `stores`; close_store: `store_id`; update_store: `store_id` and `changes`."""

    kind: Literal["add_stores", "close_store", "update_store"]
    stores: Annotated[list[Store], Meta(max_length=100_000)] = []
    store_id: UUID | None = None
    changes: StoreUpdate | None = None
    reason: Annotated[str, Meta(max_length=2000)] = ""


class ChangeDecisionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    decision: Literal["approved", "rejected"]
    reason: Annotated[str, Meta(min_length=1, max_length=2000)]
