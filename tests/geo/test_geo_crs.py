"""Coordinate systems: reference values, inverse accuracy, vectorised and geometry variants."""

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon

from geo import (
    from_wgs84,
    from_wgs84_array,
    geodesic_m,
    geodesic_m_array,
    in_china,
    to_wgs84,
    to_wgs84_array,
    transform_geometry,
)
from geo.crs import convert_array
from tests.hypothesis_budget import examples

china_lon = st.floats(73.5, 135.0, allow_nan=False)
china_lat = st.floats(18.0, 53.5, allow_nan=False)


@settings(max_examples=examples(300), deadline=None)
@given(lon=china_lon, lat=china_lat, crs=st.sampled_from(["gcj02", "bd09"]))
def test_round_trip_within_5_cm_over_china(lon, lat, crs):
    assume(in_china(lon, lat))
    back = to_wgs84(*from_wgs84(lon, lat, crs), crs)
    # The goal is 0.5 m; the iteration actually gets to well under a millimetre.
    assert geodesic_m(lon, lat, *back) < 0.05


@settings(max_examples=examples(100), deadline=None)
@given(lon=china_lon, lat=china_lat)
def test_gcj_to_bd_round_trip(lon, lat):
    x, y = convert_array([lon], [lat], "gcj02", "bd09")
    bx, by = convert_array(x, y, "bd09", "gcj02")
    assert geodesic_m(lon, lat, float(bx[0]), float(by[0])) < 0.05


# Published test vectors: googollee/eviltransform (WGS-84 -> GCJ-02) and
# wandergis/coordTransform_py (lon 128.543, lat 37.065).
EVILTRANSFORM = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM)
def test_reference_pairs(wgs, gcj):
    assert geodesic_m(*from_wgs84(*wgs, "gcj02"), *gcj) < 0.01
    assert geodesic_m(*to_wgs84(*gcj, "gcj02"), *wgs) < 0.01


def test_coordtransform_reference():
    assert geodesic_m(*from_wgs84(128.543, 37.065, "gcj02"),
                      128.54820547949757, 37.065651049489816) < 0.01
    bx, by = convert_array([128.543], [37.065], "gcj02", "bd09")
    assert geodesic_m(float(bx[0]), float(by[0]), 128.54944656269413, 37.07113427883019) < 0.01


def test_offset_is_hundreds_of_metres_in_beijing():
    # Why it matters: a GCJ-02 point read as WGS-84 lands this far off.
    lon, lat = 116.4683, 39.9279
    assert 300 < geodesic_m(lon, lat, *from_wgs84(lon, lat, "gcj02")) < 800
    assert 700 < geodesic_m(lon, lat, *from_wgs84(lon, lat, "bd09")) < 1500


def _one_step_gcj_to_wgs(lon, lat):
    # The widely copied inverse: subtract the offset evaluated at the GCJ point.
    glon, glat = from_wgs84_array(lon, lat, "gcj02")
    return 2 * np.asarray(lon) - glon, 2 * np.asarray(lat) - glat


def test_one_step_inverse_is_worse_than_a_metre_somewhere():
    lons, lats = np.meshgrid(np.arange(74.0, 135.0, 0.25), np.arange(18.0, 53.5, 0.25))
    lons, lats = lons.ravel(), lats.ravel()
    gl, ga = from_wgs84_array(lons, lats, "gcj02")
    ol, oa = _one_step_gcj_to_wgs(gl, ga)
    il, ia = to_wgs84_array(gl, ga, "gcj02")
    one_step = geodesic_m_array(lons, lats, ol, oa)
    iterative = geodesic_m_array(lons, lats, il, ia)
    assert one_step.max() > 1.0
    assert iterative.max() < 0.001


def test_outside_china_box_is_unshifted():
    assert from_wgs84(2.35, 48.85, "gcj02") == (2.35, 48.85)  # Paris
    assert to_wgs84(2.35, 48.85, "gcj02") == (2.35, 48.85)
    assert from_wgs84(0.0, 0.0, "gcj02") == (0.0, 0.0)


def test_wgs84_is_identity_and_unknown_crs_raises():
    assert to_wgs84(116.4, 39.9, "wgs84") == (116.4, 39.9)
    with pytest.raises(ValueError):
        to_wgs84(116.4, 39.9, "epsg4326")  # type: ignore[arg-type]


def test_arrays_match_scalars():
    lons = np.array([116.4, 121.47, 87.62])
    lats = np.array([39.9, 31.23, 43.83])
    for crs in ("gcj02", "bd09"):
        xs, ys = from_wgs84_array(lons, lats, crs)
        for i in range(3):
            assert (xs[i], ys[i]) == pytest.approx(from_wgs84(lons[i], lats[i], crs), abs=1e-12)
        bl, ba = to_wgs84_array(xs, ys, crs)
        assert np.allclose(bl, lons, atol=1e-9) and np.allclose(ba, lats, atol=1e-9)
    # Inputs are not modified in place.
    assert lons[0] == 116.4


