"""A small asyncio HTTP/1.1 load generator with keep-alive connections.

Used for the scenarios wrk cannot express (a visitor's conversation is a chain of requests
whose bodies depend on earlier answers) and for exact percentiles. `bench/run.py` measures
it against wrk on the framework ceiling, so its own cost is visible in the report.
"""

import asyncio
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

REQUEST_TIMEOUT_S = 30


@dataclass
class Stats:
    latencies: list = field(default_factory=list)
    errors: int = 0
    statuses: dict = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0

    def add(self, status, seconds):
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status >= 500 or status == 0:
            self.errors += 1
        self.latencies.append(seconds)

    def percentile(self, p):
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
        return ordered[index] * 1000

    @property
    def throughput(self):
        span = self.ended - self.started
        return len(self.latencies) / span if span > 0 else 0.0

    def summary(self):
        return {
            "requests": len(self.latencies),
            "rps": round(self.throughput, 1),
            "p50_ms": _r(self.percentile(50)),
            "p95_ms": _r(self.percentile(95)),
            "p99_ms": _r(self.percentile(99)),
            "errors": self.errors,
            "statuses": self.statuses,
        }


def _r(value):
    return None if value is None else round(value, 2)


class Connection:
    def __init__(self, base):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.reader = self.writer = None

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method, path, body=None, headers=None):
        if self.writer is None:
            await self.open()
        payload = (
            b""
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            f"Content-Length: {len(payload)}",
            "Connection: keep-alive",
        ]
        if body is not None:
            lines.append("Content-Type: application/json")
        for key, value in (headers or {}).items():
            lines.append(f"{key}: {value}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + payload)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        length, chunked, has_length = 0, False, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value.strip())
                has_length = True
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
        if not chunked and length == 0 and status not in (204, 304) and not has_length:
            data = await self.reader.read()  # no length: the body runs to the end
            self.close()
            self.writer = None
            return status, data
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                data += await self.reader.readexactly(size)
                await self.reader.readline()
        else:
            data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self):
        if self.writer is not None:
            self.writer.close()


async def timed(conn, stats, method, path, body=None, headers=None):
    start = time.perf_counter()
    try:
        status, data = await asyncio.wait_for(
            conn.request(method, path, body, headers), REQUEST_TIMEOUT_S
        )
    except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, OSError, ValueError):
        conn.close()
        conn.writer = None
        stats.add(0, time.perf_counter() - start)
        return 0, b""
    stats.add(status, time.perf_counter() - start)
    return status, data


async def closed_loop(base, make_requests, concurrency, seconds):
    """`concurrency` workers each repeat `make_requests(conn, stats)` until time is up."""
    stats = Stats(started=time.perf_counter())
    deadline = stats.started + seconds

    async def worker():
        conn = Connection(base)
        try:
            while time.perf_counter() < deadline:
                await make_requests(conn, stats)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    stats.ended = time.perf_counter()
    return stats


async def open_loop(base, make_requests, sessions_per_s, seconds, max_in_flight=512):
    """Start a new session (a chain of requests) every 1/rate seconds, whatever the server
    does: latencies include queueing, as real visitors see them."""
    stats = Stats(started=time.perf_counter())
    interval = 1.0 / sessions_per_s
    tasks = set()
    pool: list[Connection] = []

    async def session():
        conn = pool.pop() if pool else Connection(base)
        try:
            await make_requests(conn, stats)
        finally:
            if conn.writer is not None and len(pool) < max_in_flight:
                pool.append(conn)

    next_at = stats.started
    end = stats.started + seconds
    while next_at < end:
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(tasks) < max_in_flight:
            task = asyncio.create_task(session())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        next_at += interval
    if tasks:
        await asyncio.wait(tasks, timeout=30)
    stats.ended = time.perf_counter()
    for conn in pool:
        conn.close()
    return stats
