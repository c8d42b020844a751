"""Request bodies of panel review."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from scoring.vocabulary import MERCHANT_CRITERIA, NGO_CRITERIA
from service.validation import Strict

Score = Annotated[float, Meta(ge=0, le=100)]
# Literal[(a, b, ...)] is Literal[a, b, ...]: the codes are written once, in scoring.vocabulary.
CriterionCode = Literal[MERCHANT_CRITERIA + NGO_CRITERIA]  # type: ignore[valid-type]
Text = Annotated[str, Meta(max_length=4000)]


class ReviewIn(Strict):
    scores: Annotated[dict[CriterionCode, Score], Meta(max_length=10)]
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
