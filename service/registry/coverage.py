"""Coverage of the pilot communities by active stores, and its gaps."""

from __future__ import annotations

from typing import Any

import asyncpg

from service.registry.places import geometry_out
from service.registry.schemas import CommunityCoverage, CoverageReport, CrsName, Population

POPULATION_FIELDS = (
    "households", "residents", "elderly", "elderly_alone", "disabled", "mothers_infants",
    "children",
)


def _add(total: Population, row: asyncpg.Record) -> None:
    total.communities += 1
    for field in POPULATION_FIELDS:
        setattr(total, field, getattr(total, field) + row[field])


def community_coverage(row: asyncpg.Record) -> CommunityCoverage:
    return CommunityCoverage(
        code=row["code"], name=row["name"], street=row["street"], district=row["district"],
        store_count=row["store_count"], capped=row["capped"], gap=row["gap"],
        delivery_store_ids=list(row["delivery_ids"]), walkin_store_ids=list(row["walkin_ids"]),
        **{f: row[f] for f in POPULATION_FIELDS},
    )


def report(rows: list[asyncpg.Record], min_stores: int, walk_m: float,
           list_limit: int) -> CoverageReport:
    served, gaps = Population(), Population()
    for row in rows:
        _add(gaps if row["gap"] else served, row)
    return CoverageReport(
        min_stores=min_stores, walk_m=walk_m, list_limit=list_limit, served=served, gaps=gaps,
        gap_codes=[r["code"] for r in rows if r["gap"]],
        communities=[community_coverage(r) for r in rows],
    )


def feature_collection(rows: list[asyncpg.Record], crs: CrsName, min_stores: int,
                       walk_m: float) -> dict[str, Any]:
    """Communities as polygons with their coverage as flat properties (QGIS-friendly)."""
    features = []
    for row in rows:
        c = community_coverage(row)
        features.append({
            "type": "Feature", "id": c.code, "geometry": geometry_out(row["geom"], crs),
            "properties": {
                "code": c.code, "name": c.name, "street": c.street, "district": c.district,
                "store_count": c.store_count, "capped": c.capped, "gap": c.gap,
                "delivery_store_ids": ",".join(map(str, c.delivery_store_ids)),
                "walkin_store_ids": ",".join(map(str, c.walkin_store_ids)),
                **{f: row[f] for f in POPULATION_FIELDS},
            },
        })
    return {
        "type": "FeatureCollection", "crs_name": crs, "min_stores": min_stores,
        "walk_m": walk_m, "features": features,
    }
