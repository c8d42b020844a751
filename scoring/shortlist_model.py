"""Data types and coverage bookkeeping shared by the greedy and exact shortlists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

BudgetUnit = Literal["merchants", "stores"]


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    stores_per_community: Mapping[str, int]  # community -> how many of its stores serve it
    store_count: int

    def __post_init__(self) -> None:
        if self.store_count < 1 or any(v < 0 for v in self.stores_per_community.values()):
            raise ValueError(f"candidate {self.id}: counts must be >= 0 and store_count >= 1")

    @classmethod
    def from_served_sets(cls, id: str, served: Mapping[str, Iterable[str]]) -> Candidate:
        """From store key -> communities that store serves (coverage.communities_served_by)."""
        counts = Counter(code for codes in served.values() for code in codes)
        return cls(id, dict(counts), max(1, len(served)))


@dataclass(frozen=True, slots=True)
class Pick:
    id: str
    marginal_gain: float  # gain given the network and the picks before it
    communities_added: tuple[str, ...]  # communities it moved closer to the target k


@dataclass(frozen=True, slots=True)
class BelowTarget:
    code: str
    count: int  # network + picked stores serving it
    missing: int


@dataclass(frozen=True, slots=True)
class Shortlist:
    picks: tuple[Pick, ...]
    total_gain: float
    below_target: tuple[BelowTarget, ...]  # most heavily weighted first
    method: str = field(default="greedy")


class CoverageState:
    """Current coverage counts; computes gains of adding a candidate."""

    def __init__(self, weights: Mapping[str, float], existing: Mapping[str, int], k: int):
        if k < 1:
            raise ValueError("target_k must be >= 1")
        self.weights, self.k = weights, k
        self.counts = {c: existing.get(c, 0) for c in weights}

    def gain(self, cand: Candidate) -> tuple[float, tuple[str, ...]]:
        total, added = 0.0, []
        for code in sorted(cand.stores_per_community):
            n, m = self.counts.get(code), cand.stores_per_community[code]
            if n is None or m == 0:
                continue  # not a weighted (pilot) community
            units = min(self.k, n + m) - min(self.k, n)
            if units and self.weights[code] > 0:
                total += self.weights[code] * units / self.k
                added.append(code)
        return total, tuple(added)

    def add(self, cand: Candidate) -> Pick:
        gain, added = self.gain(cand)
        for code, m in cand.stores_per_community.items():
            if code in self.counts:
                self.counts[code] += m
        return Pick(cand.id, round(gain, 6), added)

    def below_target(self) -> tuple[BelowTarget, ...]:
        short = [c for c, n in self.counts.items() if n < self.k]
        short.sort(key=lambda c: (-self.weights[c], c))
        return tuple(BelowTarget(c, self.counts[c], self.k - self.counts[c]) for c in short)


def check_inputs(candidates: list[Candidate], budget: int, unit: str) -> None:
    if unit not in ("merchants", "stores"):
        raise ValueError(f"budget_unit must be 'merchants' or 'stores', got {unit!r}")
    if budget < 0:
        raise ValueError("budget must be >= 0")
    if len({c.id for c in candidates}) != len(candidates):
        raise ValueError("candidate ids must be unique")


def cost(cand: Candidate, unit: BudgetUnit) -> int:
    return 1 if unit == "merchants" else cand.store_count


def build(chosen: Iterable[Candidate], weights: Mapping[str, float],
          existing: Mapping[str, int], k: int, method: str) -> Shortlist:
    """Shortlist of `chosen`, ordered greedily so each pick's marginal gain reads naturally."""
    state, rest, picks = CoverageState(weights, existing, k), list(chosen), []
    while rest:
        best = max(rest, key=lambda c: (state.gain(c)[0], prefer_smaller_id(c.id)))
        rest.remove(best)
        picks.append(state.add(best))
    total = round(sum(p.marginal_gain for p in picks), 6)
    return Shortlist(tuple(picks), total, state.below_target(), method)


def prefer_smaller_id(cid: str) -> tuple[int, ...]:
    return (*(-ord(ch) for ch in cid), 1)  # makes max() prefer the smaller id on ties
