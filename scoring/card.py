"""Scorecard types: sub-scores with their facts and bilingual explanations, and gates.

`total` is always the weighted mean of the sub-scores, even when a gate fails; `eligible`
says separately whether the candidate may be approved at all. Reviewers thus still see how a
gated-out candidate would rank once it fixes the gate (e.g. opens a WeChat Pay account).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from scoring.vocabulary import CRITERIA, GATES


@dataclass(frozen=True, slots=True)
class CriterionScore:
    code: str
    label_zh: str
    label_en: str
    score: float  # 0-100
    weight: float  # the rubric weight as stored
    weighted: float  # contribution to total: score * weight / sum of weights
    facts: dict[str, Any]  # JSON-able evidence behind the score
    explanation_zh: str
    explanation_en: str


@dataclass(frozen=True, slots=True)
class Gate:
    code: str
    passed: bool
    reason_zh: str
    reason_en: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scorecard:
    rubric_version: int
    kind: Literal["merchant", "ngo"]
    criteria: tuple[CriterionScore, ...]
    gates: tuple[Gate, ...]
    eligible: bool
    total: float
    served_communities: tuple[str, ...]  # sorted pilot community codes

    def criterion(self, code: str) -> CriterionScore:
        return next(c for c in self.criteria if c.code == code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rubric_version": self.rubric_version,
            "kind": self.kind,
            "eligible": self.eligible,
            "total": self.total,
            "served_communities": list(self.served_communities),
            "criteria": [
                {
                    "code": c.code, "label_zh": c.label_zh, "label_en": c.label_en,
                    "score": c.score, "weight": c.weight, "weighted": c.weighted,
                    "facts": c.facts,
                    "explanation_zh": c.explanation_zh, "explanation_en": c.explanation_en,
                }
                for c in self.criteria
            ],
            "gates": [
                {"code": g.code, "passed": g.passed, "reason_zh": g.reason_zh,
                 "reason_en": g.reason_en, "facts": g.facts}
                for g in self.gates
            ],
        }


@dataclass(frozen=True, slots=True)
class Draft:
    """A sub-score before weighting: what each criterion module returns."""

    code: str
    score: float
    facts: dict[str, Any]
    explanation_zh: str
    explanation_en: str


def assemble(
    kind: Literal["merchant", "ngo"],
    rubric_version: int,
    drafts: list[Draft],
    weights: dict[str, float],
    gates: list[Gate],
    served: set[str],
) -> Scorecard:
    total_weight = sum(weights[d.code] for d in drafts)  # > 0, the rubric validates it
    criteria = []
    for d in drafts:
        score = round(min(100.0, max(0.0, d.score)), 2)
        label = CRITERIA[d.code]
        criteria.append(CriterionScore(
            d.code, label.zh, label.en, score, weights[d.code],
            round(score * weights[d.code] / total_weight, 4), d.facts,
            d.explanation_zh, d.explanation_en,
        ))
    total = round(sum(c.score * c.weight for c in criteria) / total_weight, 2)
    assert all(g.code in GATES for g in gates)
    return Scorecard(rubric_version, kind, tuple(criteria), tuple(gates),
                     all(g.passed for g in gates), min(100.0, total), tuple(sorted(served)))


def num(x: float) -> str:
    """Thousands-separated integer, as both languages write counts of people."""
    return f"{round(x):,}"
