"""Marginal coverage: which pilot communities each of a chain's stores alone brings to the
rubric's target k. Shown to the panel for an application's stores (service.store_coverage)
and required of new branches that a round's rules approve automatically (autorules)."""

from __future__ import annotations

from collections import Counter
from uuid import UUID

import asyncpg

from scoring.rubric import Rubric
from service.review.scorecards import network_counts


async def marginal_coverage(
    conn: asyncpg.Connection, by_store: dict[str, set[str]], rubric: Rubric,
    exclude_application: UUID | None,
) -> dict[str, set[str]]:
    """For each store (by its key in `by_store`, the communities it serves), the communities
    that would stay below k without it: the registry (less `exclude_application`'s own
    registered stores) and the other stores of `by_store` counted."""
    reach = sorted(set().union(*by_store.values())) if by_store else []
    counts = await network_counts(conn, reach, rubric, exclude_application)
    own = Counter(code for served in by_store.values() for code in served)
    k = rubric.target_stores_per_community
    return {key: {c for c in served if counts[c] + own[c] - 1 < k}
            for key, served in by_store.items()}
