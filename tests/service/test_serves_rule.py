"""One rule for "store serves community": the Python rule that scores candidates not yet in the
registry (scoring/coverage.py) agrees with the SQL rule the registry keeps (migration 0020), on
random stores and communities, zones touching a community's edge or entering it by less than
the 10 cm interior, and stores just inside and just outside walking distance.

Hypothesis generates the cases (derandomised); they are written to PostGIS in one go and the
maintained relation `store_serves` is compared with the Python answer for each store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
import numpy as np
import shapely
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from geo import geodesic_circle
from geo.distance import GEOD
from scoring import default_rubric
from scoring.coverage import CommunityIndex, communities_served_by
from scoring.models import CommunityFacts, StoreFacts
from service.registry import serves
from tests.service.test_registry_builders import store

WALK_M = default_rubric().walking_distance_m
EDGE_M = 1.0  # the two distance computations agree to far better than this
ORIGIN = (117.0, 40.3)  # away from the fixture's pilot communities; each case gets its own cell


@dataclass
class Case:
    communities: list[Polygon]
    lon: float
    lat: float
    zone: Polygon | None
    radius_m: float | None
    home_delivery: bool
    kind: str = ""


def _rect(x: float, y: float, w: float, h: float) -> Polygon:
    return box(x, y, x + w, y + h)


DEPTHS = {"touching_zone": 0.0, "zone_in_5cm": 0.0000005, "zone_in_30cm": 0.000003}
KINDS = ("walk_in", "walk_out", "radius", *DEPTHS, "polygon_zone", "walk_random")


@st.composite
def cases(draw: Any, kind: str) -> Case:
    w = draw(st.floats(0.003, 0.015))
    h = draw(st.floats(0.003, 0.015))
    first = _rect(0.0, 0.0, w, h)
    communities = [first]
    # neighbours sharing an edge, and a random one nearby
    if draw(st.booleans()):
        communities.append(_rect(w, 0.0, draw(st.floats(0.003, 0.01)), h))
    if draw(st.booleans()):
        communities.append(_rect(draw(st.floats(-0.03, 0.03)), draw(st.floats(-0.03, 0.03)),
                                 draw(st.floats(0.002, 0.01)), draw(st.floats(0.002, 0.01))))
    mid = h / 2
    if kind in ("walk_in", "walk_out"):
        # due west of the first community, just inside or just outside walking distance
        delta = (-1 if kind == "walk_in" else 1) * draw(st.floats(EDGE_M, 30.0))
        lon, lat, _ = GEOD.fwd(ORIGIN[0], ORIGIN[1] + mid, 270.0, WALK_M + delta)
        return Case(communities, lon - ORIGIN[0], lat - ORIGIN[1], None, None,
                    draw(st.booleans()), kind)
    if kind == "walk_random":
        return Case(communities, draw(st.floats(-0.03, 0.03)), draw(st.floats(-0.03, 0.03)),
                    None, None, False)
    if kind == "radius":
        return Case(communities, draw(st.floats(-0.03, 0.03)), draw(st.floats(-0.03, 0.03)),
                    None, draw(st.floats(200.0, 3000.0)), True)
    if kind in DEPTHS:
        # a zone west of the first community: touching its edge, entering it by 5 cm (less
        # than the interior's 10 cm: not served), or by 30 cm (served)
        depth = DEPTHS[kind]
        zw = draw(st.floats(0.03, 0.05))
        zone = _rect(-zw + depth, draw(st.floats(-0.002, 0.0)), zw, h)
        # the store at the zone's far end, beyond walking distance: only the zone can serve
        c = shapely.Point(-zw + depth + 0.001, zone.centroid.y)
        return Case(communities, c.x, c.y, zone, None, True, kind)
    points = draw(st.lists(st.tuples(st.floats(-0.02, 0.03), st.floats(-0.02, 0.03)),
                           min_size=3, max_size=8))
    hull = shapely.MultiPoint(points).convex_hull
    if not isinstance(hull, Polygon) or hull.area < 1e-6:
        hull = _rect(-0.01, -0.01, 0.02, 0.02)
    c = hull.representative_point()
    return Case(communities, c.x, c.y, hull, None, True)


def _collect(n: int, kind: str) -> list[Case]:
    found: list[Case] = []

    @given(case=cases(kind))
    @settings(max_examples=n, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: Case) -> None:
        found.append(case)

    run()
    return found


def _shift(geom: Any, dx: float, dy: float) -> Any:
    return shapely.transform(geom, lambda xy: xy + np.array([dx, dy]))


async def test_python_rule_agrees_with_the_registry_relation(conn: asyncpg.Connection) -> None:
    generated = [c for kind in KINDS for c in _collect(15, kind)]
    kinds_checked = {"edge_in": 0, "edge_out": 0, "touching": 0, "delivers": 0}
    for i, case in enumerate(generated):
        dx, dy = ORIGIN[0] + (i % 10) * 0.15, ORIGIN[1] + (i // 10) * 0.15
        facts: list[CommunityFacts] = []
        for j, poly in enumerate(case.communities):
            code = f"99{i:06d}{j:04d}"
            geom = MultiPolygon([_shift(poly, dx, dy)])
            await conn.execute(
                "INSERT INTO communities (code, name, is_pilot, geom) "
                "VALUES ($1, $2, true, ST_SetSRID($3::geometry, 4326))", code, code, geom)
            facts.append(CommunityFacts(code, code, geom, 1, 1))
        lon, lat = case.lon + dx, case.lat + dy
        zone = _shift(case.zone, dx, dy) if case.zone is not None else None
        store_id = await store(conn, lon, lat, home_delivery=case.home_delivery, zone=zone,
                               radius_m=case.radius_m)
        if case.radius_m is not None:
            zone = geodesic_circle(lon, lat, case.radius_m)  # as the registry stores it
        index = CommunityIndex(facts)
        python = communities_served_by(
            StoreFacts(str(store_id), "s", lon, lat, frozenset(), case.home_delivery, zone),
            index, default_rubric(),
        )
        codes = {f.code for f in facts}
        sql = set(await serves.communities_served(conn, store_id, WALK_M)) & codes
        assert python == sql, (i, case)
        first = facts[0].code
        if case.kind in ("walk_in", "walk_out"):
            kinds_checked["edge_in" if first in sql else "edge_out"] += 1
        if case.kind == "touching_zone":
            kinds_checked["touching"] += 1
        if case.zone is not None and python:
            kinds_checked["delivers"] += 1
    assert all(kinds_checked.values()), kinds_checked


async def test_touching_zone_and_walking_edge_explicitly(conn: asyncpg.Connection) -> None:
    """The boundary cases named, not left to chance."""
    x0, y0 = 117.5, 40.5
    community = MultiPolygon([_rect(x0, y0, 0.01, 0.01)])
    await conn.execute("INSERT INTO communities (code, name, is_pilot, geom) VALUES "
                       "('990000000001', 't', true, ST_SetSRID($1::geometry, 4326))", community)
    touching = _rect(x0 - 0.02, y0, 0.02, 0.01)
    inside_5cm = _rect(x0 - 0.02 + 0.0000005, y0, 0.02, 0.01)
    inside_30cm = _rect(x0 - 0.02 + 0.000003, y0, 0.02, 0.01)
    index = CommunityIndex([CommunityFacts("990000000001", "t", community, 1, 1)])
    got, python = {}, {}
    for name, zone in (("touching", touching), ("5cm", inside_5cm), ("30cm", inside_30cm)):
        c = zone.centroid
        # the store stands 1.5 km from the community: beyond walking distance
        lon, lat, _ = GEOD.fwd(x0, y0 + 0.005, 270.0, 1500.0)
        sid = await store(conn, lon, lat, home_delivery=True, zone=zone, name=name)
        assert c.x < x0
        got[name] = "990000000001" in await serves.communities_served(conn, sid, WALK_M)
        facts = StoreFacts(name, name, lon, lat, frozenset(), True, zone)
        python[name] = "990000000001" in communities_served_by(facts, index, default_rubric())
    assert got == python == {"touching": False, "5cm": False, "30cm": True}
    for delta, served in ((-EDGE_M, True), (EDGE_M, False)):
        lon, lat, _ = GEOD.fwd(x0, y0 + 0.005, 270.0, WALK_M + delta)
        sid = await store(conn, lon, lat)
        assert ("990000000001" in await serves.communities_served(conn, sid, WALK_M)) is served
