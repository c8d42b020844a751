"""A streaming hot standby of an embedded cluster, made with PostgreSQL's own tools.

pg_basebackup -R copies the primary and writes standby.signal and primary_conninfo; the
standby then streams WAL from it (asynchronously, or synchronously once the primary names
it in synchronous_standby_names). `promote` ends recovery: the standby becomes a primary.
For the tests' replication drills and the benchmark's two-node figure; production runs
its standbys under Patroni (README, "Reads from standbys").
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from service.db.cluster import PG_BIN, SUPERUSER, EmbeddedCluster, _free_port
from service.db.errors import ClusterError
from service.db.roles import OWNER_ROLE, SERVICE_ROLE


class StandbyCluster(EmbeddedCluster):
    """`name` is the standby's cluster_name: the application_name it streams under, which
    the primary's synchronous_standby_names may list."""

    def __init__(self, data_dir: Path, name: str = "boai_standby") -> None:
        super().__init__(data_dir)
        self.name = name

    def clone(self, primary: EmbeddedCluster) -> None:
        """Copy a running primary (base backup with its WAL streamed alongside)."""
        port = primary.running_port()
        if port is None:
            raise ClusterError("the primary is not running")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o755)
        self._check_traversable()
        for role in (SUPERUSER, OWNER_ROLE, SERVICE_ROLE):  # the same roles, replicated
            shutil.copy2(primary._password_file(role), self._password_file(role))
        cmd = [str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(port),
               "-U", SUPERUSER, "-D", str(self.pgdata), "-R", "-X", "stream",
               "--checkpoint=fast", "--no-sync"]
        if self._as_postgres:
            self.pgdata.mkdir(mode=0o700, exist_ok=True)
            self._chown(self.pgdata)
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # the password through the environment, out of the process list
        env = {**os.environ, "PGPASSWORD": primary.password()}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise ClusterError(f"pg_basebackup failed: {done.stderr.strip()[-800:]}")
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(f"\n# boai standby\ncluster_name = '{self.name}'\nhot_standby = on\n")

    def start(self) -> str:
        """Start the standby (read-only until promoted); returns its superuser DSN."""
        port = self.running_port()
        if port is None:
            port_file = self.data_dir / "port"  # a restarted standby keeps its DSN
            previous = port_file.read_text().strip() if port_file.exists() else ""
            port = _free_port(int(previous) if previous.isdigit() else None)
            port_file.write_text(str(port))
            self.log_file.touch()
            self._chown(self.log_file)
            # -w: returns once it accepts (read-only) connections
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log_file),
                      "-o", f"-p {port}", "-w", "-t", "120", "start")
        return self.dsn(port)

    def promote(self) -> None:
        """End recovery; returns once the server accepts writes."""
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-w", "-t", "120", "promote")


def crash(cluster: EmbeddedCluster) -> None:
    """Stop any embedded cluster at once (immediate mode)."""
    cluster._run(str(PG_BIN / "pg_ctl"), "-D", str(cluster.pgdata), "-m", "immediate", "-w",
                 "stop", check=False)
