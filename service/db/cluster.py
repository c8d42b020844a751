"""A private PostgreSQL 15 + PostGIS cluster in a directory of our own.

Used when DATABASE_URL is unset (the embedded default) and by the test suite.
PostgreSQL refuses to run as root, so as root every server command runs as the
`postgres` system user, in a data directory that user owns.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from service.db import pitr
from service.db.errors import ClusterError
from service.db.roles import OWNER_ROLE, SERVICE_ROLE

PG_BIN = Path(os.environ.get("BOAI_PG_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "boai"
DATABASE = "boai"


def postgis_available() -> bool:
    return Path("/usr/share/postgresql/15/extension/postgis.control").exists()


def _free_port(preferred: int | None = None) -> int:
    """The preferred port when it is free (a restarted cluster keeps its DSN), else any."""
    for candidate in (preferred, 0) if preferred else (0,):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As PostgreSQL does: a port left in TIME_WAIT by our own last run is usable.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise ClusterError("no free loopback port")


class EmbeddedCluster:
    superuser = SUPERUSER

    def __init__(self, data_dir: Path, *, pitr: bool = False) -> None:
        """pitr: archive WAL and take base backups with pgBackRest (service/db/pitr.py);
        the service's own cluster does, the tests' throwaway ones need not."""
        self.data_dir = data_dir.resolve()
        self.pitr = pitr
        self.pgdata = self.data_dir / "pg"
        self.wal_dir = self.data_dir / "wal"
        self.password_file = self.data_dir / "password"
        self.log_file = self.data_dir / "postgresql.log"
        self._as_postgres = os.geteuid() == 0

    # -- commands ---------------------------------------------------------
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if check and result.returncode != 0:
            raise ClusterError(f"{' '.join(args[:2])} failed: {result.stderr.strip()[-800:]}")
        return result

    def _chown(self, path: Path) -> None:
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(path, pw.pw_uid, pw.pw_gid)

    # -- state ------------------------------------------------------------
    def is_initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def running_port(self) -> int | None:
        """The port of a live server in our data directory, else None."""
        pid_file = self.pgdata / "postmaster.pid"
        if not pid_file.exists():
            return None
        status = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "status", check=False)
        if status.returncode != 0:
            return None
        lines = pid_file.read_text().splitlines()
        return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None

    def password(self, role: str = SUPERUSER) -> str:
        return self._password_file(role).read_text().strip()

    def _password_file(self, role: str) -> Path:
        return self.password_file if role == SUPERUSER else self.data_dir / f"{role}.password"

    def dsn(self, port: int, database: str = DATABASE, role: str = SUPERUSER) -> str:
        """A DSN as `role`: the superuser (the default), OWNER_ROLE or SERVICE_ROLE."""
        return f"postgresql://{role}:{self.password(role)}@127.0.0.1:{port}/{database}"

    def service_dsn(self, port: int, database: str = DATABASE) -> str:
        return self.dsn(port, database, SERVICE_ROLE)

    # -- lifecycle --------------------------------------------------------
    def init(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise ClusterError(f"PostgreSQL 15 server binaries not found in {PG_BIN}")
        if not postgis_available():
            raise ClusterError(
                "PostGIS is not installed: apt-get install -y postgresql-15-postgis-3"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o755)
        password = secrets.token_urlsafe(24)
        self.password_file.write_text(password)
        self.password_file.chmod(0o600)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        self._chown(self.pgdata)
        self._check_traversable()
        waldir: list[str] = []
        if self.pitr:
            self.wal_dir.mkdir(mode=0o700, exist_ok=True)
            self._chown(self.wal_dir)
            waldir = [f"--waldir={self.wal_dir}"]
        # initdb reads the password from a file the postgres user can read; it exists
        # (mode 600, owned by that user) only for the duration of initdb.
        fd, name = tempfile.mkstemp(prefix="boai-initpw-")
        pwfile = Path(name)
        os.write(fd, password.encode())
        os.close(fd)
        self._chown(pwfile)
        try:
            self._run(
                str(PG_BIN / "initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--no-locale",
                *waldir,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# boai embedded cluster\nlisten_addresses = '127.0.0.1'\n"
                "max_connections = 200\nshared_buffers = 256MB\nfsync = on\n"
                "unix_socket_directories = ''\n"
            )

    def _check_traversable(self) -> None:
        if not self._as_postgres:
            return
        for parent in self.data_dir.parents:
            if not parent.stat().st_mode & 0o001:
                raise ClusterError(
                    f"the postgres user cannot reach {self.data_dir}: {parent} is not "
                    "searchable by others (chmod o+x it, or choose another BOAI_DATA_DIR)"
                )

    def start(self) -> str:
        """Start (or reuse) the cluster and return a DSN to its database."""
        if not self.is_initialised():
            if self.pgdata.exists() and any(self.pgdata.iterdir()):
                raise ClusterError(f"{self.pgdata} exists but holds no PostgreSQL cluster")
            self.init()
        port = self.running_port()
        if port is None:
            if self.pitr:
                pitr.configure(self)
            port_file = self.data_dir / "port"
            previous = port_file.read_text().strip() if port_file.exists() else ""
            port = _free_port(int(previous) if previous.isdigit() else None)
            port_file.write_text(str(port))
            self.log_file.touch()
            self._chown(self.log_file)
            self._run(
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(self.log_file),
                "-o",
                f"-p {port}",
                "-w",
                "-t",
                "60",
                "start",
            )
        self._wait_for_promotion(port)
        self._ensure_database(port)
        self._ensure_roles(port)
        if self.pitr:
            pitr.ensure_stanza(self, port)
        return self.dsn(port)

    def _wait_for_promotion(self, port: int) -> None:
        """After a restore the server accepts connections while it still replays WAL
        (read-only); wait until recovery has ended and it accepts writes."""
        base, env = self._psql_base(port)
        deadline = time.monotonic() + 600
        while True:
            state = subprocess.run(
                [*base, "-d", "postgres", "-tAc", "SELECT pg_is_in_recovery()"],
                capture_output=True, text=True, env=env, check=False,
            )
            if state.returncode == 0 and state.stdout.strip() == "f":
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"the cluster did not finish recovery: {state.stderr.strip()}")
            time.sleep(0.2)

    def restore(self, target_time: str | None = None) -> str:
        """Stop, restore the latest base backup with pgBackRest, replay WAL (to the end, or to
        target_time) and start again; returns the DSN."""
        self.stop()
        salvage = pitr.restore(self, target_time)
        dsn = self.start()
        if salvage is not None:
            shutil.rmtree(salvage, ignore_errors=True)
        return dsn

    def _psql_base(self, port: int) -> tuple[list[str], dict[str, str]]:
        env = {**os.environ, "PGPASSWORD": self.password()}
        psql = shutil.which("psql") or str(PG_BIN / "psql")
        base = [psql, "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, "-v", "ON_ERROR_STOP=1"]
        return base, env

    def _ensure_roles(self, port: int) -> None:
        """The owner and service roles (service/db/roles.py), each with its own password
        kept like the superuser's (a file of mode 600 in the data directory)."""
        statements = []
        for role in (OWNER_ROLE, SERVICE_ROLE):
            path = self._password_file(role)
            if not path.exists():
                path.write_text(secrets.token_urlsafe(24))
            path.chmod(0o600)
            statements.append(
                f"DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
                f"THEN CREATE ROLE {role}; END IF; END$$;\n"
                # every start resets what a role must never have; CONNECTION LIMIT -1
                # also undoes the 0 an interrupted `boai db import --take-down` left
                f"ALTER ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                f"NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 "
                f"PASSWORD '{self.password(role)}';\n"
            )
        statements.append(f"REVOKE {OWNER_ROLE} FROM {SERVICE_ROLE};\n")
        base, env = self._psql_base(port)
        # through stdin: passwords stay out of the process list
        result = subprocess.run(
            [*base, "-q", "-d", "postgres"], input="".join(statements),
            capture_output=True, text=True, env=env, check=False,
        )
        if result.returncode != 0:
            raise ClusterError(f"cannot create the database roles: {result.stderr.strip()}")

    def _ensure_database(self, port: int) -> None:
        base, env = self._psql_base(port)
        deadline = time.monotonic() + 30
        while True:
            found = subprocess.run(
                [
                    *base,
                    "-d",
                    "postgres",
                    "-tAc",
                    f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",
                ],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if found.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        if found.returncode != 0:
            raise ClusterError(f"cannot reach the embedded cluster: {found.stderr.strip()}")
        if found.stdout.strip() != "1":
            subprocess.run(
                [*base, "-d", "postgres", "-c", f"CREATE DATABASE {DATABASE}"],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )

    def stop(self) -> bool:
        """Stop the server if it runs; True when it was running."""
        if self.running_port() is None:
            return False
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "stop")
        return True

    def status(self) -> dict[str, object]:
        port = self.running_port()
        return {
            "data_dir": str(self.data_dir),
            "initialised": self.is_initialised(),
            "running": port is not None,
            "port": port,
        }
