"""What merchants send (validated record by record) and what the feed and monitoring answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec

from scoring.vocabulary import CATEGORIES
from service.problems import FieldError
from service.validation import Check, Code, Invalid

MAX_RECORDS = 5_000
MAX_ITEMS = 200
# A till's clock may run a little fast; a redemption further in the future is refused.
CLOCK_SKEW = timedelta(minutes=10)

Phase = Literal["preparedness", "warning", "recovery"]


def _known_category(code: str) -> str:
    # Excluded categories (tobacco, …) are accepted: they are what monitoring must see.
    if code not in CATEGORIES:
        raise Invalid("enum", f"Unknown category {code!r}; see the category vocabulary",
                      f"未知品类 {code!r}，请使用品类代码表中的代码")
    return code


def _not_future(at: datetime) -> datetime:
    if at > datetime.now(UTC) + CLOCK_SKEW:
        raise Invalid("future", "A redemption cannot lie in the future",
                      "核销时间不能晚于当前时间")
    return at


Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Ident = Annotated[str, Code(), msgspec.Meta(min_length=1, max_length=64,
                                            pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")]
Fen = Annotated[int, msgspec.Meta(ge=0, le=100_000_000)]


class ItemIn(msgspec.Struct, forbid_unknown_fields=True):
    category: Annotated[str, Code(), Check(_known_category)]
    name: Text
    quantity: Annotated[float, msgspec.Meta(gt=0, le=1_000_000)]
    unit_price_fen: Fen
    amount_fen: Fen


class RecordIn(msgspec.Struct, forbid_unknown_fields=True):
    txn_id: Ident
    store_id: UUID
    at: Annotated[datetime, msgspec.Meta(tz=True), Check(_not_future)]
    voucher_id: Ident
    household_ref: Annotated[str, Code(), msgspec.Meta(min_length=1, max_length=100)]
    phase: Phase
    amount_fen: Fen
    items: Annotated[list[ItemIn], msgspec.Meta(min_length=1, max_length=MAX_ITEMS)]
    reservation_id: UUID | None = None


class Rejected(msgspec.Struct):
    index: int
    txn_id: str | None
    errors: list[FieldError]
    line: int | None = None  # CSV: the first line of the record


class FeedAnswer(msgspec.Struct):
    batch_id: UUID
    accepted: int
    rejected: int
    duplicates: int
    rejected_records: list[Rejected]
    alerts_raised: int


class KeyIssued(msgspec.Struct):
    application_id: UUID
    merchant_name: str
    key: str  # shown once
    key_id: int
    created_at: datetime
    revoked_previous: bool


class KeyInfo(msgspec.Struct):
    application_id: UUID
    merchant_name: str
    active: bool
    key_id: int | None
    created_at: datetime | None
    created_by: str | None
    last_used_at: datetime | None


AlertStatus = Literal["open", "acknowledged", "resolved"]
Rule = Literal["excluded_category", "inactive_store", "reservation_reuse", "price_outlier",
               "missing_feedback", "amount_mismatch"]


class Alert(msgspec.Struct):
    id: int
    rule: str
    subject: str
    store_id: UUID
    store_name: str
    merchant_name: str
    store_status: str
    redemption_id: int | None
    reservation_id: UUID | None
    evidence: dict[str, Any]
    status: str
    status_by: str | None
    status_reason: str
    status_at: datetime | None
    version: int
    raised_at: datetime


class AlertList(msgspec.Struct):
    items: list[Alert]
    counts: dict[str, int]


class AlertChange(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["acknowledged", "resolved"]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class SuspendStore(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
