"""Single heavy requests, timed end to end over HTTP: the coverage report, a batch plan."""

from __future__ import annotations

import time
from typing import Any

import httpx


def timed(url: str, token: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=120,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        t0 = time.perf_counter()
        r = client.request(method, path, json=body)
        seconds = time.perf_counter() - t0
    r.raise_for_status()
    return {"seconds": seconds, "bytes": len(r.content), "answer": r.json()}


def coverage(url: str, token: str) -> dict[str, Any]:
    out = timed(url, token, "GET", "/api/v1/coverage")
    report = out.pop("answer")
    out["communities"] = len(report["communities"])
    out["gaps"] = len(report["gap_codes"])
    return out


def assign(url: str, token: str, households: list[tuple[float, float]]) -> dict[str, Any]:
    body = {"households": [{"ref": f"b{i}", "lon": x, "lat": y}
                           for i, (x, y) in enumerate(households)],
            "home_delivery": True}
    out = timed(url, token, "POST", "/api/v1/dispatch/assign", body)
    summary = out.pop("answer")["summary"]
    return {**out, **summary}
