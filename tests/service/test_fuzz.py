"""Schemathesis against the served OpenAPI document: every operation, in-process, seeded.

One database for the whole module (the pilot communities, beijing-1's store network and
beijing-2's applications, an admin token); state accumulates across operations, which is
fine. Each operation gets `EXAMPLES` positive and `EXAMPLES` negative (schema-violating)
cases, derandomized so CI sees the same cases every run, sent with the admin's token
(admins may call every staff route). Every response must:

- not be a server error (5xx),
- match the response schema the document gives for its status (where it gives one),
- be RFC 9457 problem details when it is an error (4xx/5xx).

The number of cases run is printed and written to `artifacts/fuzz-summary.json`.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from service.app import create_app
from service.auth.store import add_user
from service.db.pool import register_codecs
from service.review.scorecards import SQL
from service.seed.loader import _items
from service.seed.rounds import load_applications, load_network
from tests.service.test_access_matrix import announce, app_routes
from tests.support import bearer, make_settings

EXAMPLES = 12  # per operation and generation mode
SCHEMA_PATH = "/schema/openapi.json"
SUMMARY = Path(__file__).resolve().parents[2] / "artifacts" / "fuzz-summary.json"
PROBLEM_KEYS = ("type", "title", "status", "detail")


def _operation_labels() -> list[str]:
    """`METHOD /path` of every documented operation (the document needs no database)."""
    document = create_app(make_settings("postgresql://unused/none")).openapi_schema.to_schema()
    return [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "put", "post", "patch", "delete")
    ]


OPERATIONS = _operation_labels()


def problem_details(ctx: CheckContext, response: Response, case: Case) -> None:
    """Every 4xx/5xx is application/problem+json with type, title, status and detail."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/problem+json"), (
        f"{response.status_code} answered as {content_type!r}, not problem details"
    )
    problem = json.loads(response.content)
    missing = [k for k in PROBLEM_KEYS if k not in problem]
    assert not missing, f"problem details without {missing}: {problem}"
    assert problem["status"] == response.status_code, problem


CHECKS = [not_a_server_error, response_schema_conformance, problem_details]


@dataclass
class Fuzz:
    schema: Any
    headers: dict[str, str]
    cases: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)


@pytest.fixture(scope="module")
async def fuzz_dsn(admin_dsn: str, template: str) -> AsyncIterator[tuple[str, str]]:
    """A seeded database for the module and an admin token on it."""
    name = f"fuzz{os.getpid()}"
    dsn = admin_dsn.rsplit("/", 1)[0] + "/" + name
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await admin.close()
    conn = await asyncpg.connect(dsn)
    try:
        await register_codecs(conn)
        await load_network(conn, _items("network_beijing1.json"))
        await load_applications(conn, _items("applications_beijing2.json"))
        token = await add_user(conn, "fuzz-admin", "admin", can_decide=True)
        await conn.execute(SQL.assign_reviewer, "beijing-2", "fuzz-admin", "fuzz")
    finally:
        await conn.close()
    yield dsn, token
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


@pytest.fixture(scope="module")
def fuzz(fuzz_dsn: tuple[str, str], pytestconfig: pytest.Config) -> Iterator[Fuzz]:
    dsn, token = fuzz_dsn
    # Rate limits would turn the run into a wall of 429s from one client address.
    app = create_app(
        make_settings(dsn, applicant_rate_per_minute=10**9, auth_failures_per_minute=10**9)
    )
    # Schemathesis runs the app (and its lifespan: the pool) on its own event-loop thread.
    state = Fuzz(schemathesis.openapi.from_asgi(SCHEMA_PATH, app), bearer(token))
    yield state
    asgi.shutdown_lifespans()
    total = sum(state.cases.values())
    summary = {
        "operations": len(state.cases),
        "cases": total,
        "examples_per_operation_and_mode": EXAMPLES,
        "modes": ["positive", "negative"],
        "checks": [check.__name__ for check in CHECKS],
        "failing_operations": sorted(state.failures),
        "statuses": {str(k): v for k, v in sorted(state.statuses.items())},
        "seconds": round(time.monotonic() - state.started, 1),
        "per_operation": state.cases,
    }
    SUMMARY.parent.mkdir(exist_ok=True)
    SUMMARY.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    announce(
        pytestconfig,
        f"fuzz: {total} cases over {len(state.cases)} operations in {summary['seconds']} s "
        f"(artifacts/fuzz-summary.json)",
    )


@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_survives_fuzzing(fuzz: Fuzz, label: str) -> None:
    operation = fuzz.schema.find_operation_by_label(label)
    assert operation is not None, label
    fuzz.cases.setdefault(label, 0)

    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            # No shrinking: a failure is reported as found (derandomized, so reproducible).
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Case) -> None:
            fuzz.cases[label] += 1
            response = case.call(headers=fuzz.headers)
            fuzz.statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=fuzz.headers)

        try:
            run()
        except Unsatisfiable:
            # Nothing to violate: no parameters and no body.
            assert mode is GenerationMode.NEGATIVE, label
        except BaseException as exc:
            fuzz.failures[label] = str(exc)[:2000]
            raise


def test_the_document_lists_every_api_route() -> None:
    """A route left out of the OpenAPI document would escape fuzzing."""
    assert len(set(OPERATIONS)) == len(OPERATIONS)
    assert app_routes() <= set(OPERATIONS)
