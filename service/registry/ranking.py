"""How options are ranked for a household (one rule for routing and the serving list).

Distance comes first, compared in bands of TIE_BAND_M metres: two stores 40 m apart in
distance are equally near for a household, which lets the tie-breaks matter. Within a band:
  1. in the `warning` phase, stores open 24 h for emergencies first;
  2. when the household needs mobility assistance, stores offering it first;
  3. more capacity left today first (spreads the load, keeps the nearest store from filling);
  4. then the exact distance, then the store id, so the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

TIE_BAND_M = 100.0
T = TypeVar("T")


def rank_tier(distance_m: float, emergency_24h: bool, mobility_assist: bool,
              phase: str | None, needs_mobility: bool) -> int:
    """The ranking's order before capacity (the band, then tie-breaks 1 and 2) as one integer:
    routing hands it to the database, which orders by it, then more capacity left, then nearer
    (migration 0025 route_reserve), as rank_key does."""
    return (int(distance_m // TIE_BAND_M) * 4 + 2 * (phase == "warning" and not emergency_24h)
            + (needs_mobility and not mobility_assist))


def rank_key(phase: str | None, mobility_assist: bool) -> Callable[[Any], tuple[Any, ...]]:
    def key(option: Any) -> tuple[Any, ...]:
        return (
            rank_tier(option.distance_m, option.emergency_24h, option.mobility_assist, phase,
                      mobility_assist),
            -option.capacity_left,
            option.distance_m,
            str(option.id),
        )

    return key


def rank(options: Sequence[T], phase: str | None = None, mobility_assist: bool = False) -> list[T]:
    return sorted(options, key=rank_key(phase, mobility_assist))


RANKING_EN = (
    f"Nearest first, distances compared in {TIE_BAND_M:.0f} m bands; within a band: "
    "emergency_24h stores first in the warning phase, mobility_assist stores first when asked, "
    "more capacity left first, then exact distance."
)
RANKING_ZH = (
    f"按距离由近到远排序（每 {TIE_BAND_M:.0f} 米为一档视为同等距离）；"
    "同一档内：预警阶段优先 24 小时应急营业门店，需要行动协助时优先提供协助的门店，"
    "其次今日剩余接待量多者，最后按精确距离。"
)
