"""Test fixtures: a throwaway PostgreSQL + PostGIS cluster, started like the service's own.

The cluster starts once per session in a temporary directory; a template database
gets the migrations and the pilot communities; each test that asks for `dsn` gets
a fresh copy of the template and it is dropped afterwards.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.auth.repository import add_user
from service.db.cluster import EmbeddedCluster
from service.db.migrate import migrate
from service.db.pool import register_codecs
from service.seed.loader import load_communities
from service.wiring import wire
from tests.support import make_settings

# Tests that call services without an app still get the events wired (rescoring).
wire()

TEMPLATE = "boai_template"
_counter = itertools.count()


def _with_db(dsn: str, database: str) -> str:
    return dsn.rsplit("/", 1)[0] + "/" + database


@pytest.fixture(scope="session")
def cluster() -> Iterator[EmbeddedCluster]:
    base = Path(tempfile.mkdtemp(prefix="boai-test-"))
    base.chmod(0o755)  # the postgres user must reach its data directory
    embedded = EmbeddedCluster(base)
    embedded.start()
    yield embedded
    embedded.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def cluster_dir() -> Iterator[Path]:
    """A directory for a test's own cluster, reachable by the postgres user."""
    base = Path(tempfile.mkdtemp(prefix="boai-own-"))
    base.chmod(0o755)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def admin_dsn(cluster: EmbeddedCluster) -> str:
    port = cluster.running_port()
    assert port is not None
    return cluster.dsn(port, "postgres")


@pytest.fixture(scope="session")
async def template(admin_dsn: str) -> str:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        await conn.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await conn.close()
    tconn = await asyncpg.connect(_with_db(admin_dsn, TEMPLATE))
    try:
        await migrate(tconn)
        await register_codecs(tconn)
        await load_communities(tconn)
    finally:
        await tconn.close()
    return TEMPLATE


@pytest.fixture
async def dsn(admin_dsn: str, template: str) -> AsyncIterator[str]:
    name = f"t{os.getpid()}_{next(_counter)}"
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    finally:
        await conn.close()
    yield _with_db(admin_dsn, name)
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


@pytest.fixture
async def conn(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(dsn)
    await register_codecs(connection)
    yield connection
    await connection.close()


@pytest.fixture
def service_dsn(cluster: EmbeddedCluster, dsn: str) -> str:
    """The test database as the service's least-privileged role (service/db/roles.py)."""
    port = cluster.running_port()
    assert port is not None
    return cluster.service_dsn(port, dsn.rsplit("/", 1)[1])


@pytest.fixture
async def client(service_dsn: str) -> AsyncIterator[AsyncTestClient]:
    # The service connects as its own role, so every API test runs with least privilege.
    app = create_app(make_settings(service_dsn))
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
async def tokens(conn: asyncpg.Connection) -> dict[str, str]:
    """One bearer token per staff role (the reviewer may decide)."""
    return {
        "admin": await add_user(conn, "admin-1", "admin", can_decide=True),
        "reviewer": await add_user(conn, "reviewer-1", "reviewer", can_decide=True),
        "reviewer2": await add_user(conn, "reviewer-2", "reviewer", can_decide=False),
        "dispatcher": await add_user(conn, "dispatcher-1", "dispatcher", can_decide=False),
    }
