"""`python -m bench.growth`: how each figure grows with the registry, from full runs at several
scales (`bash bench/run --stores N --out DIR`), as the Markdown table the README shows.

Reads each DIR/latest.json (default: the 10,000, 100,000 and 300,000-store runs kept under
bench/results/) and prints one row per figure, one column per scale, and the factor between
neighbouring scales.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
DEFAULT = [RESULTS / "10k", RESULTS, RESULTS / "300k"]

# (figure, how it is read from a run's results, format)
Figure = tuple[str, Callable[[dict[str, Any]], float], str]
FIGURES: list[Figure] = [
    ("delivering stores", lambda r: r["load"]["delivering"], "{:,.0f}"),
    ("store→community pairs", lambda r: r["load"]["store_community_pairs"], "{:,.0f}"),
    ("pairing the bulk load, s", lambda r: r["load"]["store_community_pairs_s"], "{:,.0f}"),
    ("serving, req/s (8 conn)", lambda r: r["serving"]["service"]["rps"], "{:,.0f}"),
    ("serving p99, ms", lambda r: r["serving"]["service"]["p99_ms"], "{:.1f}"),
    ("serving, raw SQL q/s", lambda r: r["serving"]["raw"]["rps"], "{:,.0f}"),
    ("serving / raw", lambda r: r["serving"]["service"]["rps"] / r["serving"]["raw"]["rps"],
     "{:.2f}×"),
    ("serving CPU, service ms/req", lambda r: r["serving"]["service"]["cpu_service_ms"],
     "{:.2f}"),
    ("serving CPU, PostgreSQL ms/req", lambda r: r["serving"]["service"]["cpu_db_ms"],
     "{:.2f}"),
    ("routing, req/s (8 conn)", lambda r: r["route"]["service"]["rps"], "{:,.0f}"),
    ("routing p99, ms", lambda r: r["route"]["service"]["p99_ms"], "{:.1f}"),
    ("routing, raw SQL op/s", lambda r: r["route"]["raw"]["rps"], "{:,.0f}"),
    ("over-reservations", lambda r: r["route"]["overbooking_total"], "{:.0f}"),
    ("intake p99, ms (4 conn)", lambda r: r["intake"]["p99_ms"], "{:.0f}"),
    ("coverage, cold s", lambda r: r["coverage"]["cold_s"], "{:.2f}"),
    ("assign 10,000 households, s", lambda r: r["assign_api"]["seconds"], "{:.1f}"),
    ("worker peak RSS, MiB", lambda r: max(r["memory_mb"]["workers"]), "{:.0f}"),
    ("freshness, s", lambda r: r["freshness"]["freshness_s"], "{:.2f}"),
    ("whole run, min", lambda r: r["total_s"] / 60, "{:.1f}"),
]


def load(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "latest.json").read_text(encoding="utf-8"))


def table(runs: list[dict[str, Any]]) -> str:
    scales = [f"{r['load']['stores']:,} stores" for r in runs]
    steps = [f"grew {a['load']['stores']:,} → {b['load']['stores']:,}"
             for a, b in pairwise(runs)]
    head = ["figure", *scales, *steps]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, read, fmt in FIGURES:
        values = [read(r) for r in runs]
        grew = [f"×{b / a:.2f}" if a else "—" for a, b in pairwise(values)]
        lines.append("| " + " | ".join([name, *(fmt.format(v) for v in values), *grew]) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.growth", description=__doc__)
    p.add_argument("dirs", nargs="*", type=Path, default=DEFAULT,
                   help="result directories, smallest registry first")
    args = p.parse_args()
    runs = sorted((load(d) for d in args.dirs), key=lambda r: r["load"]["stores"])
    print(table(runs))


if __name__ == "__main__":
    main()
