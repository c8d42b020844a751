"""The service as production runs it: `boai serve` (granian, uvloop) in its own process."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BOAI = Path(sys.executable).parent / "boai"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, dsn: str, workers: int, log: Path,
                 env: dict[str, str] | None = None) -> None:
        self.dsn, self.workers, self.log_path = dsn, workers, log
        self.env = env or {}  # extra variables, e.g. BOAI_REPLICA_URLS
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> Server:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(BOAI), "serve", "--database-url", self.dsn, "--port", str(self.port),
             "--workers", str(self.workers)],
            stdout=log, stderr=log, env={**os.environ, **self.env},
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"boai serve exited; see {self.log_path}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.url + "/health/ready", timeout=2) as r:
                    if r.status == 200 and len(self.worker_pids()) >= self.workers:
                        return self
            time.sleep(0.2)
        raise RuntimeError(f"service not ready within {timeout:.0f} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        """The granian worker processes (descendants of the process we started)."""
        assert self.proc is not None
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                with contextlib.suppress(OSError):
                    kids = [int(x) for x in task.read_text().split()]
                    found += kids
                    todo += kids
        return found

    def pids(self) -> set[int]:
        assert self.proc is not None
        return {self.proc.pid, *self.worker_pids()}

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM (peak resident set) of the serving process and of each worker, in MiB."""
        assert self.proc is not None
        out = {}
        for pid in [self.proc.pid, *self.worker_pids()]:
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        out[str(pid)] = int(line.split()[1]) / 1024
        return out

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
