"""The feed's rules: validate each record, check the key's scope, store the accepted ones.

One bad record rejects only itself; every accepted record of a batch (with its items) is
written in one transaction, so a batch is stored whole or, on any failure, not at all. A
record whose txn_id the merchant already reported with the same content is a duplicate
(counted, nothing written): re-sending a batch changes nothing. The same txn_id with other
content is rejected. A record naming a store that is not the merchant's refuses the whole
batch (403): nothing is written.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from scoring.vocabulary import CATEGORIES
from service.config import Settings
from service.problems import Conflict, FieldError, Forbidden, NotFound, ServiceUnavailable
from service.redemptions import monitoring
from service.redemptions import repository as repo
from service.redemptions.feed import RawRecord
from service.redemptions.household import key_from, pseudonym
from service.redemptions.keys import Merchant, hash_key, new_key
from service.redemptions.schemas import (
    CLOCK_SKEW,
    FeedAnswer,
    KeyInfo,
    KeyIssued,
    RecordIn,
    Rejected,
)
from service.validation import collect


class Valid(msgspec.Struct):
    index: int
    record: RecordIn
    household_hash: bytes
    content_hash: bytes


def _error(pointer: str, code: str, en: str, zh: str) -> FieldError:
    return FieldError(pointer, code, en, zh)


def _prefixed(index: int, errors: list[FieldError]) -> list[FieldError]:
    base = f"/records/{index}"
    return [FieldError(base + (e.pointer if e.pointer != "/" else ""), e.code, e.detail_en,
                       e.detail_zh) for e in errors]


def _txn_of(raw: RawRecord) -> str | None:
    if raw.typed is not None:
        return raw.typed.txn_id
    txn = raw.data.get("txn_id") if isinstance(raw.data, dict) else None
    return txn if isinstance(txn, str) else None


def _content_hash(record: RecordIn, household_hash: bytes) -> bytes:
    # The ref itself is never hashed in the clear: a small ref space could be enumerated.
    fields = msgspec.structs.asdict(record)
    fields["household_ref"] = household_hash.hex()
    fields["at"] = record.at.astimezone(UTC)  # one instant, however its offset was written
    return hashlib.sha256(msgspec.json.encode(fields, order="sorted")).digest()


def household_key(settings: Settings) -> bytes:
    key = key_from(settings)
    if key is None:
        raise ServiceUnavailable(
            "The household pseudonymisation key is not configured (BOAI_HOUSEHOLD_KEY).",
            "尚未配置住户假名化密钥（BOAI_HOUSEHOLD_KEY）。")
    return key


_TEXT_FIELDS = frozenset({"name"})  # free text; every other string is a code, id or time


def _plain(value: Any, text: bool = False) -> bool:
    """True when normalisation would leave every string as it is: printable, trimmed, and
    (codes, ids, times) ASCII, which NFKC leaves alone."""
    if isinstance(value, str):
        return value.isprintable() and value == value.strip() and (text or value.isascii())
    if isinstance(value, dict):
        return all(isinstance(k, str) and k.isascii() and _plain(v, k in _TEXT_FIELDS)
                   for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return True


def _checked(record: RecordIn) -> RecordIn | None:
    """The two checks msgspec does not know: not in the future, a known category."""
    if record.at > datetime.now(UTC) + CLOCK_SKEW:
        return None
    if any(item.category not in CATEGORIES for item in record.items):
        return None
    return record


def _fast(raw: Any) -> RecordIn | None:
    """The common case at msgspec's speed: a record whose strings need no cleaning and that
    msgspec accepts as it is, with the two checks msgspec does not know (category, not in
    the future). Anything else goes the collect-every-error way, which names each field; for
    records both accept they give the same value."""
    if not isinstance(raw, dict) or not _plain(raw):
        return None
    try:
        record = msgspec.convert(raw, RecordIn)
    except msgspec.ValidationError:
        return None
    return _checked(record)


def _fast_typed(record: RecordIn) -> RecordIn | None:
    """_fast for a record msgspec decoded straight from the body: its strings must need no
    cleaning (times and ids msgspec parsed are ASCII; the field names are the schema's)."""
    if not (_plain(record.txn_id) and _plain(record.voucher_id)
            and _plain(record.household_ref)):
        return None
    if not all(_plain(i.category) and _plain(i.name, text=True) for i in record.items):
        return None
    return _checked(record)


def validate(raws: list[RawRecord], key: bytes) -> tuple[list[Valid], list[Rejected]]:
    valid: list[Valid] = []
    rejected: list[Rejected] = []
    for raw in raws:
        data = raw.data
        if raw.typed is not None:
            record = _fast_typed(raw.typed)
            if record is None:  # the generic way, from the same values
                data = msgspec.to_builtins(raw.typed)
        else:
            record = None if raw.errors else _fast(data)
        errors: list[FieldError] = []
        if record is None:
            record, errors = collect(RecordIn, data)
        errors = raw.errors + errors
        if errors or record is None:
            rejected.append(Rejected(raw.index, _txn_of(raw), _prefixed(raw.index, errors),
                                     raw.line))
            continue
        hh = pseudonym(key, record.household_ref)
        valid.append(Valid(raw.index, record, hh, _content_hash(record, hh)))
    return valid, rejected


def _rows(batch: list[Valid]) -> tuple[list[tuple], list[tuple]]:
    """The batch as the staging tables' rows (repository.STAGE_COLUMNS, ITEM_STAGE_COLUMNS)."""
    records: list[tuple] = []
    items: list[tuple] = []
    for v in batch:
        x = v.record
        records.append((x.txn_id, x.store_id, x.at, x.voucher_id, v.household_hash, x.phase,
                        x.amount_fen, x.reservation_id, v.content_hash))
        items.extend((x.txn_id, line, i.category, i.name, Decimal(str(i.quantity)),
                      i.unit_price_fen, i.amount_fen) for line, i in enumerate(x.items))
    return records, items


async def ingest(conn: asyncpg.Connection, merchant: Merchant, raws: list[RawRecord],
                 settings: Settings) -> FeedAnswer:
    key = household_key(settings)
    valid, rejected = validate(raws, key)

    stores = sorted({v.record.store_id for v in valid})
    own = await repo.own_stores(conn, merchant.application_id, stores)
    foreign = [v for v in valid if v.record.store_id not in own]
    if foreign:
        raise Forbidden(
            "The batch names stores that are not this merchant's; nothing was stored.",
            "本批数据包含不属于本商户的门店，未保存任何记录。",
            errors=[_error(f"/records/{v.index}/store_id", "not_your_store",
                           "Not one of this merchant's stores", "不是本商户的门店")
                    for v in foreign[:100]])

    # Within the batch: the same txn_id twice is a duplicate if identical, else refused.
    first: dict[str, Valid] = {}
    duplicates = 0
    fresh: list[Valid] = []
    for v in valid:
        seen = first.get(v.record.txn_id)
        if seen is None:
            first[v.record.txn_id] = v
            fresh.append(v)
        elif seen.content_hash == v.content_hash:
            duplicates += 1
        else:
            rejected.append(_conflict(v, "an earlier record of this batch"))

    reservation_ids = sorted({v.record.reservation_id for v in fresh if v.record.reservation_id})
    known = await repo.known_reservations(conn, reservation_ids) if reservation_ids else set()
    batch_id = uuid.uuid4()
    accepted: list[Valid] = []
    async with conn.transaction():
        stored = await repo.existing_txns(conn, merchant.application_id,
                                          [v.record.txn_id for v in fresh])
        for v in fresh:
            if v.record.txn_id in stored:
                if stored[v.record.txn_id] == v.content_hash:
                    duplicates += 1
                else:
                    rejected.append(_conflict(v, "a record stored earlier"))
            elif v.record.reservation_id is not None and v.record.reservation_id not in known:
                rejected.append(Rejected(v.index, v.record.txn_id, [_error(
                    f"/records/{v.index}/reservation_id", "unknown_reservation",
                    "No such reservation", "预约不存在")]))
            else:
                accepted.append(v)
        inserted = await repo.insert_batch(conn, merchant.application_id, batch_id,
                                           *_rows(accepted)) if accepted else 0
        # A concurrent re-send stored some first: those are duplicates, not new records.
        duplicates += len(accepted) - inserted
    raised = await monitoring.evaluate(conn, settings, batch_id) if inserted else 0
    rejected.sort(key=lambda r: r.index)
    return FeedAnswer(batch_id, inserted, len(rejected), duplicates, rejected, raised)


def _conflict(v: Valid, where: str) -> Rejected:
    return Rejected(v.index, v.record.txn_id, [_error(
        f"/records/{v.index}/txn_id", "txn_conflict",
        f"This txn_id was already reported with other content ({where})",
        "该 txn_id 已以不同内容上报过")])


# -- keys -----------------------------------------------------------------------------------

async def _approved_merchant(conn: asyncpg.Connection, application_id: UUID) -> asyncpg.Record:
    app = await repo.merchant_application(conn, application_id)
    if app is None:
        raise NotFound(f"No application {application_id}.", f"申请 {application_id} 不存在。")
    if app["kind"] != "merchant" or app["status"] != "approved":
        raise Conflict("Only an approved merchant gets a data feed key.",
                       "只有已批准的商户可以获得数据接口密钥。")
    return app


async def issue_key(conn: asyncpg.Connection, application_id: UUID, by: str) -> KeyIssued:
    """Issue the merchant's key; an active key is revoked in the same transaction (rotation)."""
    key = new_key()
    async with conn.transaction():
        app = await _approved_merchant(conn, application_id)
        revoked = await repo.revoke_active_key(conn, application_id, by)
        row = await repo.insert_key(conn, application_id, hash_key(key), by)
        await repo.audit(conn, "application", str(application_id),
                         "merchant_key_rotated" if revoked else "merchant_key_issued", by,
                         None, None, "", {"key_id": row["id"]})
    return KeyIssued(application_id, app["legal_name"], key, row["id"], row["created_at"],
                     revoked)


async def revoke_key(conn: asyncpg.Connection, application_id: UUID, by: str) -> KeyInfo:
    async with conn.transaction():
        await _approved_merchant(conn, application_id)
        if await repo.revoke_active_key(conn, application_id, by):
            await repo.audit(conn, "application", str(application_id), "merchant_key_revoked",
                             by, None, None, "", {})
    return await key_info(conn, application_id)


async def key_info(conn: asyncpg.Connection, application_id: UUID) -> KeyInfo:
    app = await _approved_merchant(conn, application_id)
    row = await repo.active_key(conn, application_id)
    return KeyInfo(application_id, app["legal_name"], row is not None,
                   row["id"] if row else None, row["created_at"] if row else None,
                   row["created_by"] if row else None, row["last_used_at"] if row else None)
