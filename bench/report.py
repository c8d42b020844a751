"""The results table (Markdown, as in the README) and the JSON written under bench/results/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _ok(passed: bool | None) -> str:
    return "—" if passed is None else ("met" if passed else "MISSED")


# Issue 15's goals: (key, comparison, target).
GOALS = {
    "serving_rps_8": (">=", 2000), "serving_p99_ms_8": ("<=", 20), "serving_vs_raw": (">=", 1.5),
    "route_rps_8": (">=", 1200), "route_p99_ms_8": ("<=", 30), "over_reservations": ("<=", 0),
    "intake_p99_ms": ("<", 50), "coverage_cold_s": ("<=", 0.5), "worker_rss_mib": ("<=", 500),
    "freshness_s": ("<=", 1.0),
}


def goals(r: dict[str, Any]) -> dict[str, Any]:
    """The measured figure, its goal and whether it was met, per goal of issue 15."""
    sv, sr, rt = r["serving"]["service"], r["serving"]["raw"], r["route"]["service"]
    measured = {
        "serving_rps_8": sv["rps"], "serving_p99_ms_8": sv["p99_ms"],
        "serving_vs_raw": sv["rps"] / sr["rps"], "route_rps_8": rt["rps"],
        "route_p99_ms_8": rt["p99_ms"], "over_reservations": r["route"]["overbooking_total"],
        "intake_p99_ms": r["intake"]["p99_ms"], "coverage_cold_s": r["coverage"]["cold_s"],
        "worker_rss_mib": max(r["memory_mb"]["workers"]),
        "freshness_s": r["freshness"]["freshness_s"],
    }
    out = {}
    for key, (op, target) in GOALS.items():
        v = measured[key]
        met = {">=": v >= target, "<=": v <= target, "<": v < target}[op]
        out[key] = {"measured": round(float(v), 3), "goal": f"{op} {target}", "met": bool(met)}
    return out


def rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    sv, sr = r["serving"]["service"], r["serving"]["raw"]
    s_ratio = sv["rps"] / sr["rps"]
    rt, rr = r["route"]["service"], r["route"]["raw"]
    r_ratio = rt["rps"] / rr["rps"]
    over = r["route"]["overbooking_total"]
    it = r["intake"]
    b, sc = r["batch"]["ample"], r["batch"]["scarce"]
    cov = r["coverage"]
    naive = r["naive"]
    mem = r["memory_mb"]
    out = [
        ("serving query (8 conn)",
         f"service {sv['rps']:.0f} req/s, p50 {sv['p50_ms']:.1f} ms, p99 {sv['p99_ms']:.1f} ms; "
         f"raw SQL {sr['rps']:.0f} q/s, p50 {sr['p50_ms']:.1f} ms, p99 {sr['p99_ms']:.1f} ms; "
         f"ratio {s_ratio:.2f}×",
         "≥ 2,000 req/s, p99 ≤ 20 ms, ≥ 1.5× raw",
         _ok(sv["rps"] >= 2000 and sv["p99_ms"] <= 20 and s_ratio >= 1.5)),
        ("routing with reservation (8 conn)",
         f"service {rt['rps']:.0f} req/s, p99 {rt['p99_ms']:.1f} ms; raw SQL {rr['rps']:.0f} "
         f"op/s, p99 {rr['p99_ms']:.1f} ms; ratio {r_ratio:.2f}×; over-reservations {over} "
         f"({r['route']['store_days_full']} store-days filled)",
         "≥ 1,200 req/s, p99 ≤ 30 ms, 0 over",
         _ok(rt["rps"] >= 1200 and rt["p99_ms"] <= 30 and over == 0)),
        (f"intake, 5-store merchant ({it['concurrency']} conn)",
         f"{it['rps']:.1f} req/s, p50 {it['p50_ms']:.0f} ms, p99 {it['p99_ms']:.0f} ms "
         f"({it['requests']} accepted, {it['errors']} failed)",
         "p99 < 50 ms", _ok(it["p99_ms"] < 50 and it["errors"] == 0)),
        ("batch assignment 10,000 → 1,000 stores (in-process)",
         f"ample places: {b['seconds']:.2f} s, {b['assigned']:,} assigned, "
         f"{b['total_km']:,.0f} km vs greedy {b['greedy_assigned']:,}, "
         f"{b['greedy_total_km']:,.0f} km (×{b['distance_ratio']:.3f}); "
         f"scarce places: {sc['seconds']:.2f} s, {sc['assigned']:,} served vs greedy "
         f"{sc['greedy_assigned']:,}",
         "≤ 10 s, distance ≤ greedy",
         _ok(max(b["seconds"], sc["seconds"]) <= 10 and b["assigned"] >= b["greedy_assigned"]
             and b["total_km"] <= b["greedy_total_km"] + 1e-9
             and sc["assigned"] >= sc["greedy_assigned"])),
        ("coverage report (10,000 communities)",
         f"{cov['cold_s']:.2f} s cold, end to end ({cov['bytes'] / 1e6:.1f} MB JSON; SQL alone "
         f"{r['plans']['coverage']['ms'] / 1000:.2f} s)",
         "≤ 0.5 s cold", _ok(cov["cold_s"] <= 0.5)),
        ("freshness (store closed / reopened through the API)",
         f"closed: gone from every worker in {r['freshness']['closed_s']:.2f} s; reopened: "
         f"back in {r['freshness']['reopened_s']:.2f} s",
         "≤ 1 s", _ok(r["freshness"]["freshness_s"] <= 1.0)),
        ("naive peer (geopy scan of every store)",
         f"{naive['seconds_per_query']:.2f} s per query vs service {naive['service_p50_ms']:.1f}"
         f" ms (1 conn, p50): ×{naive['ratio']:,.0f} slower",
         "reported", "—"),
        ("memory",
         f"peak RSS per granian worker {max(mem['workers']):.0f} MiB "
         f"({r['workers']} worker(s); main process {mem['main']:.0f} MiB)",
         "≤ 500 MiB", _ok(max(mem["workers"]) <= 500)),
    ]
    if "assign_api" in r:
        a = r["assign_api"]
        out.insert(4, ("batch plan via POST /dispatch/assign",
                       f"{a['seconds']:.2f} s for {a['households']} households against the whole "
                       f"registry; {a['assigned']} assigned ({a['method']}), "
                       f"{a['total_distance_m'] / 1000:.0f} km vs greedy "
                       f"{a['greedy_total_distance_m'] / 1000:.0f} km",
                       "reported", "—"))
    if "replica" in r:  # issue 18's two-node figure
        rp = r["replica"]
        p_, s_ = rp["primary"], rp["standby"]
        out.append(("serving, reads on a hot standby vs on the primary (8 conn, same run)",
                    f"standby {s_['rps']:.0f} req/s, p99 {s_['p99_ms']:.1f} ms; primary "
                    f"{p_['rps']:.0f} req/s, p99 {p_['p99_ms']:.1f} ms; ratio "
                    f"{rp['standby_vs_primary']:.2f}× (both servers and both databases on "
                    f"this one machine; {rp['standby_sessions']} service sessions on the "
                    "standby)", "reported", "—"))
    return out


def table(r: dict[str, Any]) -> str:
    lines = ["| figure | measured (median of runs) | goal | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(r)]
    return "\n".join(lines)


def cpu_table(r: dict[str, Any]) -> str:
    """CPU milliseconds per request by where they were spent (medians of the runs)."""
    lines = ["| run | req/s | database | service (granian workers) | load generator | "
             "other processes |", "|---|---|---|---|---|---|"]
    for fig, side in [("serving", "raw"), ("serving", "service"), ("route", "raw"),
                      ("route", "service"), ("replica", "primary"), ("replica", "standby")]:
        if fig in r:
            x = r[fig][side]
            if "cpu_db_ms" not in x:
                continue
            name = {"raw": "raw SQL", "service": "service", "primary": "reads on the primary",
                    "standby": "reads on the standby"}[side]
            lines.append(f"| {'serving' if fig == 'replica' else fig}, {name} | {x['rps']:.0f} "
                         f"| {x['cpu_db_ms']:.2f} | {x['cpu_service_ms']:.2f} | "
                         f"{x['cpu_client_ms']:.2f} | {x['cpu_other_ms']:.2f} |")
    return "\n".join(lines)


def plans_table(plans: dict[str, dict[str, Any]]) -> str:
    lines = ["| query | indexes used | seq scans | ms |", "|---|---|---|---|"]
    for name, p in plans.items():
        lines.append(f"| {name} | {', '.join(p['indexes'])} | {', '.join(p['seq_scans']) or '—'}"
                     f" | {p['ms']:.1f}{' (JIT)' if p['jit'] else ''} |")
    return "\n".join(lines)


def write(results: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    plans = results.get("plans", {})
    (directory / "plans.txt").write_text(
        "".join(f"== {name}\n{p['plan']}\n\n" for name, p in plans.items()), encoding="utf-8")
    slim = {**results, "plans": {k: {x: y for x, y in p.items() if x != "plan"}
                                 for k, p in plans.items()}}
    path = directory / "latest.json"
    path.write_text(json.dumps(slim, indent=1, ensure_ascii=False, default=str) + "\n",
                    encoding="utf-8")
    return path
