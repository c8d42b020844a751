"""Freshness: how long after a store is closed (and reopened) through the API every worker's
answers follow. Polls `/stores/nearest?k=1` at the store's own point, each request on a new
connection so both workers answer, until 10 answers in a row agree with the change."""

from __future__ import annotations

import time
from typing import Any

import httpx

AGREE = 10


def _until(url: str, token: str, lon: float, lat: float, store_id: str, present: bool,
           timeout_s: float = 10.0) -> float:
    started = time.perf_counter()
    streak = 0
    while time.perf_counter() - started < timeout_s:
        with httpx.Client(base_url=url, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            stores = client.get("/api/v1/stores/nearest",
                                params={"lon": lon, "lat": lat, "k": 1}).json()["stores"]
        if (bool(stores) and stores[0]["id"] == store_id) == present:
            streak += 1
            if streak == 1:
                first = time.perf_counter() - started
            if streak >= AGREE:
                return first
        else:
            streak = 0
    return float("inf")


def measure(url: str, token: str, store: dict[str, Any]) -> dict[str, float]:
    sid, lon, lat = str(store["id"]), store["lon"], store["lat"]
    headers = {"Authorization": f"Bearer {token}"}
    out = {}
    for status, present in (("closed", False), ("active", True)):
        with httpx.Client(base_url=url, timeout=30, headers=headers) as client:
            client.patch(f"/api/v1/stores/{sid}/status",
                         json={"status": status, "reason": "bench"}).raise_for_status()
        out["closed_s" if status == "closed" else "reopened_s"] = _until(
            url, token, lon, lat, sid, present)
    out["freshness_s"] = max(out.values())
    return out
