"""fixtures/pilot_communities.geojson: shape and sanity of the generated pilot communities."""

import itertools
import json
import re
from pathlib import Path

import pytest
from shapely.geometry import Point, shape

from geo import geodesic_area_m2, geometry_in_china

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "pilot_communities.geojson"


@pytest.fixture(scope="module")
def collection():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def features(collection):
    return collection["features"]


def test_collection_members(collection):
    assert collection["type"] == "FeatureCollection"
    assert "Vonng/adcode" in collection["attribution"]
    assert "CC BY 4.0" in collection["attribution"]
    assert "Voronoi" in collection["note"]
    assert collection["name"]
    assert 8 <= len(collection["features"]) <= 12


def test_codes_are_12_digits_and_unique(features):
    codes = [f["properties"]["code"] for f in features]
    assert all(re.fullmatch(r"\d{12}", c) for c in codes)
    assert len(set(codes)) == len(codes)
    assert [f["id"] for f in features] == codes
    assert codes == sorted(codes)


def test_every_feature_is_a_valid_polygon_in_beijing(features):
    for f in features:
        geom = shape(f["geometry"])
        assert f["geometry"]["type"] == "Polygon"
        assert geom.is_valid and not geom.is_empty
        assert geometry_in_china(geom)
        assert 115.4 < geom.centroid.x < 117.6 and 39.4 < geom.centroid.y < 41.1
        assert 1e4 < geodesic_area_m2(geom) < 2.5e7


def test_each_contains_its_centre(features):
    for f in features:
        assert shape(f["geometry"]).contains(Point(f["properties"]["centre"]))


def test_polygons_do_not_overlap(features):
    geoms = [shape(f["geometry"]) for f in features]
    for a, b in itertools.combinations(geoms, 2):
        assert a.intersection(b).area < 0.01 * min(a.area, b.area)


def test_zhonglubei(features):
    (zlb,) = [f for f in features if f["properties"]["code"] == "110105013029"]
    p = zlb["properties"]
    assert p["name"] == "中路北社区" and p["name_full"] == "中路北社区居委会"
    assert p["street"] == "团结湖街道" and p["district"] == "朝阳区"
    assert (p["households"], p["residents"], p["elderly"]) == (2710, 6000, 1900)
    assert "households" not in p["estimated"] and "elderly" not in p["estimated"]
    assert "residents" in p["estimated"]


def test_required_pilots_present(features):
    codes = {f["properties"]["code"] for f in features}
    assert "110119203214" in codes  # 桃条沟村
    for prefix in ("110105008", "110105037", "110114", "110115"):
        assert any(c.startswith(prefix) for c in codes), prefix


def test_properties_complete_and_consistent(features):
    counts = ("households", "residents", "elderly", "elderly_alone", "disabled",
              "mothers_infants", "children")
    for f in features:
        p = f["properties"]
        assert all(isinstance(p[k], int) and p[k] >= 0 for k in counts)
        assert p["elderly_alone"] <= p["elderly"] <= p["residents"]
        assert set(p["estimated"]) <= set(counts)
        assert not p["name"].endswith("委会")
