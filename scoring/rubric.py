"""The scoring rubric of a recruitment round: weights, thresholds and gate settings.

A msgspec Struct so it round-trips through JSON with validation. Rubrics are versioned and
stored per round; every scorecard records the version it was computed with.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta, Struct

NonNeg = Annotated[float, Meta(ge=0)]
Positive = Annotated[float, Meta(gt=0)]


class _Frozen(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    pass


def _require_positive_sum(obj: Struct) -> None:
    if sum(msgspec.structs.asdict(obj).values()) <= 0:
        raise ValueError(f"{type(obj).__name__}: weights must sum to more than 0")


class MerchantWeights(_Frozen):
    coverage: NonNeg = 0.5
    delivery: NonNeg = 0.3
    settlement: NonNeg = 0.2
    # The merchant's record in the network (reservations fulfilled, timeliness, violations).
    # 0: not weighed and not shown; a later rubric version may weigh it.
    track_record: NonNeg = 0.0

    def __post_init__(self) -> None:
        _require_positive_sum(self)


class NgoWeights(_Frozen):
    communities: NonNeg = 0.35
    experience: NonNeg = 0.2
    people: NonNeg = 0.2
    capabilities: NonNeg = 0.25

    def __post_init__(self) -> None:
        _require_positive_sum(self)


class PriorityWeights(_Frozen):
    """Additive weights: every resident counts `residents`; an elderly resident adds `elderly`
    on top, one living alone adds `elderly_alone` on top of that (community counts nest this
    way: elderly_alone is a subset of elderly, which is a subset of residents)."""

    residents: NonNeg = 1.0
    elderly: NonNeg = 1.0
    elderly_alone: NonNeg = 1.0
    disabled: NonNeg = 1.5
    mothers_infants: NonNeg = 1.0
    children: NonNeg = 0.5

    def __post_init__(self) -> None:
        _require_positive_sum(self)


class ChangeRules(_Frozen):
    """Changes after approval that the system approves without the panel, when they pass
    every gate (service/chains/autorules.py). Off unless the round says so; closing a branch
    and changing opening hours always go to the panel."""

    # New branches, each passing the gates and bringing a pilot community nearer its target k.
    auto_add_stores: bool = False
    # A delivering store's capacity or radius raised, at most by this factor.
    auto_increases: bool = False
    max_increase_factor: Annotated[float, Meta(ge=1, le=10)] = 2.0


class GateSettings(_Frozen):
    require_wechat_pay: bool = True
    require_eligible_category: bool = True
    max_distance_to_pilot_m: Positive = 5000.0


class Rubric(_Frozen):
    version: Annotated[int, Meta(ge=1)] = 1
    merchant_weights: MerchantWeights = msgspec.field(default_factory=MerchantWeights)
    ngo_weights: NgoWeights = msgspec.field(default_factory=NgoWeights)
    priority_weights: PriorityWeights = msgspec.field(default_factory=PriorityWeights)
    walking_distance_m: Positive = 1000.0
    target_stores_per_community: Annotated[int, Meta(ge=1)] = 2  # k
    # Marginal weighted population that earns coverage 100: about one Zhonglubei-size estate
    # (6,000 residents, 1,900 elderly) brought from no store to the target k.
    coverage_full_marks: Positive = 8000.0
    # Households reachable by home delivery that earn full delivery reach.
    delivery_full_households: Positive = 3000.0
    # Households servable per day (capacity, capped by households served) for full marks.
    daily_capacity_full_marks: Positive = 500.0
    trained_staff_full_marks: Annotated[int, Meta(ge=1)] = 4
    ngo_population_full_marks: Positive = 20000.0
    experience_half_years: Positive = 2.0  # years of experience that earn 50
    people_per_100_households_half: Positive = 1.0  # staff+volunteers per 100 hh that earn 50
    # A merchant without history in the network gets this track-record score (neither
    # rewarded nor punished); this many violations take all the violation points.
    track_record_unknown_score: Annotated[float, Meta(ge=0, le=100)] = 50.0
    track_record_max_violations: Annotated[int, Meta(ge=1)] = 5
    gates: GateSettings = msgspec.field(default_factory=GateSettings)
    contested_spread: NonNeg = 20.0
    # The automatic scorecard counts as this many reviewers in the panel mean (see panel.py).
    panel_auto_weight: NonNeg = 1.0
    change_rules: ChangeRules = msgspec.field(default_factory=ChangeRules)

    def to_dict(self) -> dict[str, Any]:
        return rubric_to_dict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rubric:
        return rubric_from_dict(data)


def default_rubric() -> Rubric:
    return Rubric()


def rubric_from_dict(data: dict[str, Any]) -> Rubric:
    """Validate and build a rubric from its JSON form; missing keys take defaults."""
    try:
        return msgspec.convert(data, Rubric)
    except msgspec.ValidationError as exc:
        raise ValueError(f"invalid rubric: {exc}") from exc


def rubric_to_dict(rubric: Rubric) -> dict[str, Any]:
    return msgspec.to_builtins(rubric)
