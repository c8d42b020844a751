"""Dispatcher reads answered from the in-memory registry index: stores serving a point (the
nearest `limit` and the total) and the nearest stores. PostgreSQL is asked once per request,
for the candidates' status and capacity today (and the point's community). Routing takes its
candidates from the same index (service/dispatch/routing.py) and reserves in one statement
that re-checks both."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from uuid import UUID

import asyncpg
import msgspec
import numpy as np
from shapely.geometry import Point

from service.registry.index import Candidate, Found, RegistryIndex
from service.registry.index_listener import SQL, RegistryIndexHolder
from service.registry.places import service_day
from service.registry.ranking import TIE_BAND_M, rank
from service.registry.schemas import CommunityRef, PointAnswer

_ENC = msgspec.json.Encoder()


async def index_of(holder: RegistryIndexHolder, conn: asyncpg.Connection | None = None
                   ) -> RegistryIndex:
    if holder.current is None:
        await holder.refresh(conn)  # raises when it cannot build one
    if holder.current is None:
        raise RuntimeError("the registry index could not be built")
    return holder.current


async def live(conn: asyncpg.Connection, found: Found, day: date, point: Point,
               checked: int | None = None
               ) -> tuple[Found, dict[UUID, int], CommunityRef | None, int]:
    """The first `checked` (all) found stores that are still active, and their capacity left
    today; the point's community; the registry version now. Stores past `checked` are kept
    unchecked: an index at the registry's version holds only active stores, so the caller
    (`lookup`) needs status only to catch an index that trails, and capacity only for the stores
    it ranks."""
    n = len(found) if checked is None else min(checked, len(found))
    rows = await conn.fetch(SQL.live_state, found.ids(n), day, point)
    left: dict[UUID, int] = {}
    community, version = None, 0
    for r in rows:
        if r["id"] is None:
            version = r["version"]
            if r["community_code"] is not None:
                community = CommunityRef(r["community_code"], r["community_name"])
        else:
            left[r["id"]] = max(0, r["capacity_left"])
    if len(left) < n:
        active = np.ones(len(found), dtype=bool)
        active[:n] = np.fromiter((i in left for i in found.ids(n)), bool, n)
        found = found.keep(active)
    return found, left, community, version


async def lookup(holder: RegistryIndexHolder, conn: asyncpg.Connection, point: Point,
                 pick: Callable[[RegistryIndex], Found], limit: int | None = None,
                 ) -> tuple[RegistryIndex, Found, dict[UUID, int], CommunityRef | None]:
    """Stores found in the index, checked live: with `limit`, only the stores that can rank
    among the first `limit` (their capacity orders them). An index older than the registry (its
    notification not yet arrived) is refreshed first (only the stores changed since it), so
    every answer reflects each change committed before the request: stores reopened or added
    included, not only closed ones."""
    day = service_day()
    index = await index_of(holder, conn)
    found = pick(index)
    checked = None if limit is None else ranked_among(found, limit)
    kept, left, community, version = await live(conn, found, day, point, checked)
    if version > index.version:
        await holder.refresh(conn)
        index = await index_of(holder, conn)
        found = pick(index)
        checked = None if limit is None else ranked_among(found, limit)
        kept, left, community, _ = await live(conn, found, day, point, checked)
    if len(kept) < len(found) and checked is not None and checked < len(found):
        # a store closed since even the refreshed index: the ranked ones may now reach past
        # those checked, so check them all (rare: a change in the last milliseconds)
        kept, left, community, _ = await live(conn, kept, day, point)
    return index, kept, left, community


def ranked_among(found: Found, limit: int) -> int:
    """How many of the nearest found stores can be among the first `limit` of the ranking:
    it reorders only within 100 m bands, so those up to the band of the `limit`-th nearest."""
    if len(found) <= limit:
        return len(found)
    band = found.dist[limit - 1] // TIE_BAND_M
    return int(np.searchsorted(found.dist // TIE_BAND_M, band, side="right"))


def first_ranked(found: Found, left: dict[UUID, int], limit: int, phase: str | None,
                 mobility_assist: bool = False) -> list[Candidate]:
    """The first `limit` of the ranking."""
    n = ranked_among(found, limit)
    return rank(found.candidates(left, n), phase, mobility_assist)[:limit]


def answer(index: RegistryIndex, where: PointAnswer, crs: str, stores: Sequence[Candidate],
           total: int | None = None, limit: int | None = None) -> bytes:
    """The JSON answer, each store's unchanging part taken encoded from the index."""
    parts = [b'{"point":', _ENC.encode(where), b',"crs":', _ENC.encode(crs)]
    if total is not None:
        parts += [b',"total":%d,"limit":%d' % (total, limit or 0)]
    parts += [b',"stores":', index.encoded(stores, crs), b"}"]
    return b"".join(parts)


def point_answer(lon: float, lat: float, crs: str, point: Point,
                 community: CommunityRef | None) -> PointAnswer:
    return PointAnswer(lon=lon, lat=lat, crs=crs, lon_wgs84=round(point.x, 7),  # type: ignore[arg-type]
                       lat_wgs84=round(point.y, 7), community=community)
