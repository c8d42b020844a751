"""Pure scoring of partner applicants: no I/O, no HTTP, no database.

Build a `CommunityIndex` of the pilot communities once per round, compute `network_counts`
of the approved stores, then `score_merchant` / `score_ngo` each applicant, `aggregate_panel`
with the reviewers' scores, and `shortlist` a batch.
"""

from scoring.card import CriterionScore, Gate, Scorecard
from scoring.coverage import (
    CommunityIndex,
    communities_served_by,
    marginal_gains,
    network_counts,
    weighted_population,
)
from scoring.models import CommunityFacts, MerchantFacts, NgoFacts, StoreFacts, TrackRecord
from scoring.panel import PanelResult, ReviewScores, aggregate_panel
from scoring.rubric import (
    GateSettings,
    MerchantWeights,
    NgoWeights,
    PriorityWeights,
    Rubric,
    default_rubric,
    rubric_from_dict,
    rubric_to_dict,
)
from scoring.scorecard import score_merchant, score_ngo
from scoring.shortlist import BelowTarget, Candidate, Pick, Shortlist, shortlist
from scoring.shortlist_exact import exact_shortlist
from scoring.vocabulary import (
    CAPABILITIES,
    CATEGORIES,
    CRITERIA,
    ELIGIBLE,
    EXCLUDED,
    GATES,
    PHASES,
    PRIORITY_GROUPS,
    Capability,
    Category,
    Label,
)

__all__ = [
    "CAPABILITIES",
    "CATEGORIES",
    "CRITERIA",
    "ELIGIBLE",
    "EXCLUDED",
    "GATES",
    "PHASES",
    "PRIORITY_GROUPS",
    "BelowTarget",
    "Candidate",
    "Capability",
    "Category",
    "CommunityFacts",
    "CommunityIndex",
    "CriterionScore",
    "Gate",
    "GateSettings",
    "Label",
    "MerchantFacts",
    "MerchantWeights",
    "NgoFacts",
    "NgoWeights",
    "PanelResult",
    "Pick",
    "PriorityWeights",
    "ReviewScores",
    "Rubric",
    "Scorecard",
    "Shortlist",
    "StoreFacts",
    "TrackRecord",
    "aggregate_panel",
    "communities_served_by",
    "default_rubric",
    "exact_shortlist",
    "marginal_gains",
    "network_counts",
    "rubric_from_dict",
    "rubric_to_dict",
    "score_merchant",
    "score_ngo",
    "shortlist",
    "weighted_population",
]
