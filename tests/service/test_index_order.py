"""The index orders stores nearest first and, at exactly equal distances, by id as text (the
order SQL's ORDER BY distance, id gives), whatever order they were loaded in."""

from uuid import UUID

from shapely.geometry import Point

from geo import geodesic_circle
from service.registry.index import RegistryIndex

LON, LAT = 116.4640, 39.9268


def _row(sid: str, lon: float) -> dict[str, object]:
    return {"id": UUID(sid), "name": sid[:4], "merchant_name": "m", "address": "a",
            "categories": ["grain_oil"], "lon": lon, "lat": LAT, "home_delivery": True,
            "emergency_24h": False, "mobility_assist": False, "daily_capacity": 5,
            "opening_hours": None, "zone": geodesic_circle(lon, LAT, 2000, 32)}


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
