"""The two database roles: an owner that migrations run as, and the service's own role.

The owner (`boai_owner`) owns every table, sequence and function the migrations create;
the service (`boai_service`) owns nothing, is not a superuser and has only the grants
migration 0007 gives it (DML; INSERT and SELECT on the append-only audit tables). So the
service cannot DISABLE TRIGGER, TRUNCATE, DROP or SET session_replication_role, whatever
a request manages to make it run.
"""

from __future__ import annotations

import asyncpg

OWNER_ROLE = "boai_owner"
SERVICE_ROLE = "boai_service"
# Set on every pooled connection: `boai db restore` finds the service's sessions by it.
APPLICATION_NAME = "boai-service"


async def is_superuser(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = session_user"))


async def prepare(conn: asyncpg.Connection) -> bool:
    """Get the database ready for migrations to run as the owner role; True when they can.

    As a superuser (the embedded cluster, the tests) this creates the roles when missing
    (without a password: the embedded cluster gives them one), PostGIS (not a trusted
    extension, so the owner could not) and the owner's right to create in `public`, and
    hands objects created before the roles existed over to the owner. A DATABASE_URL
    deployment's DBA does this once instead (README, "Two roles").
    """
    if await is_superuser(conn):
        for role in (OWNER_ROLE, SERVICE_ROLE):
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            if not exists:
                await conn.execute(f"CREATE ROLE {role} NOLOGIN")
        await conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        await conn.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {OWNER_ROLE}")
        await _adopt(conn)
    return bool(
        await conn.fetchval(
            "SELECT pg_has_role(session_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = $1",
            OWNER_ROLE,
        )
    )


# Objects in `public` that are not part of an extension (PostGIS keeps its own owner).
_NOT_OWNED = """
SELECT c.relkind::text AS kind, quote_ident(c.relname) AS name, NULL AS args
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND c.relowner <> $1::regrole
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
  AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d
           WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
UNION ALL
SELECT 'f', quote_ident(p.proname), pg_get_function_identity_arguments(p.oid)
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace AND p.proowner <> $1::regrole
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
"""
_ALTER = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}


async def _adopt(conn: asyncpg.Connection) -> None:
    """Give the owner role what earlier migrations created as the superuser."""
    for row in await conn.fetch(_NOT_OWNED, OWNER_ROLE):
        if row["kind"] == "f":
            target = f"FUNCTION {row['name']}({row['args']})"
        else:
            target = f"{_ALTER[row['kind']]} {row['name']}"
        # names come from the catalogue, quoted by quote_ident
        await conn.execute(f"ALTER {target} OWNER TO {OWNER_ROLE}")


_SERVICE_SESSIONS = """
SELECT pid FROM pg_stat_activity
WHERE (application_name = $1 OR usename = $2) AND pid <> pg_backend_pid()
"""


async def service_sessions(conn: asyncpg.Connection) -> list[int]:
    """Backends of the running service (any worker, any database of the cluster)."""
    rows = await conn.fetch(_SERVICE_SESSIONS, APPLICATION_NAME, SERVICE_ROLE)
    return [r["pid"] for r in rows]


async def take_down(conn: asyncpg.Connection) -> int:
    """Keep the service out (it answers 503 meanwhile) and end its sessions."""
    await conn.execute(f"ALTER ROLE {SERVICE_ROLE} CONNECTION LIMIT 0")
    pids = await service_sessions(conn)
    for pid in pids:
        await conn.execute("SELECT pg_terminate_backend($1, 5000)", pid)
    return len(pids)


async def let_back(conn: asyncpg.Connection) -> None:
    await conn.execute(f"ALTER ROLE {SERVICE_ROLE} CONNECTION LIMIT -1")
