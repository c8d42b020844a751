"""A real HTTP receiver for the notification webhook, as the WeChat bridge would be."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Delivery:
    event_id: str
    status: int
    signature: str
    body: bytes


@dataclass
class Receiver:
    """Answers 500 to the first `fail_first` attempts of each event (all, if negative)."""

    fail_first: int = 0
    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, event_id: str, signature: str, body: bytes) -> int:
        with self.lock:
            tries = sum(1 for d in self.deliveries if d.event_id == event_id)
            failing = self.fail_first < 0 or tries < self.fail_first
            status = 500 if failing else 200
            self.deliveries.append(Delivery(event_id, status, signature, body))
            return status

    def taken(self) -> dict[str, int]:
        """Event id -> number of 2xx answers given for it."""
        with self.lock:
            counts: dict[str, int] = {}
            for d in self.deliveries:
                if d.status == 200:
                    counts[d.event_id] = counts.get(d.event_id, 0) + 1
            return counts


@contextmanager
def receiving(fail_first: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = receiver.answer(
                self.headers.get("X-Boai-Event-Id", ""),
                self.headers.get("X-Boai-Signature", ""),
                body,
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/boai-events"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


async def eventually(check: Callable[[], Awaitable[Any]], what: str, deadline: float = 60) -> Any:
    """Poll until `check` returns something truthy; fail only after a generous deadline."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline
    while not (result := await check()):
        assert loop.time() < end, f"gave up waiting for {what}"
        await asyncio.sleep(0.05)
    return result
