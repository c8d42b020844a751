"""Inputs to scoring: plain facts about communities, stores, merchants and NGOs.

All geometry is WGS-84 lon/lat (convert GCJ-02/BD-09 before building these). The rubric lives
in `scoring.rubric` and is re-exported here because it is an input too.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapely import MultiPolygon, Polygon

from scoring.rubric import Rubric, default_rubric, rubric_from_dict, rubric_to_dict

__all__ = [
    "CommunityFacts",
    "MerchantFacts",
    "NgoFacts",
    "Rubric",
    "StoreFacts",
    "TrackRecord",
    "default_rubric",
    "rubric_from_dict",
    "rubric_to_dict",
]

Area = Polygon | MultiPolygon


def _non_negative(owner: object, **values: float) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{type(owner).__name__}.{name} must be >= 0, got {value}")


@dataclass(frozen=True, slots=True)
class CommunityFacts:
    code: str
    name: str
    geometry: Area
    households: int
    residents: int
    elderly: int = 0
    elderly_alone: int = 0  # a subset of elderly
    disabled: int = 0
    mothers_infants: int = 0
    children: int = 0
    name_en: str = ""  # pinyin or English name for English explanations; falls back to name

    def __post_init__(self) -> None:
        _non_negative(self, households=self.households, residents=self.residents,
                      elderly=self.elderly, elderly_alone=self.elderly_alone,
                      disabled=self.disabled, mothers_infants=self.mothers_infants,
                      children=self.children)


@dataclass(frozen=True, slots=True)
class StoreFacts:
    key: str
    name: str
    lon: float
    lat: float
    categories: frozenset[str]
    home_delivery: bool = False
    zone: Area | None = None  # delivery zone; the caller turns a radius into a polygon
    daily_capacity: int = 0  # households the store can serve per day
    emergency_24h: bool = False
    mobility_assist: bool = False

    def __post_init__(self) -> None:
        _non_negative(self, daily_capacity=self.daily_capacity)
        if not (-180 <= self.lon <= 180 and -90 <= self.lat <= 90):
            raise ValueError(f"store {self.key}: lon/lat out of range")


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """What a merchant already did in the network (its earlier approved applications): the
    facts its redemption reports and the monitoring gave."""

    reservations: int  # routed households past the feedback deadline, at its stores
    fulfilled: int  # of them, redeemed and reported
    records: int  # redemptions it reported
    timely: int  # of them, reported within 24 hours
    violations: int  # monitoring alerts on its stores (missing feedback counted above)

    def __post_init__(self) -> None:
        _non_negative(self, reservations=self.reservations, fulfilled=self.fulfilled,
                      records=self.records, timely=self.timely, violations=self.violations)
        if self.fulfilled > self.reservations or self.timely > self.records:
            raise ValueError("TrackRecord: a part cannot exceed its whole")


@dataclass(frozen=True, slots=True)
class MerchantFacts:
    stores: tuple[StoreFacts, ...]
    has_wechat_pay_mch_id: bool
    has_settlement_contact: bool
    data_feedback: bool
    trained_staff: int
    track_record: TrackRecord | None = None  # None: no history in the network

    def __post_init__(self) -> None:
        _non_negative(self, trained_staff=self.trained_staff)
        keys = [s.key for s in self.stores]
        if len(keys) != len(set(keys)):
            raise ValueError("store keys must be unique within a merchant")


@dataclass(frozen=True, slots=True)
class NgoFacts:
    communities_served: frozenset[str]
    service_area: Area | None
    disaster_experience_years: float
    staff: int
    volunteers: int
    capabilities: frozenset[str]

    def __post_init__(self) -> None:
        _non_negative(self, disaster_experience_years=self.disaster_experience_years,
                      staff=self.staff, volunteers=self.volunteers)
