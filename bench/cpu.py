"""Where the CPU went during a run, per request: database, service, load generator, and any
other process on the machine (a busy neighbour shows up here rather than as a mystery)."""

from __future__ import annotations

import contextlib
import os
import resource
from collections.abc import Callable
from pathlib import Path
from typing import Any

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[str, int, list[int]] | None:
    with contextlib.suppress(OSError):
        raw = Path(f"/proc/{pid}/stat").read_text()
        comm = raw[raw.index("(") + 1: raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        # after comm: state ppid ... utime(12) stime(13) cutime(14) cstime(15), 0-based here
        return comm, int(fields[1]), [int(x) for x in fields[11:15]]
    return None


POSTMASTER: list[int] = []  # our cluster's postmaster (set by __main__), not anyone else's


def snapshot(service_pids: set[int]) -> dict[str, float]:
    db = service = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        found = _stat(pid)
        if found is None:
            continue
        _comm, ppid, (utime, stime, cutime, cstime) = found
        if int(pid) in service_pids:
            service += utime + stime
        elif int(pid) in POSTMASTER:
            # its children's times hold the backends that already exited
            db += utime + stime + cutime + cstime
        elif ppid in POSTMASTER:
            db += utime + stime
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(x) for i, x in enumerate(cpu[:8]) if i not in (3, 4))  # not idle, iowait
    return {"db": db / TICK, "service": service / TICK,
            "client": usage.ru_utime + usage.ru_stime, "machine": busy / TICK}


def measured(run: Callable[[], dict[str, Any]], service_pids: set[int]) -> dict[str, Any]:
    """run(), plus CPU milliseconds per request by where they were spent."""
    before = snapshot(service_pids)
    result = run()
    after = snapshot(service_pids)
    delta = {k: after[k] - before[k] for k in before}
    n = max(result["requests"], 1)
    ours = delta["db"] + delta["service"] + delta["client"]
    return {**result,
            "cpu_db_ms": 1000 * delta["db"] / n, "cpu_service_ms": 1000 * delta["service"] / n,
            "cpu_client_ms": 1000 * delta["client"] / n,
            "cpu_other_ms": 1000 * max(delta["machine"] - ours, 0.0) / n}
