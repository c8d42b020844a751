"""Request bodies of panel review."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Score = Annotated[float, Meta(ge=0, le=100)]
Text = Annotated[str, Meta(max_length=4000)]


class Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class ReviewIn(Strict):
    scores: Annotated[
        dict[
            Literal[
                "coverage",
                "delivery",
                "settlement",
                "communities",
                "experience",
                "people",
                "capabilities",
            ],
            Score,
        ],
        Meta(max_length=10),
    ]
    comment: Text = ""


class ConflictIn(Strict):
    reason: Annotated[str, Meta(min_length=2, max_length=1000)]


# A document kind as the applicant side names it (business_licence, food_licence, ...).
DocumentKind = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class InfoRequestIn(Strict):
    question: Annotated[str, Meta(min_length=2, max_length=2000)]
    requested_documents: Annotated[list[DocumentKind], Meta(max_length=10)] = []


class DecisionIn(Strict):
    decision: Literal["approved", "rejected", "waitlisted"]
    reason: Annotated[str, Meta(min_length=2, max_length=2000)]


class ShortlistIn(Strict):
    budget: Annotated[int, Meta(ge=1, le=10_000)]
    budget_unit: Literal["merchants", "stores"] = "merchants"
    target_k: Annotated[int, Meta(ge=1, le=50)] | None = None
