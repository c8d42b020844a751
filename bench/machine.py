"""What the machine gives: CPUs, and how much two busy processes really get over one (vCPUs
that share a physical core, or a busy host, give far less than 2×)."""

from __future__ import annotations

import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any


def _spin(n: int) -> float:
    t0 = time.perf_counter()
    x = 0
    for i in range(n):
        x += i
    return time.perf_counter() - t0


def parallel_speedup(n: int = 10_000_000) -> float:
    """Throughput of two CPU-bound processes relative to one."""
    with ProcessPoolExecutor(2) as pool:
        one = pool.submit(_spin, n).result()
        two = max(pool.map(_spin, [n, n]))
    return 2 * one / two


def describe() -> dict[str, Any]:
    model = platform.processor()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "loadavg_at_start": os.getloadavg(), "parallel_speedup_2proc": parallel_speedup()}
