"""ZoneDiscs decides a point against a zone only where that is certain: inside its inner disc
is inside the zone, outside its outer disc is outside; everything else is left to the polygon."""

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geo import geodesic_circle
from geo.inner_disk import ZoneDiscs, ZoneLocator

LON, LAT = 116.46, 39.92


def _zones() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zones as the registry has them, with their stores: discs of several sizes and segment
    counts, a drawn square with a hole around the store, a concave L, a store outside its drawn
    zone, a two-part zone, and a far-north disc (where a degree of longitude is short)."""
    zones, xs, ys = [], [], []

    def add(zone, x, y):  # type: ignore[no-untyped-def]
        zones.append(zone)
        xs.append(x)
        ys.append(y)

    for k, (r, seg) in enumerate([(300, 8), (1500, 64), (3000, 16), (800, 5)]):
        add(geodesic_circle(LON + k * 0.01, LAT, r, seg), LON + k * 0.01, LAT)
    square = [(LON - 0.01, LAT - 0.01), (LON + 0.01, LAT - 0.01), (LON + 0.01, LAT + 0.01),
              (LON - 0.01, LAT + 0.01)]
    hole = [(LON + 0.002, LAT - 0.001), (LON + 0.004, LAT - 0.001), (LON + 0.004, LAT + 0.001),
            (LON + 0.002, LAT + 0.001)]
    add(Polygon(square, [hole]), LON, LAT)
    add(Polygon([(LON, LAT), (LON + 0.02, LAT), (LON + 0.02, LAT + 0.005),
                 (LON + 0.005, LAT + 0.005), (LON + 0.005, LAT + 0.02), (LON, LAT + 0.02)]),
        LON + 0.001, LAT + 0.001)
    add(Polygon(square), LON + 0.05, LAT)  # the store stands outside its zone
    add(MultiPolygon([geodesic_circle(LON, LAT, 500, 32), geodesic_circle(LON + 0.05, LAT, 500,
                                                                         32)]), LON, LAT)
    add(geodesic_circle(120.0, 53.0, 2000, 32), 120.0, 53.0)
    return np.array(zones, dtype=object), np.array(xs), np.array(ys)


def _check(discs: ZoneDiscs, zones: np.ndarray, px: np.ndarray, py: np.ndarray) -> int:
    """Asserts no wrong decision over every zone and point; returns how many were decided."""
    every = np.arange(len(zones))
    decided = 0
    for x, y in zip(px.tolist(), py.tolist(), strict=True):
        sure, undecided = discs.decide(every, x, y)
        truth = shapely.intersects_xy(zones, x, y)
        assert not (sure & ~truth).any(), (x, y, np.flatnonzero(sure & ~truth))
        assert not (~sure & ~undecided & truth).any(), (x, y, np.flatnonzero(~undecided & truth))
        decided += int((~undecided).sum())
    return decided


def test_random_points_are_never_decided_wrongly_and_mostly_decided() -> None:
    zones, xs, ys = _zones()
    discs = ZoneDiscs(zones, xs, ys)
    rng = np.random.default_rng(7)
    n = 3000
    # around the Beijing zones, and around the far-north one
    px = np.concatenate((LON + rng.uniform(-0.05, 0.1, n), 120.0 + rng.uniform(-0.05, 0.05, n)))
    py = np.concatenate((LAT + rng.uniform(-0.05, 0.05, n), 53.0 + rng.uniform(-0.03, 0.03, n)))
    decided = _check(discs, zones, px, py)
    assert decided > 0.9 * len(px) * len(zones)  # the point of it: GEOS is rarely asked


def test_points_on_and_next_to_boundaries_and_vertices_are_left_to_the_polygon() -> None:
    zones, xs, ys = _zones()
    discs = ZoneDiscs(zones, xs, ys)
    coords = shapely.get_coordinates(zones)
    mids = (coords[:-1] + coords[1:]) / 2  # on edges (and some chords between rings)
    eps = 1e-9
    px = np.concatenate([coords[:, 0], mids[:, 0], coords[:, 0] + eps, coords[:, 0] - eps])
    py = np.concatenate([coords[:, 1], mids[:, 1], coords[:, 1] + eps, coords[:, 1] - eps])
    _check(discs, zones, px, py)


def test_a_store_outside_its_zone_gets_no_inner_disc_and_an_empty_registry_builds() -> None:
    zones, xs, ys = _zones()
    discs = ZoneDiscs(zones, xs, ys)
    outside = 6
    assert not zones[outside].contains(shapely.Point(xs[outside], ys[outside]))
    assert discs.inner2[outside] == 0.0
    assert (discs.inner2[:4] > 0).all()  # the discs around their stores do
    empty = ZoneDiscs(np.empty(0, dtype=object), np.empty(0), np.empty(0))
    sure, undecided = empty.decide(np.empty(0, dtype=np.int64), LON, LAT)
    assert sure.size == 0 and undecided.size == 0


def test_the_locator_gives_the_discs_decisions_over_every_zone_from_wkb() -> None:
    """ZoneLocator (grid candidates, discs in entry order) decides each point as the discs do
    over every zone (some undecided ones it rules out by their boxes) and never loses a zone
    holding the point; given WKB, as the registry index keeps zones."""
    zones, xs, ys = _zones()
    wide = geodesic_circle(LON, LAT, 60_000, 64)  # spans more cells than the grid lists
    zones = np.append(zones, wide)
    xs, ys = np.append(xs, LON), np.append(ys, LAT)
    locator = ZoneLocator(shapely.to_wkb(zones), xs, ys)
    assert locator.grid.aside.tolist() == [len(zones) - 1]
    discs = ZoneDiscs(zones, xs, ys)
    every = np.arange(len(zones))
    rng = np.random.default_rng(11)
    coords = shapely.get_coordinates(zones[:-1])
    px = np.concatenate((LON + rng.uniform(-0.05, 0.1, 2000), coords[:, 0], [120.0]))
    py = np.concatenate((LAT + rng.uniform(-0.05, 0.05, 2000), coords[:, 1], [53.0]))
    sure_total = 0
    for x, y in zip(px.tolist(), py.tolist(), strict=True):
        sure, undecided = discs.decide(every, x, y)
        got_sure, got_undecided = locator.locate(x, y)
        assert sorted(got_sure.tolist()) == np.flatnonzero(sure).tolist(), (x, y)
        assert set(got_undecided.tolist()) <= set(np.flatnonzero(undecided).tolist()), (x, y)
        holding = np.flatnonzero(shapely.intersects_xy(zones, x, y))
        assert set(holding.tolist()) <= set(got_sure.tolist()) | set(got_undecided.tolist())
        sure_total += len(got_sure)
    assert sure_total > len(px)  # most points lie surely inside some zones


def test_points_just_outside_a_zone_are_never_decided_inside() -> None:
    """Every vertex and edge midpoint pushed away from the zone's store by 0.001 % to 1 %: the
    thin band an inner disc reaching past the boundary would wrongly claim."""
    zones, xs, ys = _zones()
    discs = ZoneDiscs(zones, xs, ys)
    px, py = [], []
    for k, zone in enumerate(zones):
        coords = shapely.get_coordinates(zone)
        pts = np.concatenate((coords, (coords[:-1] + coords[1:]) / 2))
        for grow in (1e-5, 1e-4, 1e-3, 1e-2):
            px.append(xs[k] + (pts[:, 0] - xs[k]) * (1 + grow))
            py.append(ys[k] + (pts[:, 1] - ys[k]) * (1 + grow))
    _check(discs, zones, np.concatenate(px), np.concatenate(py))


def test_a_drawn_circle_is_near_round_in_the_scaled_coordinates() -> None:
    """Longitude scaled by the ellipsoid's radii at the store makes a 300 m geodesic circle
    round to 0.01 % (1,024 segments), at any latitude: radius zones stay disc-like, so the
    discs decide nearly every point for them (service/registry/index.py keeps them as WKB)."""
    for lat in (20.0, 40.0, 53.0):
        zone = np.array([geodesic_circle(116.0, lat, 300, 1024)], dtype=object)
        discs = ZoneDiscs(zone, np.array([116.0]), np.array([lat]))
        assert 1 - discs.inner2[0] / discs.outer2[0] < 1.5e-4, lat


def test_thousands_of_zones_are_each_measured() -> None:
    """More zones than three chunks of _CHUNK: every one gets its discs and box."""
    n = 3 * 1_024 + 7
    rng = np.random.default_rng(3)
    xs, ys = LON + rng.uniform(-0.2, 0.2, n), LAT + rng.uniform(-0.2, 0.2, n)
    zones = np.array([geodesic_circle(x, y, 400, 8) for x, y in zip(xs, ys, strict=True)],
                     dtype=object)
    discs = ZoneDiscs(shapely.to_wkb(zones), xs, ys)
    assert (discs.inner2 > 0).all() and (discs.outer2 >= discs.inner2).all()
    assert np.allclose(discs.bounds, shapely.bounds(zones))
    _check(discs, zones, xs[::50] + 0.003, ys[::50])
