"""Schemathesis against the served OpenAPI document: every operation, in-process, seeded.

One database for the whole module (the pilot communities, beijing-1's store network and
beijing-2's applications, an admin token); state accumulates across operations, which is
fine. Each operation gets `EXAMPLES` positive and `EXAMPLES` negative (schema-violating)
cases, derandomized so CI sees the same cases every run, sent with the admin's token
(admins may call every staff route). Every response must:

- not be a server error (5xx),
- match the response schema the document gives for its status (where it gives one),
- be RFC 9457 problem details when it is an error (4xx/5xx).

A second pass sends each operation's valid cases with one string made hostile: a control
character (NUL above all), a lone surrogate, or bytes that are not UTF-8, in a body string,
an object key, a query or a path parameter. Each must be a 4xx problem answer. Malformed
HTTP framing needs a real server: tests/service/test_framing.py.

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
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from service.app import create_app
from service.auth.repository import add_user
from service.db.pool import register_codecs
from service.rounds.repository import assign_reviewer
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
    hostile: dict[str, int] = field(default_factory=dict)
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
        await assign_reviewer(conn, "beijing-2", "fuzz-admin", "fuzz")
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
        "hostile_string_cases": sum(state.hostile.values()),
        "statuses": {str(k): v for k, v in sorted(state.statuses.items())},
        "seconds": round(time.monotonic() - state.started, 1),
        "per_operation": state.cases,
    }
    SUMMARY.parent.mkdir(exist_ok=True)
    SUMMARY.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    announce(
        pytestconfig,
        f"fuzz: {total} cases over {len(state.cases)} operations, "
        f"{summary['hostile_string_cases']} hostile-string cases, in {summary['seconds']} s "
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


HOSTILE_EXAMPLES = 6  # per operation
CONTROLS = st.sampled_from(["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x85", "\x9f"])
SURROGATES = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
NOT_UTF8 = st.sampled_from([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe5\x8c", b"\xf5\x80"])
MARK = "\ue000MARK\ue000"  # a placeholder whose UTF-8 bytes are replaced by invalid ones


def hostile_text(core: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    edge = st.text(alphabet="北京华联ab1（）", max_size=4)
    return st.builds(lambda a, c, b: a + c + b, edge, core, edge)


def _string_slots(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every string value and object key in decoded JSON ("key", k) marks a key."""
    if isinstance(value, str):
        return [path]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_slots(v, (*path, i))]
    if isinstance(value, dict):
        slots: list[tuple[Any, ...]] = []
        for k, v in value.items():
            slots.append((*path, ("key", k)))
            slots.extend(_string_slots(v, (*path, k)))
        return slots
    return []


def _put(value: Any, path: tuple[Any, ...], text: str) -> Any:
    if not path:
        return text
    head, rest = path[0], path[1:]
    if isinstance(head, tuple):  # rename a key
        return {(text if k == head[1] else k): v for k, v in value.items()}
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[head] = _put(value[head], rest, text)
    return copy


def test_operation_refuses_hostile_strings(fuzz: Fuzz, label: str) -> None:
    operation = fuzz.schema.find_operation_by_label(label)
    assert operation is not None, label

    @given(
        case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        kind=st.sampled_from(["control", "surrogate", "not_utf8"]),
        control=hostile_text(CONTROLS),
        surrogate=hostile_text(SURROGATES),
        bad=NOT_UTF8,
        pick=st.integers(min_value=0, max_value=10_000),
    )
    @settings(
        max_examples=HOSTILE_EXAMPLES, derandomize=True, database=None, deadline=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )
    def run(case: Case, kind: str, control: str, surrogate: str, bad: bytes, pick: int) -> None:
        body = case.body if isinstance(case.body, dict | list) else None
        slots = [("body", p) for p in _string_slots(body)] if body is not None else []
        if kind == "control":  # URLs carry controls (percent-encoded), never surrogates
            slots += [("query", k) for k, v in (case.query or {}).items() if isinstance(v, str)]
            slots += [("path", k) for k in (case.path_parameters or {})]
        if not slots:
            return
        where, slot = slots[pick % len(slots)]
        extra: dict[str, Any] = {}
        if where == "query":
            case.query = {**case.query, slot: control}
        elif where == "path":
            case.path_parameters = {**case.path_parameters, slot: control}
        elif kind == "not_utf8":
            raw = json.dumps(_put(body, slot, MARK), ensure_ascii=False).encode()
            extra["data"] = raw.replace(MARK.encode(), bad)
        else:  # sent as bytes: a lone surrogate travels as a "\ud800" escape
            text = control if kind == "control" else surrogate
            extra["data"] = json.dumps(_put(body, slot, text)).encode()
        response = case.call(headers=fuzz.headers, **extra)
        fuzz.statuses[response.status_code] += 1
        fuzz.hostile[label] = fuzz.hostile.get(label, 0) + 1
        assert 400 <= response.status_code < 500, (where, slot, kind, response.status_code,
                                                   response.content[:300])
        problem_details(None, response, case)  # type: ignore[arg-type]

    run()


test_operation_refuses_hostile_strings = pytest.mark.parametrize("label", OPERATIONS)(
    test_operation_refuses_hostile_strings
)


def test_the_document_lists_every_api_route() -> None:
    """A route left out of the OpenAPI document would escape fuzzing."""
    assert len(set(OPERATIONS)) == len(OPERATIONS)
    assert app_routes() <= set(OPERATIONS)
