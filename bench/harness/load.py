"""Closed-loop load generators: each keeps `connections` requests in flight for `seconds`.

  wrk       if installed (bench/harness/wrk_report.lua counts status codes and X-Page-Cache)
  asyncio   the built-in client: `threads` processes, each an asyncio loop of raw sockets
  threads   one thread of http.client per connection in this process: the kind of client that
            bench.feedback_submissions' citizens are, so its plain view is loaded alike

All three return a Load. Keep-alive is used when the server allows it (gunicorn's sync workers
close after each response, so then every request opens a new connection, as wrk does).
"""

from __future__ import annotations

import asyncio
import http.client
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench.harness import HOST
from bench.harness.stats import percentile, sum_counts

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
TIMEOUT = 30.0


@dataclass
class Load:
    requests: int  # responses received
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int  # connections that failed
    statuses: dict
    cache: dict  # X-Page-Cache of the responses (none: the header was absent)
    client_cpu_s: float = 0.0


LoadFunction = Callable[[int, str, float, int, int], Load]


def choose(tool: str, *, threads: int, workers: int) -> tuple[LoadFunction, int, str]:
    """The generator for --tool auto|wrk|python, the threads (or processes) it may use, and how
    to describe it. The Python client's processes take CPUs from the server: no more than the
    workers leave free."""
    if tool == "wrk" or (tool == "auto" and shutil.which("wrk")):
        return wrk_load, threads, f"wrk ({threads} threads)"
    threads = max(1, min(threads, (os.cpu_count() or 1) - workers))
    return asyncio_load, threads, f"python asyncio ({threads} processes)"


# --- wrk ----------------------------------------------------------------------------------


def wrk_load(port: int, path: str, seconds: float, connections: int, threads: int) -> Load:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s"]
    command += ["-s", str(WRK_SCRIPT), f"http://{HOST}:{port}{path}"]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next((x for x in output.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    return Load(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"],
        statuses=data["statuses"],
        cache=data["cache"],
        client_cpu_s=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )


# --- asyncio, in processes ----------------------------------------------------------------


def asyncio_load(port: int, path: str, seconds: float, connections: int, threads: int) -> Load:
    """`threads` processes (at most one per connection), each an asyncio loop."""
    processes = max(1, min(threads, connections))
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    if processes == 1:
        parts = [_asyncio_process(port, path, seconds, connections)]
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            jobs = [pool.submit(_asyncio_process, port, path, seconds, n) for n in shares]
            parts = [job.result() for job in jobs]
    return _load(
        [latency for part in parts for latency in part["latencies"]],
        seconds=max(part["seconds"] for part in parts),
        errors=sum(part["errors"] for part in parts),
        statuses=sum_counts(part["statuses"] for part in parts),
        cache=sum_counts(part["cache"] for part in parts),
        client_cpu_s=sum(part["cpu_s"] for part in parts),
    )


def _asyncio_process(port: int, path: str, seconds: float, connections: int) -> dict:
    cpu_before = time.process_time()
    part = asyncio.run(_asyncio_clients(port, path, seconds, connections))
    part["cpu_s"] = time.process_time() - cpu_before
    return part


async def _asyncio_clients(port: int, path: str, seconds: float, connections: int) -> dict:
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: */*\r\n\r\n".encode()
    latencies: list[float] = []
    statuses: Counter = Counter()
    cache: Counter = Counter()
    errors = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def client():
        nonlocal errors
        reader = writer = None
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(HOST, port)
                sent = time.perf_counter()
                writer.write(request)
                status, headers = _parse_head(await reader.readuntil(b"\r\n\r\n"))
                keep_open = await _read_body(reader, headers)
                latencies.append(time.perf_counter() - sent)
                statuses[str(status)] += 1
                cache[headers.get("x-page-cache", "none")] += 1
            except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                errors += 1
                keep_open = False
            if not keep_open and writer is not None:
                writer.close()
                reader = writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return {
        "latencies": latencies,
        "seconds": time.perf_counter() - started,
        "errors": errors,
        "statuses": dict(statuses),
        "cache": dict(cache),
    }


def _parse_head(head: bytes) -> tuple[int, dict]:
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers = {"_version": version}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return int(status), headers


async def _read_body(reader: asyncio.StreamReader, headers: dict) -> bool:
    """Read the body; True if the connection may be reused."""
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass
                break
            await reader.readexactly(size + 2)
    elif "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    else:
        await reader.read()  # delimited by the end of the connection
        return False
    close = headers.get("connection", "").lower() == "close"
    return not close and headers["_version"] == "HTTP/1.1"


# --- threads of http.client, in this process ----------------------------------------------


def threaded_load(port: int, path: str, seconds: float, connections: int, threads: int) -> Load:
    """One thread and connection per `connections` (`threads` is not used)."""
    deadline = time.perf_counter() + seconds
    clients = [_GetLoop(port, path, deadline) for _ in range(connections)]
    wall, cpu = run_in_threads([c.run for c in clients])
    return _load(
        [x for c in clients for x in c.latencies],
        seconds=wall,
        errors=sum(c.errors for c in clients),
        statuses=sum_counts(c.statuses for c in clients),
        cache=sum_counts(c.cache for c in clients),
        client_cpu_s=cpu,
    )


class _GetLoop:
    def __init__(self, port: int, path: str, deadline: float):
        self.port, self.path, self.deadline = port, path, deadline
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.cache: Counter = Counter()
        self.errors = 0

    def run(self):
        connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        headers = {"User-Agent": "bench"}
        while time.perf_counter() < self.deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", self.path, headers=headers)
                response = connection.getresponse()
                response.read()
                self.statuses[str(response.status)] += 1
                self.cache[response.getheader("X-Page-Cache", "none")] += 1
                self.latencies.append(time.perf_counter() - started)
            except (OSError, http.client.HTTPException):
                self.errors += 1
                connection.close()  # opened again by the next request
        connection.close()


def run_in_threads(functions: list[Callable[[], None]]) -> tuple[float, float]:
    """Call each function in a thread of its own, all at once, until all are done; (wall
    seconds, CPU seconds of this process meanwhile)."""
    cpu = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=function, daemon=True) for function in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, time.process_time() - cpu


def _load(latencies: list[float], **figures) -> Load:
    """A Load from the latencies (seconds) of every response and the other figures."""
    ordered = sorted(latencies)
    return Load(
        requests=len(ordered),
        p50_ms=percentile(ordered, 50) * 1000,
        p95_ms=percentile(ordered, 95) * 1000,
        p99_ms=percentile(ordered, 99) * 1000,
        **figures,
    )
