"""Load from wrk (a separate C process on loopback), through bench/lua/requests.lua."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).parent / "lua" / "requests.lua"


def available() -> bool:
    return shutil.which("wrk") is not None


def write_requests(path: Path, lines: list[tuple[str, str, str]]) -> Path:
    """(method, path, body) per request; bodies are one-line JSON."""
    path.write_text("".join(f"{m}\t{p}\t{b}\n" for m, p, b in lines), encoding="utf-8")
    return path


def run(url: str, requests: Path, token: str, *, connections: int, seconds: float,
        threads: int = 1) -> dict[str, float]:
    """One wrk run; requests/s, p50/p99 in ms, and error counts."""
    env = {**os.environ, "BENCH_REQUESTS": str(requests), "BENCH_TOKEN": token}
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
         "--timeout", "10s", "-s", str(SCRIPT), url],
        capture_output=True, text=True, env=env, check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    raw = json.loads(line.removeprefix("BENCH "))
    seconds_run = raw["duration_us"] / 1e6
    return {
        "rps": raw["requests"] / seconds_run,
        "p50_ms": raw["p50_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
        "requests": raw["requests"],
        "errors": raw["non_2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
    }
