"""The migration runner against a real, empty database."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from service.db.migrate import MigrationError, discover, migrate


@pytest.fixture
async def empty_db(admin_dsn: str) -> str:
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute("DROP DATABASE IF EXISTS migrations_empty WITH (FORCE)")
    await conn.execute("CREATE DATABASE migrations_empty")
    await conn.close()
    return admin_dsn.rsplit("/", 1)[0] + "/migrations_empty"


async def test_applies_all_to_empty_database_then_is_a_no_op(empty_db: str) -> None:
    conn = await asyncpg.connect(empty_db)
    try:
        first = await migrate(conn)
        assert first == [m.version for m in discover()]
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") == len(first)
        assert await conn.fetchval("SELECT postgis_lib_version()") is not None
        assert await migrate(conn) == []
    finally:
        await conn.close()


async def test_failed_migration_rolls_back_and_changed_file_is_refused(
    empty_db: str, tmp_path: Path
) -> None:
    (tmp_path / "0001_ok.sql").write_text("CREATE TABLE a (x int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE b (x int); SELECT * FROM missing;")
    conn = await asyncpg.connect(empty_db)
    try:
        with pytest.raises(asyncpg.UndefinedTableError):
            await migrate(conn, tmp_path)
        # 0001 stays applied, 0002 left nothing behind
        assert await conn.fetchval("SELECT to_regclass('a') IS NOT NULL")
        assert await conn.fetchval("SELECT to_regclass('b') IS NULL")
        (tmp_path / "0001_ok.sql").write_text("CREATE TABLE a (x bigint);")
        with pytest.raises(MigrationError, match="changed"):
            await migrate(conn, tmp_path)
    finally:
        await conn.close()
