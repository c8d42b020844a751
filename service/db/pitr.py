"""Point-in-time recovery for the embedded cluster with pgBackRest.

Layout under the data directory (BOAI_DATA_DIR):
  pg/          the PostgreSQL data directory
  wal/         its write-ahead log (initdb --waldir), kept outside pg/ so that losing pg/
               does not lose what was committed since the last archived WAL segment
  pgbackrest/  the pgBackRest repository (base backups, archived WAL), its config and logs
  run/         the server's Unix socket (mode 700), how pgBackRest reaches it (peer auth)

PostgreSQL archives every finished WAL segment with `pgbackrest archive-push`;
`boai db backup` takes a base backup; `boai db restore [--to TIME]` restores the latest
base backup, replays the archive and then the surviving WAL in wal/, so nothing committed
before the failure is lost (or stops at TIME). Every pgBackRest command runs as the user
the server runs as.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from service.db.errors import ClusterError

if TYPE_CHECKING:
    from service.db.cluster import EmbeddedCluster

STANZA = "boai"
_INCLUDE = "include_if_exists = 'boai_pitr.conf'"
_IDENT_MAP = "boai_pitr"
# WAL segment, partial segment and timeline history files
_WAL_FILE = re.compile(r"^[0-9A-F]{24}(\.partial)?$|^[0-9A-F]{8}\.history$")


def repo_dir(cluster: EmbeddedCluster) -> Path:
    return cluster.data_dir / "pgbackrest"


def config_file(cluster: EmbeddedCluster) -> Path:
    return repo_dir(cluster) / "pgbackrest.conf"


def socket_dir(cluster: EmbeddedCluster) -> Path:
    return cluster.data_dir / "run"


def _server_user(cluster: EmbeddedCluster) -> str:
    return "postgres" if cluster._as_postgres else pwd.getpwuid(os.geteuid()).pw_name


def _own_dir(cluster: EmbeddedCluster, path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    cluster._chown(path)


def configure(cluster: EmbeddedCluster) -> None:
    """Write pgBackRest's config and switch archiving on (idempotent; before the server
    starts: archive_mode takes effect at start)."""
    repo = repo_dir(cluster)
    _own_dir(cluster, repo)
    for sub in ("repo", "log", "lock", "spool"):
        _own_dir(cluster, repo / sub)
    _own_dir(cluster, socket_dir(cluster))
    conf = config_file(cluster)
    conf.write_text(
        "[global]\n"
        f"repo1-path={repo / 'repo'}\n"
        "repo1-retention-full=2\n"
        f"log-path={repo / 'log'}\n"
        f"lock-path={repo / 'lock'}\n"
        f"spool-path={repo / 'spool'}\n"
        "log-level-console=warn\n"
        "log-level-file=info\n"
        # lz4: a quick compression; the base backup of a fresh database takes seconds
        "compress-type=lz4\n"
        # the backup starts with an immediate checkpoint instead of waiting for one
        "start-fast=y\n"
        f"\n[{STANZA}]\n"
        f"pg1-path={cluster.pgdata}\n"
        f"pg1-socket-path={socket_dir(cluster)}\n"
        f"pg1-user={cluster.superuser}\n"
    )
    conf.chmod(0o600)
    cluster._chown(conf)
    pitr_conf = cluster.pgdata / "boai_pitr.conf"
    pitr_conf.write_text(
        "# written by boai (service/db/pitr.py): WAL archiving through pgBackRest\n"
        "archive_mode = on\n"
        f"archive_command = 'pgbackrest --config={conf} --stanza={STANZA} archive-push %p'\n"
        f"unix_socket_directories = '{socket_dir(cluster)}'\n"
        "unix_socket_permissions = 0700\n"
        # while a restore replays WAL nobody connects (503 for the service), rather than
        # reading a half-recovered database
        "hot_standby = off\n"
    )
    cluster._chown(pitr_conf)
    main_conf = cluster.pgdata / "postgresql.conf"
    if _INCLUDE not in main_conf.read_text():
        with main_conf.open("a") as out:
            out.write(f"\n{_INCLUDE}\n")
    # pgBackRest signs in over the private socket as the OS user the server runs as
    hba = cluster.pgdata / "pg_hba.conf"
    peer = f"local all {cluster.superuser} peer map={_IDENT_MAP}"
    text = hba.read_text()
    if peer not in text:
        hba.write_text(f"{peer}\n{text}")
    ident = cluster.pgdata / "pg_ident.conf"
    mapping = f"{_IDENT_MAP} {_server_user(cluster)} {cluster.superuser}"
    if mapping not in ident.read_text():
        with ident.open("a") as out:
            out.write(f"{mapping}\n")


def _backrest(cluster: EmbeddedCluster, *args: str, port: int | None = None) -> str:
    cmd = ["pgbackrest", f"--config={config_file(cluster)}", f"--stanza={STANZA}"]
    if port is not None:
        cmd.append(f"--pg1-port={port}")
    return cluster._run(*cmd, *args).stdout


def has_stanza(cluster: EmbeddedCluster) -> bool:
    return (repo_dir(cluster) / "repo" / "archive" / STANZA / "archive.info").exists()


def archiving(cluster: EmbeddedCluster, port: int) -> bool:
    """Whether the running server was started with this module's settings (a cluster
    made before them needs one restart: `boai db stop`, then any command)."""
    return (socket_dir(cluster) / f".s.PGSQL.{port}").exists()


def ensure_stanza(cluster: EmbeddedCluster, port: int) -> None:
    if not has_stanza(cluster) and archiving(cluster, port):
        _backrest(cluster, "stanza-create", port=port)


def backup(cluster: EmbeddedCluster, port: int, kind: str = "full") -> str:
    """A base backup (full, diff or incr); returns its label."""
    if not archiving(cluster, port):
        raise ClusterError("WAL archiving is not on yet: restart the cluster "
                           "(`boai db stop`, then `boai db start`)")
    ensure_stanza(cluster, port)
    _backrest(cluster, f"--type={kind}", "backup", port=port)
    return latest_label(cluster)


def _backups(cluster: EmbeddedCluster) -> list[dict]:  # type: ignore[type-arg]
    if not has_stanza(cluster):
        return []
    info = json.loads(_backrest(cluster, "--output=json", "info"))
    return list(info[0]["backup"]) if info else []


def latest_label(cluster: EmbeddedCluster) -> str:
    backups = _backups(cluster)
    return str(backups[-1]["label"]) if backups else ""


def earliest_stop(cluster: EmbeddedCluster) -> datetime | None:
    """When the oldest base backup ended: the earliest time a restore can reach."""
    backups = _backups(cluster)
    if not backups:
        return None
    return datetime.fromtimestamp(min(b["timestamp"]["stop"] for b in backups), tz=UTC)


def _salvage_wal(cluster: EmbeddedCluster) -> Path | None:
    """Move the WAL that survived the failure aside: pgBackRest's restore does not keep it."""
    source = cluster.wal_dir if cluster.wal_dir.is_dir() else cluster.pgdata / "pg_wal"
    if not source.is_dir():
        return None
    salvage = cluster.data_dir / f"wal-salvage-{int(time.time())}"
    _own_dir(cluster, salvage)
    for item in source.iterdir():
        if _WAL_FILE.match(item.name) and item.is_file():
            shutil.move(str(item), salvage / item.name)
    return salvage


