"""What an applicant is told about a refused shape: which rule, where (a JSON pointer into the
geometry), in proper Chinese and English; and the bounds of the rules themselves."""

from __future__ import annotations

import math

import msgspec
import numpy as np
import pytest
import shapely

from geo import (
    geodesic_circle,
    geodesic_m,
    geodesic_m_array,
    polygon_from_geojson,
    reach_problems,
    shapes,
)
from geo.shapes import Geometry, distance_to_m
from tests.bilingual import assert_bilingual

SQUARE = [[116.46, 39.92], [116.473, 39.92], [116.473, 39.93], [116.46, 39.93], [116.46, 39.92]]
BOW = [[116.46, 39.92], [116.47, 39.93], [116.47, 39.92], [116.46, 39.93], [116.46, 39.92]]
OUTSIDE = [[116.50, 39.92], [116.51, 39.92], [116.51, 39.93], [116.50, 39.93], [116.50, 39.92]]
SPIKE = [[116.46, 39.92], [116.47, 39.92], [116.47, 39.93], [116.47, 39.92], [116.46, 39.92]]


def poly(*rings):
    return {"type": "Polygon", "coordinates": [list(r) for r in rings]}


def multi(*polys):
    return {"type": "MultiPolygon", "coordinates": [list(p) for p in polys]}


def refuse(obj, **kw):
    r = polygon_from_geojson(obj, max_vertices=kw.pop("max_vertices", 100), **kw)
    assert not r.ok and r.geometry is None and r.problems
    for p in r.problems:
        # the shapely reason and msgspec's message are quoted as they come
        quoted = tuple(s for s in (p.detail_en.partition("(")[2].partition(")")[0],
                                   p.detail_en.partition(": ")[2]) if s)
        if p.code != "invalid_geojson":
            assert_bilingual(p.detail_zh, p.detail_en, names=quoted)
    return [(p.code, p.pointer_suffix) for p in r.problems], r.problems


def test_each_ring_problem_is_named_at_its_position():
    bad = [[116.46, 39.92], [200, 39.92], [116.47, 95], [math.nan, 39.93], [116.46]]
    found, _ = refuse(poly(bad))
    assert found == [("coordinate_out_of_range", "/coordinates/0/1"),
                     ("coordinate_out_of_range", "/coordinates/0/2"),
                     ("non_finite_coordinate", "/coordinates/0/3"),
                     ("invalid_position", "/coordinates/0/4")]
    # a ring with a bad position is not also called unclosed
    found, _ = refuse(poly([[116.46, 39.92], [116.47, 39.92], [116.47, 39.93], [116.46]]))
    assert found == [("invalid_position", "/coordinates/0/3")]


def test_every_short_ring_is_reported_not_only_the_first():
    short = SQUARE[:3]
    found, problems = refuse(poly(short, short))
    assert found == [("ring_too_short", "/coordinates/0"), ("ring_too_short", "/coordinates/1")]
    assert "has 3" in problems[0].detail_en and "只有 3 个" in problems[0].detail_zh
    found, _ = refuse(multi([SQUARE], [short]))
    assert found == [("ring_too_short", "/coordinates/1/0")]


def test_unclosed_ring_points_at_its_last_position():
    found, _ = refuse(poly([*SQUARE[:-1], [116.461, 39.92]]))
    assert found == [("ring_not_closed", "/coordinates/0/4")]
    found, _ = refuse(multi([SQUARE], [[*SQUARE[:-1], [116.461, 39.92]]]))
    assert found == [("ring_not_closed", "/coordinates/1/0/4")]


@pytest.mark.parametrize("lon, lat", [(180.0, 39.9), (-180.0, 39.9), (116.4, 90.0),
                                      (116.4, -90.0)])
def test_the_extreme_longitudes_and_latitudes_are_in_range(lon, lat):
    # in range, so the ring checks pass and the shape is refused for lying outside China
    ring = [[116.46, 39.92], [lon, lat], [116.47, 39.93], [116.46, 39.92]]
    found, _ = refuse(poly(ring))
    assert [code for code, _ in found] in (["outside_china"], ["self_intersection"],
                                           ["invalid_geometry"])


@pytest.mark.parametrize("lon, lat", [(180.000001, 39.9), (-180.000001, 39.9),
                                      (116.4, 90.000001), (116.4, -90.000001)])
