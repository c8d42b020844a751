"""Least privilege: the role the service connects as cannot rewrite the audit trail.

Each bypass an outside attack used with the old superuser connection is tried as the
service's own role (the DSN the `client` fixture's app connects with) and must be refused.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.db.migrate import MIGRATIONS_DIR, migrate
from service.db.roles import OWNER_ROLE, SERVICE_ROLE

BYPASSES = {
    "replica mode, then delete the audit log": (
        "SET session_replication_role = replica; DELETE FROM audit_log"
    ),
    "disable the audit trigger, then forge an entry": (
        "ALTER TABLE audit_log DISABLE TRIGGER USER; "
        "UPDATE audit_log SET actor = 'someone-else'"
    ),
    "disable every trigger of the status history": (
        "ALTER TABLE store_status_history DISABLE TRIGGER ALL"
    ),
    "delete the audit log": "DELETE FROM audit_log",
    "rewrite the audit log": "UPDATE audit_log SET reason = 'forged'",
    "truncate the audit log": "TRUNCATE audit_log",
    "truncate the status history": "TRUNCATE store_status_history",
    "drop a table": "DROP TABLE applications CASCADE",
    "drop the audit log": "DROP TABLE audit_log",
    "create a table": "CREATE TABLE planted (x int)",
    "replace the trigger function": (
        "CREATE OR REPLACE FUNCTION refuse_change_to_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$"
    ),
    "grant itself the owner role": f"GRANT {OWNER_ROLE} TO {SERVICE_ROLE}",
    "become the owner": f"SET ROLE {OWNER_ROLE}",
    "record a migration": "INSERT INTO schema_migrations (version, name, checksum) "
    "VALUES ('9999', 'x', 'x')",
}


def _app_dsn(client: AsyncTestClient) -> str:
    return client.app.state.settings.database_url  # type: ignore[no-any-return]


@pytest.mark.parametrize("attempt", list(BYPASSES))
async def test_bypass_refused_as_the_service_role(
    client: AsyncTestClient, conn: asyncpg.Connection, attempt: str
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (entity, entity_id, action, actor) VALUES ('x', '1', 'made', 'a')"
    )
    service = await asyncpg.connect(_app_dsn(client))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with service.transaction():
                await service.execute(BYPASSES[attempt])
    finally:
        await service.close()
    assert await conn.fetchval("SELECT count(*) FROM audit_log") == 1
    assert await conn.fetchval("SELECT actor FROM audit_log") == "a"
    assert await conn.fetchval("SELECT to_regclass('applications') IS NOT NULL")


async def test_service_role_owns_nothing_and_may_append(
    client: AsyncTestClient, conn: asyncpg.Connection
) -> None:
    service = await asyncpg.connect(_app_dsn(client))
    try:
        me = await service.fetchrow(
            "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication"
            " FROM pg_roles WHERE rolname = current_user"
        )
        assert me["rolname"] == SERVICE_ROLE
        assert not any(me[k] for k in ("rolsuper", "rolcreaterole", "rolcreatedb",
                                        "rolbypassrls", "rolreplication"))
        assert not await service.fetchval(
            "SELECT pg_has_role(current_user, $1, 'MEMBER')", OWNER_ROLE
        )
        # the audit trail: written and read, nothing else
        await service.execute(
            "INSERT INTO audit_log (entity, entity_id, action, actor) VALUES ('x', '2', 'm', 'b')"
        )
        assert await service.fetchval("SELECT count(*) FROM audit_log") == 1
    finally:
        await service.close()
    owned = await conn.fetchval(
        "SELECT (SELECT count(*) FROM pg_class WHERE relowner = $1::regrole)"
        " + (SELECT count(*) FROM pg_proc WHERE proowner = $1::regrole)"
        " + (SELECT count(*) FROM pg_namespace WHERE nspowner = $1::regrole)"
        " + (SELECT count(*) FROM pg_type WHERE typowner = $1::regrole)"
        " + (SELECT count(*) FROM pg_database WHERE datdba = $1::regrole)",
        SERVICE_ROLE,
    )
    assert owned == 0
    privileges = await conn.fetchval(
        "SELECT string_agg(privilege_type, ',' ORDER BY privilege_type)"
        " FROM information_schema.role_table_grants"
        " WHERE grantee = $1 AND table_name = 'audit_log'",
        SERVICE_ROLE,
    )
    assert privileges == "INSERT,SELECT"
    foreign = await conn.fetch(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        " AND relkind IN ('r', 'S') AND relowner <> $1::regrole"
        " AND relname <> 'spatial_ref_sys'",
        OWNER_ROLE,
    )
    assert foreign == []


async def test_tables_of_later_migrations_get_the_service_grants(
    client: AsyncTestClient, conn: asyncpg.Connection, tmp_path: Path
) -> None:
    """A later migration's plain CREATE TABLE is usable by the service without a GRANT."""
    for path in MIGRATIONS_DIR.glob("*.sql"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "9000_later.sql").write_text(
        "CREATE TABLE later_things (id bigserial PRIMARY KEY, note text NOT NULL);"
    )
    assert await migrate(conn, tmp_path) == ["9000"]
    assert await conn.fetchval(
        "SELECT relowner::regrole::text FROM pg_class WHERE relname = 'later_things'"
    ) == OWNER_ROLE
    service = await asyncpg.connect(_app_dsn(client))
    try:
        await service.execute("INSERT INTO later_things (note) VALUES ('a'), ('b')")
        await service.execute("UPDATE later_things SET note = 'c' WHERE note = 'a'")
        await service.execute("DELETE FROM later_things WHERE note = 'b'")
        assert await service.fetchval("SELECT note FROM later_things") == "c"
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await service.execute("DROP TABLE later_things")
    finally:
        await service.close()


async def test_database_url_deployment_migrates_as_the_owner_login(
    cluster, admin_dsn: str  # type: ignore[no-untyped-def]
) -> None:
    """The README's recipe for a DATABASE_URL server: the DBA makes the database (owned by
    boai_owner) and PostGIS; migrations connect as the owner; the service role works."""
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute("DROP DATABASE IF EXISTS owned_by_owner WITH (FORCE)")
    await conn.execute(f"CREATE DATABASE owned_by_owner OWNER {OWNER_ROLE}")
    await conn.close()
    superuser = await asyncpg.connect(admin_dsn.rsplit("/", 1)[0] + "/owned_by_owner")
    await superuser.execute("CREATE EXTENSION postgis")
    await superuser.close()
    port = cluster.running_port()
    owner = await asyncpg.connect(cluster.dsn(port, "owned_by_owner", OWNER_ROLE))
    try:
        assert await migrate(owner) == [m.stem.split("_")[0]
                                        for m in sorted(MIGRATIONS_DIR.glob("*.sql"))]
    finally:
        await owner.close()
    service = await asyncpg.connect(cluster.service_dsn(port, "owned_by_owner"))
    try:
        await service.execute(
            "INSERT INTO audit_log (entity, entity_id, action, actor) VALUES ('x', '1', 'm', 'a')"
        )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await service.execute("DELETE FROM audit_log")
    finally:
        await service.close()
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute("DROP DATABASE owned_by_owner WITH (FORCE)")
    await conn.close()