def test_transform_geometry_keeps_holes_and_parts():
    shell = [(116.40, 39.90), (116.42, 39.90), (116.42, 39.92), (116.40, 39.92)]
    hole = [(116.405, 39.905), (116.405, 39.91), (116.41, 39.91), (116.41, 39.905)]
    other = Polygon([(116.5, 39.9), (116.51, 39.9), (116.51, 39.91)])
    geom = MultiPolygon([Polygon(shell, [hole]), other])
    out = transform_geometry(geom, "gcj02", "wgs84")
    assert isinstance(out, MultiPolygon) and len(out.geoms) == 2
    assert len(out.geoms[0].interiors) == 1
    back = transform_geometry(out, "wgs84", "gcj02")
    assert shapely.equals_exact(back, geom, tolerance=1e-9)
    via_bd = transform_geometry(transform_geometry(geom, "gcj02", "bd09"), "bd09", "gcj02")
    assert shapely.equals_exact(via_bd, geom, tolerance=1e-9)


def test_transform_geometry_moves_coordinates_between_systems():
    point = shapely.Point(116.4, 39.9)
    moved = transform_geometry(point, "wgs84", "gcj02")
    assert (moved.x, moved.y) == pytest.approx(from_wgs84(116.4, 39.9, "gcj02"), abs=1e-12)
    assert transform_geometry(point, "gcj02", "gcj02") is point


def test_convert_array_between_any_two_systems_matches_going_through_wgs84():
    lons, lats = np.array([116.4, 121.47]), np.array([39.9, 31.23])
    for src in ("wgs84", "gcj02", "bd09"):
        for dst in ("wgs84", "gcj02", "bd09"):
            x, y = convert_array(lons, lats, src, dst)
            wl, wa = to_wgs84_array(lons, lats, src)
            ex, ey = from_wgs84_array(wl, wa, dst)
            assert np.allclose(x, ex, atol=1e-9) and np.allclose(y, ey, atol=1e-9), (src, dst)
    same_x, same_y = convert_array(lons, lats, "bd09", "bd09")
    assert same_x.tolist() == lons.tolist() and same_y.tolist() == lats.tolist()
    assert same_x is not lons  # a copy: the caller's arrays are never handed back


def test_wgs84_results_are_float_copies():
    ints = np.array([116, 121])
    for convert in (from_wgs84_array, to_wgs84_array):
        x, y = convert(ints, np.array([39, 31]), "wgs84")
        assert x.dtype == np.float64 and y.dtype == np.float64
        floats = np.array([116.4, 121.47])
        x, _ = convert(floats, np.array([39.9, 31.23]), "wgs84")
        x[0] = 0.0
        assert floats[0] == 116.4
    assert from_wgs84(116.4, 39.9, "wgs84") == (116.4, 39.9)
    with pytest.raises(ValueError, match="lons and lats must have the same shape"):
        from_wgs84_array([116.4, 121.47], [39.9], "gcj02")
    with pytest.raises(ValueError, match="unknown CRS 'epsg4326'"):
        from_wgs84_array([116.4], [39.9], "epsg4326")  # type: ignore[arg-type]


@pytest.mark.parametrize("lon, lat", [(116.4, 55.9), (116.4, 0.8), (137.9, 39.9), (72.0, 39.9)])
def test_just_outside_the_published_box_is_unshifted(lon, lat):
    assert from_wgs84(lon, lat, "gcj02") == (lon, lat)


@pytest.mark.parametrize("lon, lat", [(72.004, 39.9), (137.8347, 39.9), (116.4, 0.8293),
                                      (116.4, 55.8271)])
def test_the_edges_of_the_published_box_are_shifted(lon, lat):
    assert from_wgs84(lon, lat, "gcj02") != (lon, lat)


def test_distances_broadcast_to_the_inputs_shape():
    lons, lats = np.array([116.4, 121.47, 87.62]), np.array([39.9, 31.23, 43.83])
    d = geodesic_m_array(lons[:, None], lats[:, None], lons[None, :], lats[None, :])
    assert d.shape == (3, 3) and d.dtype == np.float64
    assert np.allclose(np.diag(d), 0.0) and np.allclose(d, d.T)
    assert d[0, 1] == pytest.approx(geodesic_m(116.4, 39.9, 121.47, 31.23))


def test_mismatched_shapes_are_refused_with_a_message():
    with pytest.raises(ValueError, match=r"^lons and lats must have the same shape$"):
        to_wgs84_array([116.4, 121.47], [39.9], "gcj02")
    lat = np.array([39.9, 31.23])
    _, out = to_wgs84_array(np.array([116.4, 121.47]), lat, "wgs84")
    out[0] = 0.0
    assert lat[0] == 39.9  # latitudes are copied too


def test_single_points_take_the_array_path_bit_for_bit() -> None:
    """to_wgs84 / from_wgs84 compute one point with floats, not arrays: the same numbers as
    the array path gives for that point alone, inside the box, on its edges and outside."""
    rng = np.random.default_rng(7)
    lons = [*rng.uniform(70.0, 140.0, 400), 72.004, 137.8347, 71.9, 116.4]
    lats = [*rng.uniform(0.0, 57.0, 400), 0.8293, 55.8271, 39.9, 56.0]
    for lon, lat in zip(lons, lats, strict=True):
        for crs in ("gcj02", "bd09"):
            x, y = to_wgs84_array([lon], [lat], crs)
            assert to_wgs84(lon, lat, crs) == (x[0], y[0])
            x, y = from_wgs84_array([lon], [lat], crs)
            assert from_wgs84(lon, lat, crs) == (x[0], y[0])