def test_just_past_the_range_is_out_of_range(lon, lat):
    ring = [[116.46, 39.92], [lon, lat], [116.47, 39.93], [116.46, 39.92]]
    found, _ = refuse(poly(ring))
    assert found == [("coordinate_out_of_range", "/coordinates/0/1")]


def test_problems_stop_at_twenty():
    ring = [[116.46, 39.92]] + [[200.0, 39.92]] * 30 + [[116.46, 39.92]]
    found, _ = refuse(poly(ring))
    assert len(found) == 20
    assert found[-1] == ("coordinate_out_of_range", "/coordinates/0/20")


def test_crossings_and_other_invalid_outlines_name_the_edge():
    found, problems = refuse(poly(BOW))
    assert found == [("self_intersection", "/coordinates/0/2")]
    assert "on the edge from position 2 to 3 of this ring" in problems[0].detail_en
    assert "本环第 2 至第 3 个坐标点之间的边" in problems[0].detail_zh
    found, _ = refuse(multi([SQUARE], [BOW]))
    assert found == [("self_intersection", "/coordinates/1/0/2")]
    # a hole outside its shell: not a crossing, named at the hole's first position
    found, problems = refuse(poly(SQUARE, OUTSIDE))
    assert found == [("invalid_geometry", "/coordinates/1/0")]
    assert problems[0].detail_en == ("The shape is invalid (Hole lies outside shell) near "
                                     "(116.500000, 39.920000), at position 0 of this ring.")
    assert "（Hole lies outside shell）" in problems[0].detail_zh


def test_an_outline_without_area_is_refused_even_with_repair():
    for repair in (False, True):
        found, problems = refuse(poly(SPIKE), repair=repair)
        assert found == [("invalid_geometry", "/coordinates")]
        assert "has no area once repaired" in problems[0].detail_en


def test_repair_notes_say_what_was_repaired():
    r = polygon_from_geojson(poly(BOW), max_vertices=100, repair=True)
    assert r.ok and [(n.code, n.pointer_suffix) for n in r.notes] == [
        ("self_intersection_repaired", "/coordinates")]
    assert_bilingual(r.notes[0].detail_zh, r.notes[0].detail_en,
                     names=("Self-intersection[116.465 39.925]",))
    assert "自相交" in r.notes[0].detail_zh
    r = polygon_from_geojson(poly(SQUARE, OUTSIDE), max_vertices=100, repair=True)
    assert r.ok and [n.code for n in r.notes] == ["geometry_repaired"]
    assert "Hole lies outside shell" in r.notes[0].detail_zh


def test_wrong_types_and_empty_shapes():
    found, _ = refuse({"type": "Point", "coordinates": [116.4, 39.9]})
    assert found == [("unsupported_geometry_type", "/type")]
    found, problems = refuse({"type": "Polygon", "coordinates": "x"})
    assert found == [("invalid_geojson", "/coordinates")]
    assert problems[0].detail_en.startswith("Not a GeoJSON Polygon or MultiPolygon: ")
    assert problems[0].detail_zh.startswith("不是有效的 GeoJSON 面")
    found, _ = refuse({"type": "Polygon"})
    assert found == [("invalid_geojson", "")]  # no path in the message: the object itself
    found, _ = refuse(poly())
    assert found == [("empty_polygon", "/coordinates")]
    found, _ = refuse({"type": "MultiPolygon", "coordinates": []})
    assert found == [("empty_geometry", "/coordinates")]
    found, _ = refuse(multi([SQUARE], []))
    assert found == [("empty_polygon", "/coordinates/1")]


def test_size_refusals_are_bilingual():
    found, problems = refuse(poly(SQUARE), max_vertices=4)
    assert found == [("too_many_vertices", "/coordinates")]
    assert "has 5 positions; at most 4" in problems[0].detail_en
    found, problems = refuse(poly(SQUARE), min_area_m2=2e6)
    assert found == [("area_too_small", "/coordinates")]
    assert "at least 2,000,000 m²" in problems[0].detail_en
    found, problems = refuse(poly(SQUARE), max_area_m2=1e6)
    assert found == [("area_too_large", "/coordinates")]
    found, _ = refuse(poly([[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.9], [2.3, 48.8]]))
    assert found == [("outside_china", "/coordinates")]


