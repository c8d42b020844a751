"""The Beijing pilot's organisations (fixtures/organisations_beijing.json), idempotent."""

from __future__ import annotations

from typing import Any

import asyncpg

from service.organisations.schemas import OrganisationIn
from service.organisations.service import save_organisation
from service.validation import collect


async def load_organisations(conn: asyncpg.Connection, items: list[dict[str, Any]]) -> int:
    async with conn.transaction():
        for raw in items:
            org, errors = collect(OrganisationIn, raw)
            if org is None or errors:
                raise ValueError(f"fixture organisation {raw.get('code')} is invalid: {errors}")
            await save_organisation(conn, org)
    return len(items)
