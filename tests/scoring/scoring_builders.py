"""Synthetic pilot communities (metre-sized squares around Beijing) and hypothesis strategies."""

from __future__ import annotations

from hypothesis import strategies as st
from pyproj import Geod
from shapely import Polygon, box

from scoring import CommunityFacts, CommunityIndex, MerchantFacts, NgoFacts, StoreFacts
from scoring.vocabulary import CAPABILITIES, CATEGORIES

GEOD = Geod(ellps="WGS84")
BEIJING = (116.4, 39.9)


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """The point east_m, north_m metres away along geodesics (east first, then north)."""
    lon, lat, _ = GEOD.fwd(lon, lat, 90.0, east_m) if east_m else (lon, lat, 0)
    lon, lat, _ = GEOD.fwd(lon, lat, 0.0, north_m) if north_m else (lon, lat, 0)
    return lon, lat


def square(lon: float, lat: float, half_m: float = 150.0) -> Polygon:
    west, south = offset(lon, lat, -half_m, -half_m)
    east, north = offset(lon, lat, half_m, half_m)
    return box(west, south, east, north)


def community(code: str, east_m: float = 0.0, north_m: float = 0.0, *, half_m: float = 150.0,
              households: int = 1000, elderly: int = 300, name: str | None = None,
              name_en: str = "") -> CommunityFacts:
    lon, lat = offset(*BEIJING, east_m, north_m)
    return CommunityFacts(code, name or f"{code}社区", square(lon, lat, half_m), households,
                          households * 2, elderly=elderly, elderly_alone=elderly // 5,
                          disabled=households // 50, mothers_infants=households // 40,
                          children=households // 5, name_en=name_en)


def store(key: str, east_m: float = 0.0, north_m: float = 0.0, *,
          categories: frozenset[str] = frozenset({"grain_oil"}), home_delivery: bool = False,
          zone_m: float | None = None, daily_capacity: int = 100, emergency_24h: bool = False,
          mobility_assist: bool = False) -> StoreFacts:
    lon, lat = offset(*BEIJING, east_m, north_m)
    zone = square(lon, lat, zone_m) if zone_m else None
    return StoreFacts(key, f"门店{key}", lon, lat, categories, home_delivery, zone,
                      daily_capacity, emergency_24h, mobility_assist)


def merchant(*stores: StoreFacts, wechat: bool = True, contact: bool = True,
             feedback: bool = True, trained: int = 2) -> MerchantFacts:
    return MerchantFacts(tuple(stores), wechat, contact, feedback, trained)


# A 3 x 3 grid of pilot communities 1.2 km apart, plus one far away in the north-east.
GRID = [community(f"G{i}{j}", 1200.0 * (i - 1), 1200.0 * (j - 1), households=500 + 300 * (i + j),
                  elderly=100 + 90 * (3 * i + j)) for i in range(3) for j in range(3)]
GRID_INDEX = CommunityIndex([*GRID, community("FAR", 30_000, 30_000)])

eligible_or_excluded = st.sampled_from(sorted(CATEGORIES))
stores_st = st.builds(
    store,
    key=st.text("abcdefgh", min_size=1, max_size=4),
    east_m=st.floats(-3000, 3000),
    north_m=st.floats(-3000, 3000),
    categories=st.frozensets(eligible_or_excluded, max_size=4),
    home_delivery=st.booleans(),
    zone_m=st.none() | st.floats(100, 2500),
    daily_capacity=st.integers(0, 2000),
    emergency_24h=st.booleans(),
    mobility_assist=st.booleans(),
)
store_lists = st.lists(stores_st, max_size=5, unique_by=lambda s: s.key)
merchants_st = st.builds(
    lambda stores, w, c, f, t: merchant(*stores, wechat=w, contact=c, feedback=f, trained=t),
    store_lists, st.booleans(), st.booleans(), st.booleans(), st.integers(0, 10),
)
network_st = st.dictionaries(st.sampled_from(sorted(GRID_INDEX.by_code)), st.integers(0, 4))
capabilities_st = st.frozensets(st.sampled_from([*sorted(CAPABILITIES), "unknown_skill"]))
ngos_st = st.builds(
    NgoFacts,
    communities_served=st.frozensets(st.sampled_from([*sorted(GRID_INDEX.by_code), "ELSEWHERE"])),
    service_area=st.none() | st.builds(lambda e, n, h: square(*offset(*BEIJING, e, n), h),
                                       st.floats(-3000, 3000), st.floats(-3000, 3000),
                                       st.floats(50, 2000)),
    disaster_experience_years=st.floats(0, 40),
    staff=st.integers(0, 200),
    volunteers=st.integers(0, 2000),
    capabilities=capabilities_st,
)
