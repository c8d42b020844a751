"""pgbouncer (Debian's, installed by scripts/bootstrap) in transaction mode in front of the
test cluster, on a free loopback port, run as the postgres user as the cluster is."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.serving import free_port, stop

PGBOUNCER = "/usr/sbin/pgbouncer"
# Fewer server connections than the service's pool holds: clients really share servers,
# as in production, so a statement left prepared on one server would be found missing.
SERVER_POOL = 3


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@contextlib.contextmanager
def pgbouncer(server_port: int, users: dict[str, str]) -> Iterator[int]:
    """Yield pgbouncer's port; every database of the server behind it, `users` (name ->
    password) signing in with SCRAM as they would at the server."""
    if not os.path.exists(PGBOUNCER):
        raise RuntimeError("pgbouncer is missing: run `bash scripts/bootstrap`")
    work = Path(tempfile.mkdtemp(prefix="boai-pgbouncer-"))
    work.chmod(0o755)
    port = free_port()
    (work / "userlist.txt").write_text(
        "".join(f"{_quoted(name)} {_quoted(password)}\n" for name, password in users.items())
    )
    (work / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host=127.0.0.1 port={server_port}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {work / 'userlist.txt'}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {SERVER_POOL}\nmax_client_conn = 500\n"
        f"logfile = {work / 'pgbouncer.log'}\n"
    )
    for path in work.iterdir():
        path.chmod(0o644)
    (work / "userlist.txt").chmod(0o600)
    cmd = [PGBOUNCER, str(work / "pgbouncer.ini")]
    if os.geteuid() == 0:  # pgbouncer, like PostgreSQL, refuses to run as root
        shutil.chown(work, "postgres")
        shutil.chown(work / "userlist.txt", "postgres")
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log = work / "pgbouncer.log"
                raise RuntimeError(f"pgbouncer exited: {log.read_text() if log.exists() else ''}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("pgbouncer did not start listening")
            time.sleep(0.05)
        yield port
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)
