"""The index orders stores nearest first and, at exactly equal distances, by id as text (the
order SQL's ORDER BY distance, id gives), whatever order they were loaded in."""

from uuid import UUID

import shapely
from shapely.geometry import Point

from geo import geodesic_circle
from service.registry.index import RegistryIndex

LON, LAT = 116.4640, 39.9268


def _row(sid: str, lon: float) -> dict[str, object]:
    return {"id": UUID(sid), "name": sid[:4], "merchant_name": "m", "address": "a",
            "categories": ["grain_oil"], "lon": lon, "lat": LAT, "home_delivery": True,
            "emergency_24h": False, "mobility_assist": False, "daily_capacity": 5,
            "opening_hours": None,
            "zone": shapely.to_wkb(geodesic_circle(lon, LAT, 2000, 32))}  # as index_stores


def test_equal_distances_are_ordered_by_id() -> None:
    ids = ["f0000000-0000-0000-0000-000000000000", "10000000-0000-0000-0000-000000000000",
           "a0000000-0000-0000-0000-000000000000"]
    far = "00000000-0000-0000-0000-000000000001"
    rows = [_row(ids[0], LON + 0.001), _row(far, LON + 0.003), _row(ids[1], LON + 0.001),
            _row(ids[2], LON + 0.001)]
    index = RegistryIndex(1, rows)
    point = Point(LON, LAT)
    want = [UUID(i) for i in sorted(ids)] + [UUID(far)]
    assert index.serving(point, None).ids() == want
    assert index.within(point, 1000.0, None).ids() == want


def test_category_filters_keep_the_stores_carrying_every_one() -> None:
    a, b, c = ("10000000-0000-0000-0000-00000000000a", "10000000-0000-0000-0000-00000000000b",
               "10000000-0000-0000-0000-00000000000c")
    rows = [{**_row(a, LON + 0.001), "categories": ["grain_oil", "infant"]},
            {**_row(b, LON + 0.002), "categories": ["grain_oil"]},
            {**_row(c, LON + 0.003), "categories": ["infant", "medicine", "water"]}]
    index = RegistryIndex(1, rows)
    point = Point(LON, LAT)
    for wanted, expect in [(None, [a, b, c]), (["grain_oil"], [a, b]), (["infant"], [a, c]),
                           (["infant", "grain_oil"], [a]), (["water", "medicine"], [c]),
                           (["never-carried"], []), (["grain_oil", "never-carried"], [])]:
        assert index.serving(point, wanted).ids() == [UUID(x) for x in expect], wanted
        assert index.within(point, 5000.0, wanted).ids() == [UUID(x) for x in expect], wanted
