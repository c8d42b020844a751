"""Running the load generators as separate processes, and taking medians of repeated runs."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _module(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f, ensure_ascii=False)
    try:
        out = subprocess.run([sys.executable, "-m", name, f.name], capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout
    finally:
        Path(f.name).unlink(missing_ok=True)
    return json.loads(out.strip().splitlines()[-1])


def raw_sql(spec: dict[str, Any]) -> dict[str, Any]:
    return _module("bench.rawload", spec)


def http_posts(spec: dict[str, Any]) -> dict[str, Any]:
    return _module("bench.httpload", spec)


def median_of(runs: int, one: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """Runs `one(k)` for k in 0..runs-1; the median of each figure, and every run."""
    results = [one(k) for k in range(runs)]
    keys = [k for k, v in results[0].items() if isinstance(v, int | float)]
    summary = {k: statistics.median(r[k] for r in results) for k in keys}
    summary["errors"] = sum(r.get("errors", 0) for r in results)
    summary["runs"] = results
    return summary
