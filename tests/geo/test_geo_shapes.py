"""GeoJSON polygon input, geodesic circles, distances and areas."""

import math

import msgspec
import numpy as np
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon, shape

from geo import Polygon as GeoJSONPolygon
from geo import (
    from_wgs84,
    geodesic_area_m2,
    geodesic_circle,
    geodesic_m,
    geodesic_m_array,
    polygon_from_geojson,
    reach_problems,
    shapes,
    to_geojson,
)
from geo.shapes import Geometry
from tests.hypothesis_budget import size

# ~1.1 km x 1.1 km square around Tuanjiehu, WGS-84.
SQUARE = [[116.46, 39.92], [116.473, 39.92], [116.473, 39.93], [116.46, 39.93], [116.46, 39.92]]
HOLE = [[116.465, 39.924], [116.465, 39.926], [116.468, 39.926], [116.468, 39.924],
        [116.465, 39.924]]


def poly(*rings):
    return {"type": "Polygon", "coordinates": [list(r) for r in rings]}


def codes(result):
    return [p.code for p in result.problems]


def test_valid_square():
    r = polygon_from_geojson(poly(SQUARE), "wgs84", max_vertices=100)
    assert r.ok and not r.notes and not r.problems
    assert 1.0e6 < r.area_m2 < 1.3e6


def test_gcj02_input_is_converted_to_wgs84():
    gcj = [list(from_wgs84(x, y, "gcj02")) for x, y in SQUARE]
    r = polygon_from_geojson(poly(gcj), "gcj02", max_vertices=100)
    assert r.ok
    x, y = r.geometry.exterior.coords[0]
    assert geodesic_m(x, y, *SQUARE[0]) < 0.01


def test_accepts_struct_input_and_altitude():
    struct = msgspec.convert(poly([[*p, 40.0] for p in SQUARE]), Geometry)
    assert isinstance(struct, GeoJSONPolygon)
    assert polygon_from_geojson(struct, max_vertices=100).ok


BOW = [[116.46, 39.92], [116.47, 39.93], [116.47, 39.92], [116.46, 39.93], [116.46, 39.92]]


@pytest.mark.parametrize("crs", ["wgs84", "gcj02", "bd09"])
def test_bow_tie_is_refused_naming_where_it_crosses(crs):
    r = polygon_from_geojson(poly(BOW), crs, max_vertices=100)
    assert not r.ok and r.geometry is None
    assert codes(r) == ["self_intersection"]
    problem = r.problems[0]
    # the crossing, in the coordinates as given, and the edge it lies on
    assert "116.465000, 39.925000" in problem.detail_en and "116.465000" in problem.detail_zh
    assert problem.pointer_suffix in ("/coordinates/0/0", "/coordinates/0/2")


