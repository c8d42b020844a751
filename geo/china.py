"""Is a WGS-84 point or geometry in China?

A bounding box would accept Mongolia, the Korean peninsula and much of Central Asia, so we use a
COARSE hand-simplified outline instead: a few dozen vertices per part, drawn a little outside
the land border and well out to sea along the coast (erring on inclusion), so it answers "is
this plausibly a place in China" and nothing finer. Within ~20-50 km of a land border it can be
wrong either way; it follows China's official boundary where disputed (Aksai Chin, Zangnan).
Hainan and Taiwan are separate parts; small offshore islands (South China Sea islands, Diaoyu)
are not covered.
"""

from __future__ import annotations

import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

# (lon, lat) WGS-84, clockwise from the Argun/Amur confluence in the far north-east.
_MAINLAND: tuple[tuple[float, float], ...] = (
    (121.2, 53.5), (123.4, 53.7), (125.7, 53.2), (127.3, 50.6), (130.8, 49.0),
    (131.3, 47.8), (132.6, 47.9), (134.8, 48.5), (134.3, 47.3), (133.3, 45.6),
    (132.0, 45.2), (131.1, 44.9), (131.4, 44.3), (131.3, 42.9), (130.7, 42.3),  # Ussuri, Khanka
    (130.0, 42.6), (129.0, 42.1), (128.3, 42.0), (128.35, 41.35), (127.2, 41.55),  # Tumen, Yalu
    (126.0, 40.9),
    (124.9, 40.3), (124.2, 39.8),
    (123.3, 39.5), (121.8, 38.5), (122.9, 37.6), (121.0, 36.0), (119.8, 34.8),  # coast
    (121.2, 32.8), (122.3, 31.6), (122.6, 30.0), (121.9, 28.5), (121.0, 27.3),
    (120.5, 26.6), (119.9, 25.2), (118.6, 24.3), (117.3, 23.3), (116.2, 22.6),
    (114.3, 22.0), (113.0, 21.7), (111.0, 21.2), (110.6, 20.0), (109.8, 20.2),
    (109.3, 21.2), (108.0, 21.45),
    (107.3, 21.7), (106.6, 21.9), (106.0, 22.6), (105.4, 23.3), (104.5, 22.8),  # Vietnam
    (103.95, 22.45), (103.0, 22.5), (102.1, 22.35),
    (101.9, 21.1), (101.0, 21.05), (100.1, 21.4), (99.2, 22.1), (99.3, 23.0),  # Laos, Myanmar
    (98.8, 23.2), (97.5, 23.9), (97.4, 24.8), (98.0, 25.5), (98.5, 25.8),
    (98.4, 27.3), (97.3, 28.25),
    (96.5, 27.6), (95.5, 27.8), (94.2, 27.4), (92.5, 27.0), (92.1, 26.95),  # Zangnan
    (92.0, 27.9), (91.5, 28.0), (90.3, 28.3), (89.6, 28.2), (89.3, 27.2),  # Bhutan, Yadong
    (88.75, 27.35),
    (88.8, 28.1), (88.1, 27.85), (86.9, 27.9), (86.0, 27.85), (85.3, 28.2),  # Sikkim, Nepal
    (84.0, 28.9),
    (82.3, 30.0), (81.0, 30.35), (80.2, 30.6), (79.3, 31.0), (78.7, 31.6),
    (78.7, 32.6), (78.3, 33.0), (78.5, 34.2), (78.0, 35.5), (76.5, 35.9),  # Aksai Chin
    (75.4, 36.9), (74.7, 37.1), (74.9, 38.5), (73.5, 39.5), (73.9, 40.0),  # Pakistan, Tajik.
    (75.6, 40.6), (76.7, 40.3), (78.2, 41.2), (80.2, 42.1),  # Kyrgyzstan
    (80.0, 43.0), (80.5, 44.5), (82.7, 45.5), (82.3, 46.0), (83.1, 47.3),  # Kazakhstan
    (85.4, 47.1), (86.2, 48.4), (87.3, 49.15),
    (87.9, 49.2), (88.9, 48.3), (90.1, 47.9), (91.0, 46.7), (90.9, 45.3),  # Mongolia
    (93.5, 44.95), (95.4, 44.3), (96.4, 42.8), (100.8, 42.7), (105.0, 41.6),
    (107.0, 42.4), (110.4, 42.8), (111.9, 43.7), (113.6, 44.8), (116.4, 46.4),
    (117.8, 46.6), (119.9, 46.7), (118.0, 47.8), (115.6, 47.9), (116.2, 49.85),
    (117.9, 49.55), (119.2, 50.2), (120.2, 51.5), (120.9, 52.8),  # Argun (Russia)
)

_HAINAN: tuple[tuple[float, float], ...] = (
    (108.5, 19.2), (109.1, 20.2), (110.2, 20.3), (111.2, 19.9), (111.2, 19.3),
    (110.3, 18.4), (109.5, 18.0), (108.6, 18.4),
)

# Includes Penghu; Kinmen and Matsu lie inside the mainland part.
_TAIWAN: tuple[tuple[float, float], ...] = (
    (121.0, 25.4), (122.1, 25.1), (121.9, 24.0), (121.0, 21.8), (120.6, 21.85),
    (120.0, 22.8), (119.3, 23.5), (120.2, 25.0),
)

# Union, not a plain MultiPolygon: the coarse Hainan part overlaps the Leizhou peninsula's.
CHINA_OUTLINE: BaseGeometry = shapely.union_all(
    [Polygon(_MAINLAND), Polygon(_HAINAN), Polygon(_TAIWAN)]
)
shapely.prepare(CHINA_OUTLINE)


def in_china(lon: float, lat: float) -> bool:
    """True if the WGS-84 point lies within the coarse outline of China."""
    return bool(shapely.contains_xy(CHINA_OUTLINE, lon, lat))


def geometry_in_china(geom: BaseGeometry) -> bool:
    """True if the whole WGS-84 geometry lies within the coarse outline of China."""
    return bool(CHINA_OUTLINE.covers(geom))
