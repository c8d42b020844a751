"""A delivery zone is parsed when the body is validated and again when it is stored; the second
parse comes from a cache, which must still answer by the zone, its system and the limits."""

from __future__ import annotations

from dataclasses import replace

from service.applications.limits import _LIMITS, limits
from service.applications.schemas import parse_zone

ZONE = {"type": "Polygon", "coordinates": [[[116.460, 39.920], [116.466, 39.920],
                                            [116.466, 39.925], [116.460, 39.925],
                                            [116.460, 39.920]]]}


def test_a_zone_parsed_again_follows_its_system_and_the_limits_in_force() -> None:
    first = parse_zone(ZONE, "wgs84")
    assert first.ok and first.geometry is not None
    gcj = parse_zone(ZONE, "gcj02")  # the same numbers read as GCJ-02: another place
    assert gcj.ok and gcj.geometry is not None and not gcj.geometry.equals(first.geometry)
    token = _LIMITS.set(replace(limits(), max_zone_vertices=4))
    try:
        refused = parse_zone(ZONE, "wgs84")
        assert not refused.ok and refused.problems[0].code == "too_many_vertices"
    finally:
        _LIMITS.reset(token)
    again = parse_zone({**ZONE}, "wgs84")
    assert again.ok and again.geometry is not None and again.geometry.equals(first.geometry)
