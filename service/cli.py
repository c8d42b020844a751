"""`boai`: run the service and manage its database, users and fixtures."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import click

from service.config import settings_from_env
from service.db.cluster import ClusterError, EmbeddedCluster
from service.db.connect import DatabaseSetupError, check_postgis, resolve_dsn
from service.db.migrate import migrate as apply_migrations
from service.notify.checks import problem as webhook_problem


def _settings(**overrides: object):  # type: ignore[no-untyped-def]
    return settings_from_env(**overrides)


def _fail(message: str) -> None:
    click.echo(f"boai: {message}", err=True)
    sys.exit(1)


def _prepare(settings) -> tuple[str, EmbeddedCluster | None, bool]:  # type: ignore[no-untyped-def]
    """Start or reach the database, check PostGIS and apply migrations."""
    try:
        dsn, cluster, started = resolve_dsn(settings)
        asyncio.run(_migrate(dsn))
    except (ClusterError, DatabaseSetupError) as exc:
        _fail(str(exc))
    return dsn, cluster, started


async def _migrate(dsn: str) -> list[str]:
    await check_postgis(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()


@click.group(
    help="Partner onboarding and merchant network service of the relief-voucher programme."
)
def main() -> None:
    pass


@main.command(
    help="Run the HTTP service (starts the embedded database when DATABASE_URL is unset)."
)
@click.option("--host", envvar="BOAI_HOST", default="127.0.0.1", show_default=True)
@click.option("--port", envvar="BOAI_PORT", default=8000, type=int, show_default=True)
@click.option(
    "--database-url", envvar="DATABASE_URL", default=None, help="PostgreSQL DSN with PostGIS"
)
@click.option(
    "--data-dir",
    envvar="BOAI_DATA_DIR",
    default=".data",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Embedded cluster directory",
)
@click.option("--workers", default=1, type=int, show_default=True)
@click.option("--fixtures/--no-fixtures", default=False, help="Load the pilot fixtures first")
@click.option(
    "--keep-db/--stop-db",
    default=False,
    help="Leave the embedded database running on exit (default: stop it if this started it)",
)
def serve(
    host: str,
    port: int,
    database_url: str | None,
    data_dir: Path,
    workers: int,
    fixtures: bool,
    keep_db: bool,
) -> None:
    settings = _settings(host=host, port=port, database_url=database_url, data_dir=data_dir)
    if message := webhook_problem(settings):
        _fail(message)
    dsn, cluster, started = _prepare(settings)
    try:
        if fixtures:
            from service.seed import load_fixtures

            counts = asyncio.run(load_fixtures(dsn))
            click.echo(f"fixtures loaded: {counts}", err=True)
        os.environ["DATABASE_URL"] = dsn
        os.environ["BOAI_DATA_DIR"] = str(data_dir)
        from granian import Granian
        from granian.constants import Interfaces, Loops

        click.echo(f"serving on http://{host}:{port}  (Ctrl-C stops)", err=True)
        Granian(
            "service.asgi:app",
            address=host,
            port=port,
            interface=Interfaces.ASGI,
            workers=workers,
            loop=Loops.uvloop if _has_uvloop() else Loops.asyncio,
            log_access=False,
            backlog=2048,
        ).serve()
    finally:
        if cluster is not None and started and not keep_db:
            cluster.stop()
            click.echo("embedded database stopped", err=True)


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


@main.command(help="Apply pending database migrations.")
def migrate() -> None:
    _dsn, _cluster, _started = _prepare(_settings())
    click.echo("migrations applied", err=True)


@main.group(help="The embedded PostgreSQL + PostGIS cluster.")
def db() -> None:
    pass


def _cluster() -> EmbeddedCluster:
    return EmbeddedCluster(_settings().data_dir)


@db.command("start", help="Start (or reuse) the embedded cluster and print its DSN.")
def db_start() -> None:
    try:
        click.echo(_cluster().start())
    except ClusterError as exc:
        _fail(str(exc))


@db.command("stop", help="Stop the embedded cluster.")
def db_stop() -> None:
    click.echo("stopped" if _cluster().stop() else "not running")


@db.command("status", help="Show whether the embedded cluster runs, and on which port.")
def db_status() -> None:
    status = _cluster().status()
    for key, value in status.items():
        click.echo(f"{key}: {value}")
    if not status["running"]:
        sys.exit(3)


def _pg_tool(name: str) -> str:
    from service.db.cluster import PG_BIN

    return str(PG_BIN / name)


@db.command("backup", help="Dump the whole database (registry included) to FILE (pg_dump -Fc).")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(file: Path) -> None:
    dsn, _cluster, _started = _prepare(_settings())
    result = subprocess.run([_pg_tool("pg_dump"), "-Fc", "-f", str(file), "-d", dsn],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        _fail(f"pg_dump failed: {result.stderr.strip()}")
    click.echo(f"backup written to {file}", err=True)


@db.command("restore", help="Replace the database's contents with a dump made by `db backup`.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def db_restore(file: Path) -> None:
    dsn, _cluster, _started = _prepare(_settings())
    result = subprocess.run(
        [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         "--exit-on-error", "-d", dsn, str(file)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        _fail(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
    click.echo(f"restored from {file}", err=True)


@main.group(help="Pilot data.")
def fixtures() -> None:
    pass


@fixtures.command("load", help="Load the pilot communities, rounds and applications (idempotent).")
def fixtures_load() -> None:
    from service.seed import load_fixtures

    dsn, _cluster, _started = _prepare(_settings())
    counts = asyncio.run(load_fixtures(dsn))
    click.echo(f"fixtures loaded: {counts}", err=True)


@main.group(help="Staff users and their bearer tokens.")
def users() -> None:
    pass


async def _with_conn(dsn: str, fn):  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(dsn)
    try:
        return await fn(conn)
    finally:
        await conn.close()


@users.command("add", help="Create a staff user and print its bearer token (only the token).")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "dispatcher", "admin"]), required=True)
@click.option("--can-decide", is_flag=True, help="Reviewer may record decisions")
def users_add(name: str, role: str, can_decide: bool) -> None:
    from service.auth.store import add_user

    dsn, _cluster, _started = _prepare(_settings())
    try:
        token = asyncio.run(
            _with_conn(dsn, lambda c: add_user(c, name, role, can_decide=can_decide))
        )
    except asyncpg.UniqueViolationError:
        _fail(f"a user named {name!r} already exists")
    click.echo(token)


@users.command("token", help="Issue another token for a user and print it.")
@click.argument("name")
def users_token(name: str) -> None:
    from service.auth.store import issue_token

    dsn, _cluster, _started = _prepare(_settings())
    token = asyncio.run(_with_conn(dsn, lambda c: issue_token(c, name)))
    if token is None:
        _fail(f"no user named {name!r}")
    click.echo(token)


@users.command("revoke", help="Revoke every token of a user.")
@click.argument("name")
def users_revoke(name: str) -> None:
    from service.auth.store import revoke_tokens

    dsn, _cluster, _started = _prepare(_settings())
    count = asyncio.run(_with_conn(dsn, lambda c: revoke_tokens(c, name)))
    click.echo(f"revoked {count} token(s)", err=True)


if __name__ == "__main__":
    main()
