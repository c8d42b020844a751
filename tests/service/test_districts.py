"""District outlines for orienting the maps: from the fixture, in the asked CRS, public."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from shapely.geometry import shape

from geo import from_wgs84


async def test_districts_in_each_crs(client: AsyncTestClient) -> None:
    wgs = await client.get("/api/v1/districts")
    gcj = await client.get("/api/v1/districts", params={"crs": "gcj02"})
    assert wgs.status_code == gcj.status_code == 200
    assert "Vonng/adcode" in wgs.json()["attribution"]
    by_code = {f["id"]: f for f in wgs.json()["features"]}
    assert len(by_code) == 16 and by_code["110105"]["properties"]["name"] == "朝阳区"
    # 团结湖 (WGS-84) lies in 朝阳区
    assert shape(by_code["110105"]["geometry"]).contains(shape(
        {"type": "Point", "coordinates": [116.4663, 39.9303]}))
    first = by_code["110101"]["geometry"]["coordinates"][0][0]
    shifted = {f["id"]: f for f in gcj.json()["features"]}["110101"]["geometry"]["coordinates"]
    expected = from_wgs84(first[0], first[1], "gcj02")
    assert abs(shifted[0][0][0] - expected[0]) < 1e-5 and abs(shifted[0][0][1] - expected[1]) < 1e-5
    bad = await client.get("/api/v1/districts", params={"crs": "mars"})
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")
