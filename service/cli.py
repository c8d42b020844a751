"""`boai`: run the service and manage its database, users and fixtures."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import click
import msgspec

from service.config import (
    SECRETS,
    SettingsError,
    env_name,
    export_env,
    is_collection,
    setting_fields,
    settings_from_env,
)
from service.db.cluster import ClusterError, EmbeddedCluster
from service.db.connect import DatabaseSetupError, check_postgis, resolve_dsn, service_dsn
from service.db.migrate import migrate as apply_migrations
from service.notify.checks import problem as webhook_problem
from service.redemptions.household import ensure_key_file as ensure_household_key


def _settings(**overrides: object):  # type: ignore[no-untyped-def]
    try:
        return settings_from_env(**overrides)
    except SettingsError as exc:
        _fail(str(exc))


def _settings_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One option per Settings field (`--max-body-bytes`), over its environment variable
    and its default; unset options (None) leave both to Settings."""
    for name, kind, default in reversed(list(setting_fields())):
        if name in SECRETS:
            continue
        flag = "--" + name.replace("_", "-")
        shown = "unset" if default in (None, "", frozenset()) else default
        help_text = f"[env {env_name(name)}; default {shown}]"
        if kind is bool:
            command = click.option(f"{flag}/--no-{flag[2:]}", name, default=None,
                                   help=help_text)(command)
            continue
        if kind is Path:
            click_type: Any = click.Path(path_type=Path)
        elif kind in (int, float):
            click_type = kind
        else:  # text, and comma-separated lists
            click_type = str
        if is_collection(kind):
            help_text = "comma-separated " + help_text
        command = click.option(flag, name, type=click_type, default=None,
                               help=help_text)(command)
    return command


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
@_settings_options
@click.option("--workers", default=1, type=int, show_default=True)
@click.option("--fixtures/--no-fixtures", default=False, help="Load the pilot fixtures first")
@click.option(
    "--keep-db/--stop-db",
    default=False,
    help="Leave the embedded database running on exit (default: stop it if this started it)",
)
def serve(workers: int, fixtures: bool, keep_db: bool, **options: object) -> None:
    settings = _settings(**options)
    if message := webhook_problem(settings):
        _fail(message)
    dsn, cluster, started = _prepare(settings)
    try:
        if cluster is not None:
            ensure_household_key(settings)
        if fixtures:
            from service.seed import load_fixtures

            counts = asyncio.run(load_fixtures(dsn, settings))
            click.echo(f"fixtures loaded: {counts}", err=True)
        # The workers (granian imports service.asgi:app in each) read these settings from
        # the environment; they connect as the service's own role, never as the owner.
        export_env(msgspec.structs.replace(
            settings, database_url=service_dsn(settings, cluster), migration_database_url=None
        ))
        from granian import Granian
        from granian.constants import Interfaces, Loops

        click.echo(f"serving on http://{settings.host}:{settings.port}  (Ctrl-C stops)",
                   err=True)
        Granian(
            "service.asgi:app",
            address=settings.host,
            port=settings.port,
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
    return EmbeddedCluster(_settings().data_dir, pitr=True)


@db.command("start", help="Start (or reuse) the embedded cluster; print where it listens.")
def db_start() -> None:
    cluster = _cluster()
    try:
        cluster.start()
    except ClusterError as exc:
        _fail(str(exc))
    port = cluster.running_port()
    # never the password: it stays in its file (mode 600)
    click.echo(f"postgresql://{cluster.superuser}@127.0.0.1:{port}/boai")
    click.echo(f"passwords: {cluster.password_file} and {cluster.data_dir}/<role>.password",
               err=True)


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


def _embedded_for_pitr() -> EmbeddedCluster:
    settings = _settings()
    if settings.database_url:
        _fail("point-in-time backups are for the embedded cluster; a DATABASE_URL server "
              "is backed up by its own pgBackRest (README, \"Data safety\")")
    return EmbeddedCluster(settings.data_dir, pitr=True)


@db.command("backup", help="Take a pgBackRest base backup of the embedded cluster "
            "(WAL is archived continuously; `db restore` replays it).")
@click.option("--type", "kind", type=click.Choice(["full", "diff", "incr"]), default="full",
              show_default=True)
def db_backup(kind: str) -> None:
    from service.db import pitr

    cluster = _embedded_for_pitr()
    try:
        cluster.start()
        port = cluster.running_port()
        if port is None:
            raise ClusterError("the embedded cluster did not start")
        label = pitr.backup(cluster, port, kind)
    except ClusterError as exc:
        _fail(str(exc))
    click.echo(f"base backup {label} in {pitr.repo_dir(cluster)}", err=True)


def _parse_target(value: str | None) -> str | None:
    from datetime import datetime

    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--to {value!r} is not an ISO 8601 time, e.g. '2026-11-25 15:20:00+08:00'")
    if when.tzinfo is None:
        _fail("--to needs a time zone offset, e.g. '2026-11-25 15:20:00+08:00'")
    return when.isoformat(sep=" ")


async def _sessions(dsn: str) -> list[int]:
    from service.db.roles import service_sessions

    conn = await asyncpg.connect(dsn)
    try:
        return await service_sessions(conn)
    finally:
        await conn.close()


@db.command("restore", help="Restore the embedded cluster from its pgBackRest backups: "
            "everything committed (default) or up to --to TIME. Refuses while the service is "
            "connected unless --take-down.")
@click.option("--to", "target", default=None,
              help="Recover up to this time (ISO 8601 with offset), not to the end")
@click.option("--take-down", is_flag=True,
              help="Disconnect a running service for the restore (it answers 503 meanwhile "
              "and reconnects by itself)")
def db_restore(target: str | None, take_down: bool) -> None:
    from datetime import datetime

    from service.db import pitr

    target_time = _parse_target(target)
    cluster = _embedded_for_pitr()
    if not pitr.has_stanza(cluster) or not pitr.latest_label(cluster):
        _fail("no base backup to restore from: `boai db backup` takes one")
    earliest = pitr.earliest_stop(cluster)
    # pgBackRest wants a backup that stopped before the target, to the whole second
    if target_time and earliest and (
        int(datetime.fromisoformat(target_time).timestamp()) <= int(earliest.timestamp())
    ):
        _fail(f"--to must be after the oldest base backup ended ({earliest.isoformat(sep=' ')})")
    port = cluster.running_port()
    if port is not None:
        sessions = asyncio.run(_sessions(cluster.dsn(port, "postgres")))
        if sessions and not take_down:
            _fail(f"the service is connected ({len(sessions)} sessions): stop it first, or "
                  "pass --take-down to disconnect it for the restore")
    try:
        cluster.restore(target_time)
    except ClusterError as exc:
        _fail(str(exc))
    click.echo(f"restored to {target_time or 'the last commit'}", err=True)


@db.command("export", help="Dump the whole database to FILE (pg_dump -Fc), to move it "
            "elsewhere; `db import` reads it.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def db_export(file: Path) -> None:
    dsn, _cluster, _started = _prepare(_settings())
    result = subprocess.run([_pg_tool("pg_dump"), "-Fc", "-f", str(file), "-d", dsn],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        _fail(f"pg_dump failed: {result.stderr.strip()}")
    click.echo(f"exported to {file}", err=True)


async def _import(dsn: str, file: Path, take_down: bool) -> None:
    from service.db import roles

    conn = await asyncpg.connect(dsn)
    try:
        sessions = await roles.service_sessions(conn)
        if sessions and not take_down:
            _fail(f"the service is connected ({len(sessions)} sessions): stop it first, or "
                  "pass --take-down to disconnect it for the import")
        if take_down:
            await roles.take_down(conn)
        try:
            result = await asyncio.to_thread(
                subprocess.run,
                [_pg_tool("pg_restore"), "--clean", "--if-exists", "--single-transaction",
                 "--exit-on-error", "-d", dsn, str(file)],
                capture_output=True, text=True, check=False,
            )
            if result.returncode != 0:
                _fail(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
            await apply_migrations(conn)  # a dump from an older version catches up
        finally:
            if take_down:
                await roles.let_back(conn)
    finally:
        await conn.close()


@db.command("import", help="Replace the database's contents with a dump made by `db export`. "
            "Refuses while the service is connected unless --take-down.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--take-down", is_flag=True,
              help="Keep the service out during the import (it answers 503 meanwhile)")
def db_import(file: Path, take_down: bool) -> None:
    dsn, _cluster, _started = _prepare(_settings())
    asyncio.run(_import(dsn, file, take_down))
    click.echo(f"imported from {file}", err=True)


@main.group(help="Pilot data.")
def fixtures() -> None:
    pass


@fixtures.command("load", help="Load the pilot communities, rounds and applications (idempotent).")
def fixtures_load() -> None:
    from service.seed import load_fixtures

    settings = _settings()
    dsn, cluster, _started = _prepare(settings)
    if cluster is not None:
        ensure_household_key(settings)
    counts = asyncio.run(load_fixtures(dsn, settings))
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
    from service.auth.repository import add_user

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
    from service.auth.repository import issue_token

    dsn, _cluster, _started = _prepare(_settings())
    token = asyncio.run(_with_conn(dsn, lambda c: issue_token(c, name)))
    if token is None:
        _fail(f"no user named {name!r}")
    click.echo(token)


@users.command("revoke", help="Revoke every token of a user.")
@click.argument("name")
def users_revoke(name: str) -> None:
    from service.auth.repository import revoke_tokens

    dsn, _cluster, _started = _prepare(_settings())
    count = asyncio.run(_with_conn(dsn, lambda c: revoke_tokens(c, name)))
    click.echo(f"revoked {count} token(s)", err=True)


if __name__ == "__main__":
    main()