def restore(cluster: EmbeddedCluster, target_time: str | None = None) -> Path | None:
    """Restore the latest base backup and recover to the end of the WAL (or to target_time).

    The server must be stopped. A data directory that is gone or damaged is rebuilt.
    Returns the directory of the salvaged WAL, to delete once the server has started.
    """
    if cluster.running_port() is not None:
        raise RuntimeError("stop the cluster before restoring")
    salvage = _salvage_wal(cluster)
    args = ["--link-all"]
    if cluster.is_initialised():
        args.append("--delta")  # keep the files that match the backup, rewrite the rest
    else:
        if cluster.pgdata.exists():
            shutil.rmtree(cluster.pgdata)
        _own_dir(cluster, cluster.pgdata)
    if cluster.wal_dir.exists():
        # emptied (its WAL is in the salvage): pgBackRest links pg_wal back to it
        shutil.rmtree(cluster.wal_dir)
        _own_dir(cluster, cluster.wal_dir)
    if target_time is not None:
        args += ["--type=time", f"--target={target_time}", "--target-action=promote"]
    _backrest(cluster, *args, "restore")
    if salvage is not None:
        # Recovery reads the archive first, then pg_wal: the surviving segments carry what
        # was committed after the last archived one (the PostgreSQL manual's procedure).
        wal = cluster.pgdata / "pg_wal"
        for item in sorted(salvage.iterdir()):
            shutil.copy2(item, wal / item.name)
            cluster._chown(wal / item.name)
    return salvage
