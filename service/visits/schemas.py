"""Request bodies: a site visit's checklist, a training session."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class SiteVisitIn(Strict, kw_only=True):
    visited_on: dt.date
    store_id: UUID | None = None
    # The checklist: essential categories in stock; the till deducts vouchers first;
    # a means of home delivery; staff trained (how many met on site).
    essentials_stocked: bool
    till_ready: bool
    delivery_means: bool
    trained_staff: Annotated[int, Meta(ge=0, le=10_000)]
    notes: Annotated[str, Meta(max_length=4000)] = ""
    photo_ids: Annotated[list[UUID], Meta(max_length=20)] = []


class TrainingIn(Strict):
    held_on: dt.date
    trainer: Annotated[str, Meta(min_length=1, max_length=100)]
    attendees: Annotated[
        list[Annotated[str, Meta(min_length=1, max_length=100)]], Meta(min_length=1, max_length=200)
    ]