def test_distance_to_a_zone_is_zero_inside_and_geodesic_outside():
    zone = polygon_from_geojson(poly(SQUARE), max_vertices=100).geometry
    assert distance_to_m(116.465, 39.925, zone) == 0.0
    assert distance_to_m(116.46, 39.925, zone) == 0.0  # on the edge
    # due west, east, south and north of the square: the distance to the nearest edge
    assert distance_to_m(116.45, 39.925, zone) == pytest.approx(
        geodesic_m(116.45, 39.925, 116.46, 39.925), rel=1e-3)
    assert distance_to_m(116.483, 39.925, zone) == pytest.approx(
        geodesic_m(116.483, 39.925, 116.473, 39.925), rel=1e-3)
    assert distance_to_m(116.465, 39.91, zone) == pytest.approx(
        geodesic_m(116.465, 39.91, 116.465, 39.92), rel=1e-3)
    assert distance_to_m(116.465, 39.94, zone) == pytest.approx(
        geodesic_m(116.465, 39.94, 116.465, 39.93), rel=1e-3)


def test_reach_problems_are_bilingual_and_name_the_distances():
    zone = polygon_from_geojson(poly(SQUARE), max_vertices=100).geometry
    problems = reach_problems(116.40, 39.925, zone, max_gap_m=1500, max_reach_m=5000)
    assert [p.code for p in problems] == ["zone_away_from_store", "zone_out_of_reach"]
    for p in problems:
        assert_bilingual(p.detail_zh, p.detail_en)
    assert "within 1.5 km of it" in problems[0].detail_en
    assert "at most 5 km" in problems[1].detail_en and "最多 5 公里" in problems[1].detail_zh
    assert problems[1].pointer_suffix in {f"/coordinates/0/{i}" for i in (1, 2)}


def test_altitudes_are_dropped():
    r = polygon_from_geojson(poly([[*p, 40.0] for p in SQUARE]), max_vertices=100)
    assert r.ok and not r.geometry.has_z
    assert r.geometry.equals(polygon_from_geojson(poly(SQUARE), max_vertices=100).geometry)


@pytest.mark.parametrize("bad", [[200.0, 39.92], [math.inf, 39.92], [116.46]])
def test_a_bad_last_position_is_not_also_called_unclosed(bad):
    found, _ = refuse(poly([*SQUARE[:-1], bad]))
    assert [code for code, _ in found] != [] and "ring_not_closed" not in [c for c, _ in found]


def test_the_vertex_cap_counts_every_part_and_allows_exactly_the_cap():
    assert polygon_from_geojson(poly(SQUARE), max_vertices=5).ok
    found, problems = refuse(multi([SQUARE], [SQUARE]), max_vertices=9)
    assert found == [("too_many_vertices", "/coordinates")]
    assert "has 10 positions" in problems[0].detail_en
    struct = msgspec.convert(multi([SQUARE], [SQUARE]), Geometry)
    found, _ = refuse(struct, max_vertices=9)
    assert found == [("too_many_vertices", "/coordinates")]


@pytest.mark.parametrize("obj", ["Polygon", 42, {"type": ["Polygon"], "coordinates": []},
                                 {"type": "Polygon", "coordinates": [[1, 2, 3]]}])
def test_malformed_input_is_a_problem_never_an_exception(obj):
    r = polygon_from_geojson(obj, max_vertices=100)
    assert not r.ok and r.problems


def test_area_limits_are_inclusive_and_tiny_shapes_pass_by_default():
    area = polygon_from_geojson(poly(SQUARE), max_vertices=100).area_m2
    assert polygon_from_geojson(poly(SQUARE), max_vertices=100, min_area_m2=area,
                                max_area_m2=area).ok
    side = 5e-6  # about half a metre
    tiny = [[116.46, 39.92], [116.46 + side, 39.92], [116.46 + side, 39.92 + side],
            [116.46, 39.92 + side], [116.46, 39.92]]
    r = polygon_from_geojson(poly(tiny), max_vertices=100)
    assert r.ok and r.area_m2 < 1.0


def test_an_invalid_outline_without_a_location_is_refused_as_a_whole():
    problem = shapes._crossing("Too few points", [[SQUARE]], False)
    assert (problem.code, problem.pointer_suffix) == ("invalid_geometry", "/coordinates")
    assert problem.detail_en == "The shape is invalid (Too few points); draw it again."
    assert problem.detail_zh == "图形无效（Too few points），请重新绘制。"


