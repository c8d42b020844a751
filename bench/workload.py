"""What the load generators send: household points, route bodies, merchant applications."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from stdnum.cn import uscc

from bench.synth import CATEGORIES, _offset, circles, positions
from geo import from_wgs84

_USCC_CHARS = "0123456789ABCDEFGH"


def household_points(n: int, seed: int) -> list[tuple[float, float]]:
    """Where households are: the urban core, district towns, and anywhere in the region."""
    lon, lat = positions(np.random.default_rng(seed), n, (0.55, 0.25, 0.20))
    return [(round(float(x), 6), round(float(y), 6)) for x, y in zip(lon, lat, strict=True)]


def serving_lines(points: list[tuple[float, float]]) -> list[tuple[str, str, str]]:
    return [("GET", f"/api/v1/stores/serving?lon={x}&lat={y}", "") for x, y in points]


def route_jobs(n: int, seed: int) -> list[dict[str, Any]]:
    """Route requests; 30 % crowd at 20 hot spots (a flooded estate) so stores fill up and
    concurrent requests race for their last units."""
    rng = np.random.default_rng(seed)
    points = household_points(n, seed)
    hot = household_points(20, seed + 1)
    jobs = []
    for i, (x, y) in enumerate(points):
        if rng.random() < 0.3:
            hx, hy = hot[int(rng.integers(20))]
            xx, yy = _offset(np.array([hx]), np.array([hy]), *rng.normal(0, 0.1, (2, 1)))
            x, y = round(float(xx[0]), 6), round(float(yy[0]), 6)
        jobs.append({
            "household": {"lon": x, "lat": y, "crs": "wgs84", "ref": f"hh-{seed}-{i}"},
            "home_delivery": bool(rng.random() < 0.7),
            "phase": str(rng.choice(["warning", "recovery"])),
            "categories": ["grain_oil"] if rng.random() < 0.5 else [],
        })
    return jobs


def route_lines(jobs: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [("POST", "/api/v1/dispatch/route", json.dumps(j, ensure_ascii=False)) for j in jobs]


def credit_code(n: int) -> str:
    tail = ""
    for _ in range(9):
        n, r = divmod(n, len(_USCC_CHARS))
        tail += _USCC_CHARS[r]
    body = "91110105" + tail
    return body + uscc.calc_check_digit(body)


def _store(rng: np.random.Generator, i: int, x: float, y: float, drawn: bool) -> dict[str, Any]:
    crs = "gcj02" if i % 2 else "wgs84"  # half arrive as typed from a Chinese map app
    delivery: dict[str, Any] = {"home_delivery": True, "daily_capacity": int(rng.integers(10, 80)),
                                "emergency_24h": bool(i % 3 == 0), "mobility_assist": True}
    if drawn:
        ring = np.asarray(circles(np.array([x]), np.array([y]),
                                  np.array([float(rng.uniform(600, 1500))]), 12)[0].exterior.coords)
        typed = (from_wgs84(float(a), float(b), crs) for a, b in ring)
        delivery["zone"] = {"type": "Polygon",
                            "coordinates": [[[round(a, 6), round(b, 6)] for a, b in typed]]}
    else:
        delivery["radius_m"] = int(rng.integers(500, 2500))
    lx, ly = from_wgs84(x, y, crs)
    return {
        "name": f"基准门店{i}", "address": f"北京市基准路{i}号",
        "location": {"lon": round(lx, 7), "lat": round(ly, 7), "crs": crs},
        "categories": sorted(rng.choice(CATEGORIES, size=4, replace=False).tolist()),
        "opening_hours": "07:00-22:00", "delivery": delivery,
    }


def merchant_bodies(n: int, seed: int, round_code: str) -> list[str]:
    """Five-store merchants (three radius zones, two drawn zones), each a distinct credit code."""
    rng = np.random.default_rng(seed)
    bodies = []
    for k in range(n):
        pts = household_points(5, seed * 100_003 + k)
        stores = [_store(rng, j, x, y, drawn=j >= 3) for j, (x, y) in enumerate(pts)]
        bodies.append(json.dumps({
            "kind": "merchant", "round": round_code, "legal_name": f"北京基准商贸有限公司{k}",
            "credit_code": credit_code(seed * 1_000_000 + k), "wechat_pay_mch_id": "1900012345",
            "settlement_contact": {"name": "王芳", "mobile": "13800138000"},
            "data_feedback": True, "trained_staff": 3, "stores": stores,
        }, ensure_ascii=False))
    return bodies
