"""A small HTTP/1.1 load client for POST bodies, for when wrk cannot be used: the intake limits
requests per client address (60 a minute), so each connection here comes from its own loopback
address (127.<net>.x.y, all of 127/8 is loopback on Linux) and sends at most PER_ADDRESS requests,
as many merchants applying from their own networks would.

Run as a separate process: `python -m bench.httpload SPEC.json` prints one JSON result line.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from typing import Any

import numpy as np
import uvloop

PER_ADDRESS = 20


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    body = b""
    while True:  # chunked
        size = int((await reader.readline()).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return status, body
        body += chunk[:-2]


async def main(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], spec["port"]
    bodies = [b.encode() for b in spec["bodies"]]
    net = spec["net"]
    addresses = (f"127.{net}.{n // 250}.{n % 250 + 1}" for n in itertools.count())
    next_body = itertools.count()
    latencies: list[float] = []
    failures: dict[int, int] = {}
    first_failure: list[str] = []
    stop = time.perf_counter() + spec["seconds"]

    async def client() -> None:
        while time.perf_counter() < stop:
            reader, writer = await asyncio.open_connection(host, port,
                                                           local_addr=(next(addresses), 0))
            for _ in range(PER_ADDRESS):
                if time.perf_counter() >= stop:
                    break
                i = next(next_body)
                if i >= len(bodies):
                    writer.close()
                    return
                body = bodies[i]
                request = (f"POST {spec['path']} HTTP/1.1\r\nHost: {host}\r\n"
                           f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                           "\r\n").encode() + body
                t0 = time.perf_counter()
                writer.write(request)
                status, answer = await _read_response(reader)
                latencies.append(time.perf_counter() - t0)
                if status != spec["expect"]:
                    failures[status] = failures.get(status, 0) + 1
                    if not first_failure:
                        first_failure.append(answer[:500].decode(errors="replace"))
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(spec["concurrency"])))
    elapsed = time.perf_counter() - started
    lat = np.array(latencies) * 1000
    return {"rps": len(lat) / elapsed, "p50_ms": float(np.percentile(lat, 50)),
            "p99_ms": float(np.percentile(lat, 99)), "requests": len(lat),
            "errors": sum(failures.values()), "failures": failures,
            "first_failure": first_failure[0] if first_failure else None}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        result = uvloop.run(main(json.load(f)))
    print(json.dumps(result))