def test_reach_problems_give_the_distances_in_kilometres():
    zone = polygon_from_geojson(poly(SQUARE), max_vertices=100).geometry
    gap = distance_to_m(116.40, 39.925, zone)
    problems = reach_problems(116.40, 39.925, zone, max_gap_m=1500, max_reach_m=5000)
    assert f"The delivery zone is {gap / 1000:,.1f} km from the store" in problems[0].detail_en
    assert f"配送区域距门店 {gap / 1000:,.1f} 公里" in problems[0].detail_zh
    assert "不超过 1.5 公里" in problems[0].detail_zh
    ring = np.asarray(zone.exterior.coords)
    far = geodesic_m_array(116.40, 39.925, ring[:, 0], ring[:, 1]).max()
    assert problems[1].detail_en.startswith(f"The delivery zone reaches {far / 1000:,.1f} km")
    assert problems[1].detail_zh.startswith(f"配送区域最远处距门店 {far / 1000:,.1f} 公里")
    # exactly at the limits is still allowed
    assert reach_problems(116.40, 39.925, zone, max_gap_m=gap, max_reach_m=far) == []


def test_geodesic_circle_checks_its_arguments():
    for radius, segments in ((0, 64), (-1, 64), (10, 2)):
        with pytest.raises(ValueError, match=r"^radius_m must be positive and segments >= 3$"):
            geodesic_circle(116.4, 39.9, radius, segments)
    assert len(geodesic_circle(116.4, 39.9, 0.5, 3).exterior.coords) == 4
    circle = geodesic_circle(116.4, 39.9, 500)
    ring = np.asarray(circle.exterior.coords)
    assert len(ring) == 65  # 64 segments by default, closed
    steps = geodesic_m_array(ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1])
    assert np.allclose(steps, steps[0], rtol=1e-6)  # evenly spaced all the way round


def _named_edge_holds_the_crossing(ring, problem):
    x, y = (float(v) for v in problem.detail_en.split("near (")[1].split(")")[0].split(", "))
    edge = int(problem.pointer_suffix.rsplit("/", 1)[1])
    segment = shapely.LineString([ring[edge][:2], ring[edge + 1][:2]])
    assert segment.distance(shapely.Point(x, y)) < 1e-6, (edge, x, y)


@pytest.mark.parametrize("ring", [
    BOW,
    # a long edge crossed in its middle, far from both of its ends
    [[116.40, 39.92], [116.50, 39.92], [116.50, 39.93], [116.451, 39.90], [116.449, 39.93],
     [116.40, 39.93], [116.40, 39.92]],
    [[116.46, 39.92], [116.47, 39.92], [116.47, 39.93], [116.465, 39.91], [116.46, 39.93],
     [116.46, 39.92]],
])
def test_the_named_edge_is_the_one_the_crossing_lies_on(ring):
    _, problems = refuse(poly(ring))
    assert problems[0].code == "self_intersection"
    _named_edge_holds_the_crossing(ring, problems[0])


def test_a_spike_is_repaired_away_leaving_the_area():
    spiked = [[116.46, 39.92], [116.47, 39.92], [116.47, 39.93], [116.47, 39.94], [116.47, 39.93],
              [116.46, 39.93], [116.46, 39.92]]
    r = polygon_from_geojson(poly(spiked), max_vertices=100, repair=True)
    assert r.ok and r.geometry.geom_type == "Polygon"
    assert r.geometry.equals(shapely.box(116.46, 39.92, 116.47, 39.93))


def test_kilometres_are_rounded_from_metres():
    zone = polygon_from_geojson(poly(SQUARE), max_vertices=100).geometry
    # the store 5,152 m west of the zone: 5.2 km (5,152 / 1,000), not 5.1
    gap = distance_to_m(116.399728, 39.925, zone)
    assert 5150 < gap < 5155
    problems = reach_problems(116.399728, 39.925, zone, max_gap_m=1500, max_reach_m=50_000)
    assert "The delivery zone is 5.2 km from the store" in problems[0].detail_en
    assert "配送区域距门店 5.2 公里" in problems[0].detail_zh