def test_overlapping_parts_and_crossing_holes_are_refused():
    shifted = [[x + 0.005, y] for x, y in SQUARE]
    r = polygon_from_geojson(
        {"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted]]}, max_vertices=100
    )
    assert codes(r) == ["self_intersection"]
    assert r.problems[0].pointer_suffix.startswith("/coordinates/")
    loop = [[116.46, 39.92], [116.47, 39.92], [116.47, 39.93], [116.465, 39.91],
            [116.46, 39.93], [116.46, 39.92]]
    assert codes(polygon_from_geojson(poly(loop), max_vertices=100)) == ["self_intersection"]


def test_bow_tie_is_repaired_with_a_note_when_asked():
    bow = BOW
    r = polygon_from_geojson(poly(bow), max_vertices=100, repair=True)
    assert r.ok
    assert [n.code for n in r.notes] == ["self_intersection_repaired"]
    assert r.geometry.is_valid and r.geometry.area > 0
    assert r.notes[0].detail_zh


def test_degenerate_ring_is_rejected():
    flat = [[116.46, 39.92], [116.47, 39.92], [116.48, 39.92], [116.46, 39.92]]
    r = polygon_from_geojson(poly(flat), max_vertices=100)
    assert not r.ok and codes(r) == ["invalid_geometry"]


def test_too_many_vertices_rejected_before_parsing(monkeypatch):
    # "Fast" means: counted and refused before any parsing or geometry is built (a timing
    # assertion would be noise on a loaded machine); parsing is made to fail loudly.
    def must_not_parse(*_args, **_kwargs):
        raise AssertionError("parsed a shape that the vertex cap should have refused")

    monkeypatch.setattr(shapes, "_parse", must_not_parse)
    n = size(1_000_000)
    ring = [[116.46 + i * 1e-8, 39.92] for i in range(n)] + [[116.46, 39.92]]
    r = polygon_from_geojson(poly(ring), max_vertices=10_000)
    assert codes(r) == ["too_many_vertices"]
    assert r.problems[0].pointer_suffix == "/coordinates"
    assert str(n + 1) in r.problems[0].detail_en


def test_outside_china_rejected():
    paris = [[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.9], [2.3, 48.8]]
    assert codes(polygon_from_geojson(poly(paris), max_vertices=100)) == ["outside_china"]


def test_swapped_lat_lon_rejected():
    # Latitude 116 is out of range; the message tells the user about the order.
    swapped = [[y, x] for x, y in SQUARE]
    r = polygon_from_geojson(poly(swapped), max_vertices=100)
    assert set(codes(r)) == {"coordinate_out_of_range"}
    assert "order" in r.problems[0].detail_en


def test_nan_and_infinite_coordinates_rejected_with_pointer():
    ring = [list(p) for p in SQUARE]
    ring[1] = [math.nan, 39.92]
    ring[2] = [116.473, math.inf]
    r = polygon_from_geojson(poly(ring), max_vertices=100)
    assert codes(r) == ["non_finite_coordinate", "non_finite_coordinate"]
    assert [p.pointer_suffix for p in r.problems] == ["/coordinates/0/1", "/coordinates/0/2"]


def test_unclosed_and_short_rings_rejected():
    assert codes(polygon_from_geojson(poly(SQUARE[:-1]), max_vertices=100)) == ["ring_not_closed"]
    short = [SQUARE[0], SQUARE[1], SQUARE[0]]
    assert codes(polygon_from_geojson(poly(short), max_vertices=100)) == ["ring_too_short"]


def test_out_of_range_and_wrong_type():
    far = [[216.46, 39.92], *SQUARE[1:-1], [216.46, 39.92]]
    r = polygon_from_geojson(poly(far), max_vertices=100)
    assert codes(r) == ["coordinate_out_of_range"] * 2
    assert [p.pointer_suffix for p in r.problems] == ["/coordinates/0/0", "/coordinates/0/4"]
    point = {"type": "Point", "coordinates": [116.4, 39.9]}
    assert codes(polygon_from_geojson(point, max_vertices=100)) == ["unsupported_geometry_type"]
    garbage = {"type": "Polygon", "coordinates": [[[116.4, "x"]]]}
    r = polygon_from_geojson(garbage, max_vertices=100)
    assert codes(r) == ["invalid_geojson"]
    assert r.problems[0].pointer_suffix == "/coordinates/0/0/1"


def test_hole_is_kept_and_subtracted():
    r = polygon_from_geojson(poly(SQUARE, HOLE), max_vertices=100)
    assert r.ok and len(r.geometry.interiors) == 1
    solid = polygon_from_geojson(poly(SQUARE), max_vertices=100)
    hole_area = geodesic_area_m2(Polygon(HOLE))
    assert r.area_m2 == pytest.approx(solid.area_m2 - hole_area, rel=1e-9)


def test_same_orientation_hole_still_subtracted():
    # pyproj signs by orientation; a CCW hole inside a CCW shell must not add area.
    shell = Polygon(SQUARE)
    holed = Polygon(SQUARE, [HOLE[::-1]])
    holed_same = Polygon(SQUARE, [HOLE])
    assert geodesic_area_m2(holed) == pytest.approx(geodesic_area_m2(holed_same))
    assert geodesic_area_m2(holed) < geodesic_area_m2(shell)


def test_multipolygon_kept():
    other = [[116.50, 39.92], [116.51, 39.92], [116.51, 39.93], [116.50, 39.93], [116.50, 39.92]]
    obj = {"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], [other]]}
    r = polygon_from_geojson(obj, max_vertices=100)
    assert r.ok and isinstance(r.geometry, MultiPolygon) and len(r.geometry.geoms) == 2
    bad = {"type": "MultiPolygon", "coordinates": [[SQUARE], [other[:-1]]]}
    r = polygon_from_geojson(bad, max_vertices=100)
    assert codes(r) == ["ring_not_closed"]
    assert r.problems[0].pointer_suffix == "/coordinates/1/0/3"


def test_area_limits():
    r = polygon_from_geojson(poly(SQUARE), max_vertices=100, max_area_m2=1e5)
    assert codes(r) == ["area_too_large"]
    r = polygon_from_geojson(poly(SQUARE), max_vertices=100, min_area_m2=1e7)
    assert codes(r) == ["area_too_small"]
    assert r.problems[0].detail_en and r.problems[0].detail_zh


@pytest.mark.parametrize(("lon", "lat", "radius"), [(116.4, 39.9, 500.0), (87.1, 28.6, 3000.0),
                                                    (109.5, 18.25, 10_000.0)])
def test_geodesic_circle_radius(lon, lat, radius):
    circle = geodesic_circle(lon, lat, radius)
    assert circle.is_valid and circle.exterior.is_ccw
    xs, ys = np.asarray(circle.exterior.coords).T
    d = geodesic_m_array(lon, lat, xs, ys)
    assert np.all(np.abs(d - radius) < radius * 0.005)
    # The area of a 64-gon is within 0.5 % of the disc's.
    assert geodesic_area_m2(circle) == pytest.approx(math.pi * radius**2, rel=0.005)
    assert circle.contains(Point(lon, lat))


def test_geodesic_distance_known_value():
    # One degree of latitude at 40N is ~111,035 m on WGS-84.
    assert geodesic_m(116.0, 39.5, 116.0, 40.5) == pytest.approx(111_035, abs=20)


def test_to_geojson_round_trips_with_lists():
    geom = polygon_from_geojson(poly(SQUARE, HOLE), max_vertices=100).geometry
    out = to_geojson(geom)
    assert out["type"] == "Polygon"
    assert isinstance(out["coordinates"], list) and isinstance(out["coordinates"][0][0], list)
    assert Polygon(out["coordinates"][0]).exterior.is_ccw
    assert shape(out).equals(geom)
    msgspec.json.encode(out)


# The store in Beijing; Urumqi and Kashgar 2,400 km and 3,400 km west.
BEIJING = (116.4663, 39.9303)
URUMQI_SQUARE = [[87.60, 43.80], [87.62, 43.80], [87.62, 43.82], [87.60, 43.82], [87.60, 43.80]]
KASHGAR_SQUARE = [[75.98, 39.46], [76.0, 39.46], [76.0, 39.48], [75.98, 39.48], [75.98, 39.46]]


def _zone(obj):
    result = polygon_from_geojson(obj, max_vertices=1000)
    assert result.ok
    return result.geometry


def test_zone_far_from_its_store_is_refused():
    problems = reach_problems(*BEIJING, _zone(poly(URUMQI_SQUARE)), max_gap_m=2000,
                              max_reach_m=30_000)
    assert [p.code for p in problems] == ["zone_away_from_store", "zone_out_of_reach"]
    assert "2,4" in problems[0].detail_en  # about 2,400 km
    assert problems[1].pointer_suffix.startswith("/coordinates/0/")


def test_multipolygon_with_one_far_part_names_that_part():
    near = [[x, y] for x, y in SQUARE]
    zone = _zone({"type": "MultiPolygon", "coordinates": [[near], [KASHGAR_SQUARE]]})
    problems = reach_problems(*BEIJING, zone, max_gap_m=2000, max_reach_m=30_000)
    assert [p.code for p in problems] == ["zone_out_of_reach"]
    assert problems[0].pointer_suffix.startswith("/coordinates/1/0/")
    assert "Part 2" in problems[0].detail_en and "第 2 部分" in problems[0].detail_zh


def test_zone_near_the_store_is_accepted_and_the_gap_is_measured():
    assert reach_problems(*BEIJING, _zone(poly(SQUARE)), max_gap_m=2000, max_reach_m=30_000) == []
    # a store 1.3 km east of the square: inside the gap allowed, outside a smaller one
    east = (116.488, 39.925)
    assert reach_problems(*east, _zone(poly(SQUARE)), max_gap_m=2000, max_reach_m=30_000) == []
    codes_ = [p.code for p in reach_problems(*east, _zone(poly(SQUARE)), max_gap_m=1000,
                                             max_reach_m=30_000)]
    assert codes_ == ["zone_away_from_store"]
    # a 40 km long zone touching the store: every part must lie within the reach
    long = [[116.46, 39.92], [116.93, 39.92], [116.93, 39.93], [116.46, 39.93], [116.46, 39.92]]
    assert [p.code for p in reach_problems(*BEIJING, _zone(poly(long)), max_gap_m=2000,
                                           max_reach_m=30_000)] == ["zone_out_of_reach"]


def test_near_geodesic_distances_stay_within_their_stated_error():
    from geo.distance import PLANE_ERROR_M, PLANE_MAX_M, near_geodesic_m_array

    rng = np.random.default_rng(3)
    for reach in (PLANE_MAX_M, 3 * PLANE_MAX_M):  # the plane, then beyond it
        lat0, lon0 = rng.uniform(15, 54), rng.uniform(73, 135)
        for _ in range(40):
            lat0, lon0 = rng.uniform(15, 54), rng.uniform(73, 135)
            r, az = rng.uniform(0, reach, 500), rng.uniform(0, 2 * np.pi, 500)
            lat = lat0 + r * np.cos(az) / 111_000
            lon = lon0 + r * np.sin(az) / (111_000 * np.cos(np.radians(lat0)))
            exact = geodesic_m_array(lon0, lat0, lon, lat)
            near = near_geodesic_m_array(lon0, lat0, lon, lat)
            assert np.abs(near - exact).max() <= PLANE_ERROR_M / 2  # half the stated error
            beyond = near > PLANE_MAX_M
            assert (near[beyond] == exact[beyond]).all()
