"""Chain-sized store lists for the chain tests and bench/chains.py."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

from service.chains.storefile import COLUMNS
from tests.factories import store

HEADER = [c.zh for c in COLUMNS]


def chain_stores(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """`n` branches around Beijing's urban core (WGS-84), most delivering."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lon, lat = 116.25 + rng.random() * 0.4, 39.78 + rng.random() * 0.3
        delivering = i % 4 != 3
        extra: dict[str, Any] = (
            {"radius_m": rng.choice((800, 1200, 2000)), "daily_capacity": rng.randint(10, 80)}
            if delivering else
            {"home_delivery": False, "radius_m": None, "daily_capacity": 0,
             "emergency_24h": False, "mobility_assist": False}
        )
        out.append(store(f"第{i + 1}分店", lon, lat, **extra))
    return out


def row(s: dict[str, Any]) -> list[Any]:
    d = s["delivery"]
    yes = {True: "是", False: "否"}
    return [
        s["name"], s["address"], s["location"]["lon"], s["location"]["lat"],
        s["location"]["crs"].upper(), "、".join(s["categories"]), yes[d["home_delivery"]],
        d.get("radius_m") or "", d.get("daily_capacity", 0), yes[d.get("emergency_24h", False)],
        yes[d.get("mobility_assist", False)], s["opening_hours"],
    ]


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)
