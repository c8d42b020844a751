"""Coverage of the pilot communities by active stores, and its gaps.

The coverage query (service/sql/serves.sql `coverage`) returns each community's entry of the
report already as compact JSON bytes (`doc`), so a report of 10,000 communities is joined
here rather than decoded into 200,000 UUIDs, rebuilt as structs and encoded again (most of a
cold report's Python time at 100,000 stores). The totals are summed from the plain columns
beside it.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, cast

import asyncpg
import msgspec

from service.registry.places import geometry_out
from service.registry.schemas import CommunityCoverage, CoverageReport, CrsName, Population

POPULATION_FIELDS = (
    "households", "residents", "elderly", "elderly_alone", "disabled", "mothers_infants",
    "children",
)


def _total(rows: list[asyncpg.Record]) -> Population:
    return Population(communities=len(rows),
                      **{f: sum(map(itemgetter(f), rows)) for f in POPULATION_FIELDS})


def report(rows: list[asyncpg.Record], min_stores: int, walk_m: float,
           list_limit: int) -> bytes:
    """The CoverageReport as JSON, its communities spliced in from the rows' `doc`."""
    gaps = [r for r in rows if r["gap"]]
    served = [r for r in rows if not r["gap"]]
    communities = msgspec.Raw(b"[" + b",".join([r["doc"] for r in rows]) + b"]")
    return msgspec.json.encode(CoverageReport(
        min_stores=min_stores, walk_m=walk_m, list_limit=list_limit, served=_total(served),
        gaps=_total(gaps), gap_codes=[r["code"] for r in gaps],
        # encoded as is: the query built each entry in CommunityCoverage's shape
        communities=cast(list[CommunityCoverage], communities),
    ))


def feature_collection(rows: list[asyncpg.Record], crs: CrsName, min_stores: int,
                       walk_m: float) -> dict[str, Any]:
    """Communities as polygons with their coverage as flat properties (QGIS-friendly)."""
    features = []
    for row in rows:
        c = msgspec.json.decode(row["doc"])
        features.append({
            "type": "Feature", "id": c["code"], "geometry": geometry_out(row["geom"], crs),
            "properties": {
                "code": c["code"], "name": c["name"], "street": c["street"],
                "district": c["district"], "store_count": c["store_count"],
                "capped": c["capped"], "gap": c["gap"],
                "delivery_store_ids": ",".join(c["delivery_store_ids"]),
                "walkin_store_ids": ",".join(c["walkin_store_ids"]),
                **{f: c[f] for f in POPULATION_FIELDS},
            },
        })
    return {
        "type": "FeatureCollection", "crs_name": crs, "min_stores": min_stores,
        "walk_m": walk_m, "features": features,
    }
