"""Which pilot communities a store serves, and how much a candidate adds to the network.

A store serves a community when any part of the community lies within walking distance of the
store, or when the store delivers home and its delivery zone reaches inside the community: its
interior, 10 cm (1e-6 degree) in, so a zone that only touches the boundary does not count. The
registry keeps the same rule in SQL (migration 0020: zone_delivers_into, walk_distance_m) for
the stores it holds; tests/service/test_serves_rule.py checks that the two agree. Coverage is
counted with multiplicity: the programme wants `k` stores per community so that one closure in
a disaster leaves residents a choice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from geo.distance import distances_m, search_box
from scoring.models import CommunityFacts, StoreFacts
from scoring.rubric import PriorityWeights, Rubric

_GROUPS = ("residents", "elderly", "elderly_alone", "disabled", "mothers_infants", "children")


# ST_Buffer(geom, -0.000001) with PostGIS's defaults (8 segments per quarter circle): the
# `interior` column of communities (migration 0006), computed by the same GEOS operation.
INTERIOR_DEG = 0.000001


def interior(geoms: np.ndarray) -> np.ndarray:
    return shapely.buffer(geoms, -INTERIOR_DEG, quad_segs=8)


def weighted_population(c: CommunityFacts, pw: PriorityWeights) -> float:
    return sum(getattr(pw, g) * getattr(c, g) for g in _GROUPS)


class CommunityIndex:
    """Pilot communities behind an STRtree; build once per round, query per candidate."""

    __slots__ = ("_codes", "_geoms", "_interiors", "_tree", "_weights", "by_code")

    def __init__(self, communities: Iterable[CommunityFacts]) -> None:
        ordered = sorted(communities, key=lambda c: c.code)
        self.by_code: dict[str, CommunityFacts] = {c.code: c for c in ordered}
        if len(self.by_code) != len(ordered):
            raise ValueError("community codes must be unique")
        self._codes = np.array([c.code for c in ordered], dtype=object)
        self._geoms = np.array([c.geometry for c in ordered], dtype=object)
        self._interiors = interior(self._geoms)
        self._tree = STRtree(self._geoms)
        self._weights: dict[PriorityWeights, dict[str, float]] = {}

    def __len__(self) -> int:
        return len(self._codes)

    def weights(self, pw: PriorityWeights) -> dict[str, float]:
        """Priority-weighted population per community, cached per weight set."""
        if pw not in self._weights:
            self._weights[pw] = {c: weighted_population(f, pw) for c, f in self.by_code.items()}
        return self._weights[pw]

    def within(self, geom: BaseGeometry, distance_m: float) -> set[str]:
        """Communities with any part within distance_m metres of geom."""
        idx = self._tree.query(search_box(geom, distance_m))
        if idx.size == 0:
            return set()
        near = distances_m(geom, self._geoms[idx]) <= distance_m
        return set(self._codes[idx[near]].tolist())

    def overlapping(self, area: BaseGeometry) -> set[str]:
        """Communities whose interior (10 cm in) the area reaches: not only a boundary."""
        idx = self._tree.query(area, predicate="intersects")
        if idx.size == 0:
            return set()
        # the zone prepared once and tested against every candidate's interior (same answer as
        # testing each interior against it, several times faster for a zone over many)
        shapely.prepare(area)
        inside = shapely.intersects(area, self._interiors[idx])
        return set(self._codes[idx[inside]].tolist())


def communities_served_by(store: StoreFacts, index: CommunityIndex, rubric: Rubric) -> set[str]:
    served = index.within(shapely.Point(store.lon, store.lat), rubric.walking_distance_m)
    if store.home_delivery and store.zone is not None:
        served |= index.overlapping(store.zone)
    return served


def network_counts(
    approved_stores: Iterable[StoreFacts], index: CommunityIndex, rubric: Rubric
) -> dict[str, int]:
    """How many approved network stores serve each pilot community (0 included)."""
    counts = dict.fromkeys(index.by_code, 0)
    for store in approved_stores:
        for code in communities_served_by(store, index, rubric):
            counts[code] += 1
    return counts


def marginal_gains(
    candidate_counts: Mapping[str, int],
    existing_counts: Mapping[str, int],
    weights: Mapping[str, float],
    k: int,
) -> dict[str, float]:
    """Per community: w_c * (min(k, n_c + m_c) - min(k, n_c)) / k, for communities with m_c > 0.

    Non-increasing in n_c (a competitor already there lowers it) and non-decreasing in m_c.
    """
    gains: dict[str, float] = {}
    for code in sorted(candidate_counts):
        m = candidate_counts[code]
        if m <= 0:
            continue
        n = existing_counts.get(code, 0)
        gains[code] = weights.get(code, 0.0) * (min(k, n + m) - min(k, n)) / k
    return gains
