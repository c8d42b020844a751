"""Failover without a restart (issue 18, item 3): the service (granian, as deployed) connects
with a multi-host DSN and target_session_attrs=read-write to a primary with a SYNCHRONOUS
standby. Submissions stream in; the primary crashes (immediate stop); the standby is
promoted; writes resume against it by themselves. Counted on the new primary: every 201 is
there, none twice. The longest gap is measured and written to artifacts/, not asserted."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from typing import Any

import asyncpg
import httpx

from service.db.standby import crash
from tests.factories import merchant, open_round
from tests.replication import Pair, primary_cluster, seeded, standby_of
from tests.serving import ARTIFACTS, granian_server

BEFORE, AFTER = 8, 8  # 201s before the crash, and after the promotion
SUBMITTERS = 3
DEADLINE_S = 180.0  # the whole stream, generous for a loaded machine


class Stream:
    """Submitters that retry each application (same Idempotency-Key) until it is 201."""

    def __init__(self, base: str, deadline: float) -> None:
        self.base = base
        self.deadline = deadline
        self.created: dict[str, tuple[str, float]] = {}  # key -> (id, when)
        self.statuses: list[int] = []
        self.no_retry_after = 0
        self.stop = asyncio.Event()
        self._next = 0

    def _take(self) -> int:
        self._next += 1
        return self._next

    async def submitter(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=30.0) as http:
            while not self.stop.is_set():
                n = self._take()
                key, body = f"drill-{n}", merchant(seed=10_000 + n, legal_name=f"演练商户{n}")
                while time.monotonic() < self.deadline:  # a started one is finished
                    answer = await http.post("/api/v1/applications", json=body,
                                             headers={"Idempotency-Key": key})
                    self.statuses.append(answer.status_code)
                    if answer.status_code == 201:
                        self.created[key] = (answer.json()["id"], time.monotonic())
                        break
                    if answer.status_code == 503 and "retry-after" not in answer.headers:
                        self.no_retry_after += 1
                    # 503 while no server takes writes; 409 while the lease of a claim made
                    # by a request the crash cut off runs out: the same request again
                    await asyncio.sleep(0.05)

    def count_since(self, t: float) -> int:
        return sum(1 for _id, at in self.created.values() if at > t)


async def until(check: Any, what: str, deadline: float) -> None:
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(0.05)


async def synchronous(pair: Pair) -> None:
    """Commits on the primary wait for the standby to flush them."""
    conn = await asyncpg.connect(pair.superuser_dsn(pair.primary))
    try:
        await conn.execute(f"ALTER SYSTEM SET synchronous_standby_names = '{pair.standby.name}'")
        await conn.execute("SELECT pg_reload_conf()")
        deadline = time.monotonic() + 60
        while await conn.fetchval("SELECT sync_state FROM pg_stat_replication") != "sync":
            assert time.monotonic() < deadline, "the standby never became synchronous"
            await asyncio.sleep(0.05)
    finally:
        await conn.close()


async def test_failover_drill_loses_nothing_acknowledged() -> None:
    with primary_cluster() as (primary, base):
        async with seeded(primary) as conn:
            await open_round(conn)
        with standby_of(primary, base) as standby:
            pair = Pair(primary, standby)
            await synchronous(pair)
            with granian_server(pair.failover_dsn(), BOAI_APPLICANT_RATE="100000",
                                BOAI_IDEMPOTENCY_LEASE_S="2") as (url, server):
                deadline = time.monotonic() + DEADLINE_S
                stream = Stream(url, deadline)
                tasks = [asyncio.create_task(stream.submitter()) for _ in range(SUBMITTERS)]
                try:
                    await until(lambda: len(stream.created) >= BEFORE, "writes flow", deadline)
                    crashed = time.monotonic()
                    await asyncio.to_thread(crash, primary)
                    await asyncio.to_thread(standby.promote)
                    promoted = time.monotonic()
                    await until(lambda: stream.count_since(promoted) >= AFTER,
                                "writes resume on the promoted standby", deadline)
                finally:
                    stream.stop.set()
                    await asyncio.gather(*tasks, return_exceptions=True)
                assert server.poll() is None  # the same process throughout: no restart
                async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
                    ready = await http.get("/health/ready")  # on the new primary
                assert ready.status_code == 200, ready.text
            new_primary = await asyncpg.connect(pair.superuser_dsn(standby))
            try:
                rows = await new_primary.fetch(
                    "SELECT id::text, legal_name FROM applications "
                    "WHERE legal_name LIKE '演练商户%'")
            finally:
                await new_primary.close()

    stored: dict[str, list[str]] = {}
    for r in rows:
        stored.setdefault(r["legal_name"], []).append(r["id"])
    acknowledged = {f"演练商户{key.split('-')[1]}": app_id
                    for key, (app_id, _at) in stream.created.items()}
    missing = sorted(name for name, app_id in acknowledged.items()
                     if app_id not in stored.get(name, []))
    twice = sorted(name for name, ids in stored.items() if len(ids) > 1)
    times = sorted(at for _id, at in stream.created.values())
    gap = max(b - a for a, b in itertools.pairwise(times))
    figures = {
        "acknowledged": len(acknowledged), "stored": len(rows), "missing": missing,
        "twice": twice, "longest_gap_s": round(gap, 3),
        "crash_to_promoted_s": round(promoted - crashed, 3),
        "promoted_to_first_201_s": round(min(at for at in times if at > promoted) - promoted, 3),
        "answers": {str(s): stream.statuses.count(s) for s in sorted(set(stream.statuses))},
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "failover-drill.json").write_text(json.dumps(figures, ensure_ascii=False,
                                                              indent=2))
    print("failover drill:", json.dumps(figures, ensure_ascii=False))
    assert not missing, f"acknowledged but lost: {missing}"
    assert not twice, f"stored twice: {twice}"
    # A commit the crash cut off before its answer is answered by the retry (same key):
    # nothing is stored that was not acknowledged in the end.
    assert set(stored) <= set(acknowledged)
    assert set(stream.statuses) <= {201, 409, 503}, figures["answers"]  # never a 500
    assert stream.no_retry_after == 0  # every 503 says when to come back
