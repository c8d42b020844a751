"""What households bought: consumption grouped by community, district, category, phase,
store and day, the share of routed households who redeemed, each merchant's timeliness."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from scoring.vocabulary import CATEGORIES, PHASES
from service.redemptions import repository as repo

Dimension = Literal["community", "district", "category", "phase", "store", "day"]
DIMENSIONS: tuple[Dimension, ...] = ("community", "district", "category", "phase", "store",
                                     "day")
BEIJING = ZoneInfo("Asia/Shanghai")  # the programme's days
METRICS = ("redemptions", "households", "amount_fen", "item_lines")


class Row(msgspec.Struct):
    redemptions: int
    households: int
    amount_fen: int
    item_lines: int
    community: str | None = None
    community_name: str | None = None
    district: str | None = None
    category: str | None = None
    category_zh: str | None = None
    eligible: bool | None = None  # the programme's configured (voucher-eligible) categories
    phase: str | None = None
    phase_zh: str | None = None
    store_id: UUID | None = None
    store_name: str | None = None
    day: date | None = None


class Routing(msgspec.Struct):
    reserved: int
    redeemed: int
    share: float | None


class Timeliness(msgspec.Struct):
    application_id: UUID
    merchant_name: str
    records: int
    median_lag_h: float
    p90_lag_h: float
    within_24h_share: float
    last_received_at: datetime


class Consumption(msgspec.Struct):
    group_by: list[str]
    start: datetime | None
    end: datetime | None
    rows: list[Row]
    totals: Row
    routing: Routing
    timeliness: list[Timeliness]


def _row(r: asyncpg.Record) -> Row:
    cat = CATEGORIES.get(r["category"]) if r["category"] else None
    phase = PHASES.get(r["phase"]) if r["phase"] else None
    return Row(
        redemptions=r["redemptions"], households=r["households"], amount_fen=r["amount_fen"],
        item_lines=r["item_lines"], community=r["community"],
        community_name=r["community_name"], district=r["district"], category=r["category"],
        category_zh=cat.zh if cat else None, eligible=(not cat.excluded) if cat else None,
        phase=r["phase"], phase_zh=phase.zh if phase else None, store_id=r["store_id"],
        store_name=r["store_name"], day=r["day"],
    )


def beijing_day(moment: datetime | None) -> date | bool | None:
    """The Beijing day starting at `moment` (None: open); False when it is not a midnight."""
    if moment is None:
        return None
    local = moment.astimezone(BEIJING)
    return local.date() if local.time() == time(0) else False


async def _grouped(conn: asyncpg.Connection, dims: list[bool], start: datetime | None,
                   end: datetime | None) -> list[asyncpg.Record]:
    # Periods of whole Beijing days (or open) read the rollup; any other bound the raw rows.
    first, last = beijing_day(start), beijing_day(end)
    if first is False or last is False:
        return await repo.consumption(conn, dims, start, end)
    return await repo.consumption_rollup(conn, dims, first, last)  # type: ignore[arg-type]


async def consumption(conn: asyncpg.Connection, group_by: list[Dimension],
                      start: datetime | None, end: datetime | None) -> Consumption:
    dims = [d in group_by for d in DIMENSIONS]
    rows = [_row(r) for r in await _grouped(conn, dims, start, end)]
    total = await _grouped(conn, [False] * len(DIMENSIONS), start, end)
    totals = _row(total[0]) if total else Row(0, 0, 0, 0)
    routed = await repo.routing(conn, start, end)
    share = routed["redeemed"] / routed["reserved"] if routed["reserved"] else None
    timely = [msgspec.convert(dict(r), Timeliness) for r in await repo.timeliness(conn, start, end)]
    ordered = [d for d in DIMENSIONS if d in group_by]
    return Consumption(ordered, start, end, rows, totals,
                       Routing(routed["reserved"], routed["redeemed"], share), timely)


def csv_columns(group_by: list[str]) -> list[str]:
    extra = {"community": ["community", "community_name"], "district": ["district"],
             "category": ["category", "category_zh", "eligible"],
             "phase": ["phase", "phase_zh"], "store": ["store_id", "store_name"],
             "day": ["day"]}
    return [c for d in DIMENSIONS if d in group_by for c in extra[d]] + list(METRICS)


def to_csv(report: Consumption) -> bytes:
    columns = csv_columns(report.group_by)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in report.rows:
        values: dict[str, Any] = msgspec.to_builtins(row)
        writer.writerow(["" if values.get(c) is None else values[c] for c in columns])
    # A BOM, so spreadsheet programmes read the Chinese names as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
