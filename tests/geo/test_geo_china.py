"""The coarse China outline."""

import pytest
from shapely.geometry import Polygon

from geo import CHINA_OUTLINE, geometry_in_china, in_china

INSIDE = {
    "Beijing": (116.40, 39.90),
    "Lhasa": (91.11, 29.65),
    "Dingri": (87.12, 28.66),
    "Rongjiang": (108.52, 25.93),
    "Urumqi": (87.62, 43.83),
    "Harbin": (126.63, 45.75),
    "Sanya": (109.51, 18.25),
    "Shanghai": (121.47, 31.23),
    "Taipei": (121.56, 25.03),
    "Haikou": (110.33, 20.03),
    "Kashgar": (75.99, 39.47),
    "Hailar": (119.77, 49.21),
    "Mohe": (122.54, 52.97),
    "Hong Kong": (114.17, 22.30),
    "Ruili": (97.85, 24.01),
    "Yanqing Zhenzhuquan": (116.42, 40.56),
}
OUTSIDE = {
    "Ulaanbaatar": (106.91, 47.89),
    "Seoul": (126.98, 37.57),
    "Tokyo": (139.69, 35.69),
    "Hanoi": (105.85, 21.03),
    "New Delhi": (77.21, 28.61),
    "Null Island": (0.0, 0.0),
    "Kathmandu": (85.32, 27.72),
    "Almaty": (76.95, 43.24),
    "Pyongyang": (125.75, 39.03),
    "Vladivostok": (131.89, 43.12),
}


def test_outline_is_valid():
    assert CHINA_OUTLINE.is_valid


@pytest.mark.parametrize("name", INSIDE)
def test_inside(name):
    assert in_china(*INSIDE[name])


@pytest.mark.parametrize("name", OUTSIDE)
def test_outside(name):
    assert not in_china(*OUTSIDE[name])


def test_lat_lon_swapped_is_outside():
    # A classic input error: Beijing typed as (lat, lon).
    assert not in_china(39.90, 116.40)


def test_geometry_in_china():
    beijing = Polygon([(116.3, 39.8), (116.5, 39.8), (116.5, 40.0), (116.3, 40.0)])
    across_border = Polygon([(106.0, 45.0), (107.0, 45.0), (107.0, 48.0), (106.0, 48.0)])
    assert geometry_in_china(beijing)
    assert not geometry_in_china(across_border)
