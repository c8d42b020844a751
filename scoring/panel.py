"""Joint assessment: combine the automatic scorecard with the panel's scores.

Aggregation rules (the panel of streets, communities and both foundations scores jointly):
- The automatic scorecard is one more voice, weighted `rubric.panel_auto_weight` reviewers
  (default 1). With weight 0 only people count; with no reviews the automatic score stands.
- A reviewer who leaves a criterion blank accepts the automatic score for it, so every
  reviewer total covers the same criteria with the same weights.
- Per-criterion panel means are voice-weighted means; the panel total is their weighted mean
  with the scorecard's criterion weights (equal to the voice-weighted mean of reviewer totals).
- Spread is max - min of all totals including the automatic one; above
  `rubric.contested_spread` the case is flagged for discussion rather than averaged away.
- The panel cannot override a gate: `eligible` is the automatic scorecard's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scoring.card import Scorecard
from scoring.rubric import Rubric

AUTO = "automatic"


@dataclass(frozen=True, slots=True)
class ReviewScores:
    reviewer: str
    scores: dict[str, float]  # criterion code -> 0-100; missing = accepts the automatic score


@dataclass(frozen=True, slots=True)
class PanelResult:
    panel_total: float
    per_criterion: dict[str, float]
    totals: dict[str, float]  # reviewer -> total, including AUTO
    spread: float
    contested: bool
    review_count: int
    eligible: bool


def _check(auto: Scorecard, reviews: list[ReviewScores]) -> None:
    codes = {c.code for c in auto.criteria}
    names = [r.reviewer for r in reviews]
    if len(set(names)) != len(names) or AUTO in names:
        raise ValueError("reviewer names must be unique and not 'automatic'")
    for r in reviews:
        if unknown := sorted(set(r.scores) - codes):
            raise ValueError(f"{r.reviewer}: unknown criteria {unknown}")
        for code, s in r.scores.items():
            if not (math.isfinite(s) and 0 <= s <= 100):
                raise ValueError(f"{r.reviewer}: {code} score {s} outside 0-100")


def aggregate_panel(auto: Scorecard, reviews: list[ReviewScores], rubric: Rubric) -> PanelResult:
    _check(auto, reviews)
    weights = {c.code: c.weight for c in auto.criteria}
    total_w = sum(weights.values())
    auto_scores = {c.code: c.score for c in auto.criteria}
    filled = {AUTO: auto_scores} | {
        r.reviewer: auto_scores | dict(r.scores) for r in sorted(reviews, key=lambda r: r.reviewer)
    }
    voice = {name: (rubric.panel_auto_weight if name == AUTO else 1.0) for name in filled}
    if sum(voice.values()) == 0:  # auto weight 0 and nobody reviewed yet
        voice[AUTO] = 1.0
    all_voices = sum(voice.values())
    # Normalise first so that tiny (even subnormal) weights still give exact shares.
    share = {n: v / all_voices for n, v in voice.items()}

    def total(scores: dict[str, float]) -> float:
        return sum(weights[c] * scores[c] for c in weights) / total_w

    per_criterion = {
        c: round(sum(share[n] * s[c] for n, s in filled.items()), 2)
        for c in weights
    }
    totals = {n: round(total(s), 2) for n, s in filled.items()}
    panel_total = sum(share[n] * total(s) for n, s in filled.items())
    spread = round(max(totals.values()) - min(totals.values()), 2)
    return PanelResult(
        panel_total=round(panel_total, 2),
        per_criterion=per_criterion,
        totals=totals,
        spread=spread,
        contested=spread > rubric.contested_spread,
        review_count=len(reviews),
        eligible=auto.eligible,
    )
