"""Who serves which community: walking distance, delivery zones, network counts, gains."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scoring_builders import BEIJING, GEOD, GRID_INDEX, community, offset, square, store

from geo.distance import distances_m
from scoring import (
    CommunityIndex,
    communities_served_by,
    default_rubric,
    marginal_gains,
    network_counts,
    rubric_from_dict,
)
from tests.hypothesis_budget import examples

RUBRIC = default_rubric()


@settings(max_examples=examples(100), deadline=None)
@given(st.floats(0, 360), st.floats(10, 6000), st.floats(-60, 60), st.floats(-170, 170))
def test_local_distances_match_the_geodesic(azimuth, dist, lat, lon):
    end_lon, end_lat, _ = GEOD.fwd(lon, lat, azimuth, dist)
    got = distances_m(shapely.Point(lon, lat), np.array([shapely.Point(end_lon, end_lat)]))[0]
    assert abs(got - dist) < 0.01


def test_walking_distance_is_measured_in_metres_to_the_community_edge():
    # Nearest edge of each square is 150 m short of its centre.
    index = CommunityIndex([community("IN", 0, 990 + 150), community("OUT", 0, -(1010 + 150)),
                            community("E_IN", 990 + 150, 0), community("W_OUT", -(1010 + 150), 0)])
    assert communities_served_by(store("s"), index, RUBRIC) == {"IN", "E_IN"}
    wide = rubric_from_dict({"walking_distance_m": 1100})
    assert communities_served_by(store("s"), index, wide) == {"IN", "E_IN", "OUT", "W_OUT"}


def test_store_inside_a_community_serves_it():
    index = CommunityIndex([community("BIG", half_m=2000)])
    assert communities_served_by(store("s", 1500, -1500), index, RUBRIC) == {"BIG"}


def test_delivery_zone_counts_only_with_home_delivery_and_overlap():
    index = CommunityIndex([community("A", 5000, 0), community("B", 5300, 0)])  # A, B touch
    far_zone = store("z", 3000, 0, zone_m=2100)  # zone reaches into A only
    assert communities_served_by(far_zone, index, RUBRIC) == set()
    delivering = store("z", 3000, 0, zone_m=2100, home_delivery=True)
    assert communities_served_by(delivering, index, RUBRIC) == {"A"}


def test_zone_touching_a_community_boundary_does_not_serve_it():
    a = community("A", 5000, 0)
    minx, miny, _, maxy = a.geometry.bounds
    zone = shapely.box(minx - 0.05, miny, minx, maxy)  # shares A's west edge
    lon, lat = offset(*BEIJING, 2000, 0)
    s = store("t", 2000, 0, home_delivery=True)
    s = type(s)(s.key, s.name, lon, lat, s.categories, True, zone)
    assert communities_served_by(s, CommunityIndex([a]), RUBRIC) == set()


def test_network_counts_include_zeroes_and_multiplicity():
    counts = network_counts([store("a"), store("b", 100, 0), store("c", -1200, -1200)],
                            GRID_INDEX, RUBRIC)
    assert set(counts) == set(GRID_INDEX.by_code)
    assert counts["G11"] == 2 and counts["G00"] == 1 and counts["FAR"] == 0


def test_marginal_gain_formula():
    w = {"a": 100.0, "b": 50.0, "c": 80.0}
    gains = marginal_gains({"a": 1, "b": 3, "c": 1}, {"a": 0, "b": 1, "c": 2}, w, 2)
    assert gains == {"a": 50.0, "b": 25.0, "c": 0.0}


def test_index_rejects_duplicate_codes():
    import pytest
    with pytest.raises(ValueError, match="unique"):
        CommunityIndex([community("A"), community("A", 500, 0)])


def test_weights_follow_the_rubric():
    c = GRID_INDEX.by_code["G11"]
    pw = RUBRIC.priority_weights
    expected = (c.residents + c.elderly + c.elderly_alone + 1.5 * c.disabled
                + c.mothers_infants + 0.5 * c.children)
    assert GRID_INDEX.weights(pw)["G11"] == expected


def test_square_helper_is_metric():
    sq = square(*BEIJING, 500)
    minx, miny, maxx, _ = sq.bounds
    assert abs(GEOD.inv(minx, miny, maxx, miny)[2] - 1000) < 1
