"""Throughput and latency of the public pages, as a ratio of a plain 1 KB Django view.

Run from the repository root:  .venv/bin/python bench/pages.py   (or `make bench`);
`--help` lists the options. A run takes about 2 minutes, plus ~70 s when the database is built.

What it does
  1. Prepares its own SQLite database under /tmp (migrate, createcachetable, load_demo), named
     after a hash of the fixtures and migrations and reused while those are unchanged
     (--rebuild reloads it; --db PATH [--reuse] uses another file). The developer's
     db.sqlite3 is never touched.
  2. Counts SQL queries per request in-process with Django's test client: with the page cache
     off, the first request for the URL in the process ("cold") and the same again ("warm"),
     then a page-cache hit.
  3. Starts gunicorn (2 sync workers, DEBUG=False, bench/settings.py) on 127.0.0.1, free port,
     and checks that every URL answers 200.
  4. Loads each URL with a closed-loop generator (wrk if installed, else the built-in asyncio
     client): 1 s warm-up, then 5 s with 8 connections. Rounds are interleaved (plain, plain
     without page cache, power, catalogue, catalogue page 2, home, plain, ...), 3 rounds, and
     one last plain view. The power page is the live power with the most steps; the
     catalogue is filtered by type 01.
  5. Prints a table and writes it, with every sample, to bench/results/pages-latest.json.

How to read it
  ratio = req/s of the URL ÷ req/s of the plain view /_util/bench/plain/ (the mean of the plain
  runs just before and just after that round), so the machine's speed and background load
  largely cancel out; the table gives the median over rounds, and each round's ratio. Issue
  goals: power page >= 0.25, catalogue >= 0.15 of that ceiling (for scale: a stock Wagtail
  page measured 0.06, a paginated index 0.03). On a shared, noisy machine quote the ratios
  and medians, not single figures.
  "responses" counts status codes and the X-Page-Cache header (hit/miss; none = not
  cacheable) of every measured response. "cpu c/s" is the CPU time of the load generator and
  of gunicorn per wall-clock second (100 = one core): the generator and the server share the
  machine, so with few cores the absolute req/s are low; if the generator uses a whole core
  while the server leaves CPU idle, the generator is the limit, not the server.
  The plain view (the ceiling) goes through Django's whole middleware stack but is never
  cached: a plain Django view. "plain, page-cache hit" is the same view on a path the page
  cache stores, for comparison with the pages' cache hits. `--page-cache off` runs gunicorn
  with the page cache disabled: what the pages cost when rendered (e.g. the first request
  after a publish).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import hashlib
import http.client
import json
import multiprocessing
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
RESULTS = BENCH / "results"
WRK_SCRIPT = BENCH / "wrk_report.lua"
DEV_DATABASE = REPO / "db.sqlite3"
SETTINGS_MODULE = "bench.settings"
HOST = "127.0.0.1"
PLAIN = "plain"
GOALS = {"power": 0.25, "catalogue": 0.15}


# --- The database -------------------------------------------------------------------------


def fixtures_fingerprint() -> str:
    """A short hash of the fixtures and the schema (migrations, Django and Wagtail versions).

    The loader's code is left out, so a database survives most commits; `--rebuild` reloads.
    """
    from importlib.metadata import version

    paths = sorted(p for p in (REPO / "disclosure" / "fixtures").rglob("*") if p.is_file())
    paths += sorted(REPO.glob("*/migrations/*.py"))
    digest = hashlib.sha256()
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(REPO)).encode())
            digest.update(path.read_bytes())
    for package in ("django", "wagtail"):
        digest.update(f"{package}=={version(package)}".encode())
    return digest.hexdigest()[:12]


def bench_env(db: Path, secret_key: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        DATABASE_URL=f"sqlite:///{db}",
        BENCH_SECRET_KEY=secret_key,
        DJANGO_MEDIA_ROOT=str(db.with_name(db.stem + "-media")),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    return env


def prepare_database(db: Path, *, reuse: bool, wipe: bool, env: dict) -> float:
    """Migrate and load the demo catalogue into `db`; returns the seconds it took."""
    if db.resolve() == DEV_DATABASE.resolve():
        sys.exit("bench/pages.py will not use the development database db.sqlite3; pick another.")
    if reuse:
        print(f"database: {db} (reused)")
        return 0.0
    if wipe:
        for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm"), _ready_marker(db)):
            stale.unlink(missing_ok=True)
        shutil.rmtree(env["DJANGO_MEDIA_ROOT"], ignore_errors=True)
    started = time.monotonic()
    print(f"database: {db} — migrate, createcachetable, load_demo (about 70 s the first time)…")
    db.parent.mkdir(parents=True, exist_ok=True)
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"], ["load_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=REPO,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    _ready_marker(db).write_text(datetime.datetime.now().isoformat())
    elapsed = time.monotonic() - started
    print(f"database ready in {elapsed:.0f} s")
    return elapsed


def _ready_marker(db: Path) -> Path:
    """Written once load_demo has finished: a database without it is incomplete."""
    return db.with_name(db.name + ".ready")


# --- What to measure ----------------------------------------------------------------------


def pick_urls() -> tuple[dict[str, str], str]:
    """Label -> path of every URL measured, chosen from the loaded catalogue; the power used."""
    from catalogue.models import PowerCatalogue
    from catalogue.selectors import PAGE_SIZE, live_powers
    from home.models import HomePage

    def path_of(page):
        parts = page.get_url_parts()
        if parts is None:
            raise RuntimeError(f"{page!r} has no URL")
        return parts[2]

    # The most filled-in power: the one with the most steps (any live power if none has steps).
    powers = live_powers().order_by("path").only("id", "path", "url_path", "depth", "steps")
    power = max(powers, key=lambda p: len(p.steps), default=None)
    if power is None:
        raise RuntimeError("no live power page: is the demo catalogue loaded?")
    power_type = "01"
    if live_powers().filter(power_type=power_type).count() <= PAGE_SIZE:
        counts = Counter(live_powers().values_list("power_type", flat=True))
        power_type = counts.most_common(1)[0][0]
    catalogue = path_of(PowerCatalogue.objects.live().get())
    power = live_powers().get(pk=power.pk)
    about = (
        f"{power.code} {power.title}: {len(power.steps)} steps, "
        f"{power.legal_bases.count()} legal bases"
    )
    urls = {
        PLAIN: "/_util/bench/plain/",
        "plain, page-cache hit": "/_bench/plain/",
        "power": path_of(power),
        "catalogue": f"{catalogue}?type={power_type}",
        "catalogue p2": f"{catalogue}?type={power_type}&page=2",
        "home": path_of(HomePage.objects.live().first()),
    }
    return urls, about


def count_queries(urls: dict[str, str], *, show: bool = False) -> dict[str, dict[str, int]]:
    """SQL queries per request, in this process: page cache off (cold, then warm), then a hit.

    cold = the first request for the URL in this process (content types reloaded), warm = the
    same request again; hit = a page-cache hit (the generation lookup in the shared cache).
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST=HOST)

    def queries(path, show=False):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in the test client")
        if show:
            print(f"--- {path}: {len(captured.captured_queries)} queries (warm, page cache off)")
            for number, query in enumerate(captured.captured_queries, 1):
                print(f"{number:3}. {query['sql'][:300]}")
        return len(captured.captured_queries), response.get("X-Page-Cache", "none")

    counts = {}
    for label, path in urls.items():
        with override_settings(PAGE_CACHE_ENABLED=False):
            ContentType.objects.clear_cache()
            cold, _ = queries(path)
            warm, _ = queries(path, show=show)
        queries(path)  # a miss, stored in this process's page cache
        hit, header = queries(path)
        counts[label] = {"cold": cold, "warm": warm, "hit": hit if header == "hit" else None}
    return counts


# --- The server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int

    @property
    def pid(self) -> int:
        return self.process.pid


@contextlib.contextmanager
def gunicorn(env: dict, *, workers: int, worker_class: str, log: Path):
    """Run gunicorn for the duration of the block; always stopped on the way out."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "disclosure.wsgi:application"]
    command += ["--bind", f"{HOST}:{port}", "--workers", str(workers), "-k", worker_class]
    command += ["--log-level", "warning", "--chdir", str(REPO)]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as log_file:
        # Its own session: Ctrl-C reaches only this script, which then stops the server here.
        server = subprocess.Popen(
            command, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_until_up(server, port, log)
            yield Server(server, port)
        finally:
            stop(server)


def wait_until_up(server: subprocess.Popen, port: int, log: Path, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if fetch(port, "/_util/bench/plain/")[0] == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s; see {log}")


def stop(server: subprocess.Popen):
    """SIGINT (quick shutdown) to the master, then SIGKILL to its process group if need be."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    # Workers left behind by a master that died: same process group, started by us.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.pid, signal.SIGKILL)


def fetch(port: int, path: str, timeout=10.0) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def server_cpu_seconds(master_pid: int) -> float | None:
    """CPU seconds used so far by gunicorn's master and workers (Linux /proc), else None."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        stats = list(Path("/proc").glob("[0-9]*/stat"))
    except OSError:
        return None
    for stat in stats:
        try:
            text = stat.read_text()
        except OSError:
            continue
        pid = int(stat.parent.name)
        fields = text[text.rfind(")") + 2 :].split()
        if pid == master_pid or int(fields[1]) == master_pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks if total else None


# --- Load generators ----------------------------------------------------------------------


@dataclass
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: dict
    cache: dict
    client_cpu_s: float = 0.0


def wrk_load(port: int, path: str, seconds: int, connections: int, threads: int) -> Load:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
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
        p99_ms=data["p99_us"] / 1000,
        errors=data["errors"],
        statuses=data["statuses"],
        cache=data["cache"],
        client_cpu_s=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
    )


def python_load(port: int, path: str, seconds: int, connections: int, threads: int) -> Load:
    """Closed-loop HTTP/1.1 load: `threads` processes, each an asyncio loop of raw sockets.

    Keep-alive is used when the server allows it (gunicorn's sync workers close after each
    response, so then every request opens a new connection, as wrk does against them).
    """
    processes = max(1, min(threads, connections))
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    if processes == 1:
        parts = [_python_load_process(port, path, seconds, connections)]
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            jobs = [pool.submit(_python_load_process, port, path, seconds, n) for n in shares]
            parts = [job.result() for job in jobs]
    latencies = sorted(latency for part in parts for latency in part["latencies"])
    return Load(
        requests=len(latencies),
        seconds=max(part["seconds"] for part in parts),
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        errors=sum(part["errors"] for part in parts),
        statuses=_sum_counts(part["statuses"] for part in parts),
        cache=_sum_counts(part["cache"] for part in parts),
        client_cpu_s=sum(part["cpu_s"] for part in parts),
    )


def _python_load_process(port: int, path: str, seconds: int, connections: int) -> dict:
    cpu_before = time.process_time()
    part = asyncio.run(_python_load(port, path, seconds, connections))
    part["cpu_s"] = time.process_time() - cpu_before
    return part


async def _python_load(port: int, path: str, seconds: int, connections: int) -> dict:
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


def _percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[index]


# --- The run ------------------------------------------------------------------------------


@dataclass
class Sample:
    label: str
    path: str
    round: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    statuses: dict
    cache: dict
    client_cpu_pct: float
    server_cpu_pct: float | None
    server_cpu_ms_per_request: float | None = None
    ratio: float | None = None
    cpu_ratio: float | None = None


@dataclass
class Summary:
    label: str
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    ratio: float
    ratios: list[float]
    cpu_ratio: float | None
    server_cpu_ms_per_request: float | None
    cache: dict
    statuses: dict
    errors: int
    client_cpu_pct: float
    server_cpu_pct: float | None
    goal: float | None = None
    queries: dict = field(default_factory=dict)


def measure_one(server: Server, label, path, round_number, args, load) -> Sample:
    port = server.port
    load(port, path, args.warmup, args.connections, args.threads)  # warm-up, discarded
    cpu_before = server_cpu_seconds(server.pid)
    result = load(port, path, args.duration, args.connections, args.threads)
    cpu_after = server_cpu_seconds(server.pid)
    server_cpu = cpu_per_request = None
    if cpu_before is not None and cpu_after is not None and result.requests:
        server_cpu = 100 * (cpu_after - cpu_before) / result.seconds
        cpu_per_request = 1000 * (cpu_after - cpu_before) / result.requests
    sample = Sample(
        label=label,
        path=path,
        round=round_number,
        rps=result.requests / result.seconds,
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        requests=result.requests,
        errors=result.errors,
        statuses=result.statuses,
        cache=result.cache,
        client_cpu_pct=100 * result.client_cpu_s / result.seconds,
        server_cpu_pct=server_cpu,
        server_cpu_ms_per_request=cpu_per_request,
    )
    print(
        f"  round {round_number}  {label:<22} {sample.rps:7.0f} req/s"
        f"  p50 {sample.p50_ms:5.1f} ms  p99 {sample.p99_ms:5.1f} ms  {_counts(sample.statuses)}"
        f"  cache {_counts(sample.cache)}  cpu client/server"
        f" {sample.client_cpu_pct:.0f}/{_pct(sample.server_cpu_pct)} %",
        flush=True,
    )
    return sample


def measure(server: Server, urls, args, load) -> list[Sample]:
    """Every URL once per round, the plain view first; one more plain view at the very end.

    A URL's ratio divides its req/s by the mean of the plain view's just before and just after
    its round, so a slow drift of the machine's speed during a round largely cancels out.
    """
    samples = []
    for round_number in range(1, args.rounds + 1):
        for label, path in urls.items():
            samples.append(measure_one(server, label, path, round_number, args, load))
    closing = args.rounds + 1
    samples.append(measure_one(server, PLAIN, urls[PLAIN], closing, args, load))
    plain = {s.round: s for s in samples if s.label == PLAIN}
    for sample in samples:
        if sample.label == PLAIN:
            sample.ratio = sample.cpu_ratio = 1.0
            continue
        around = (plain[sample.round], plain[sample.round + 1])
        sample.ratio = sample.rps / statistics.mean(p.rps for p in around)
        plain_cpu = [p.server_cpu_ms_per_request for p in around]
        if sample.server_cpu_ms_per_request and None not in plain_cpu:
            sample.cpu_ratio = statistics.mean(plain_cpu) / sample.server_cpu_ms_per_request
    return samples


def summarise(samples: list[Sample], urls: dict, queries: dict, goals=None) -> list[Summary]:
    goals = GOALS if goals is None else goals
    summaries = []
    for label, path in urls.items():
        mine = [s for s in samples if s.label == label]
        ratios = [s.ratio for s in mine if s.label != PLAIN or s.round == 1]
        server_cpu = [s.server_cpu_pct for s in mine if s.server_cpu_pct is not None]
        cpu_ratios = [s.cpu_ratio for s in mine if s.cpu_ratio is not None]
        cpu_ms = [s.server_cpu_ms_per_request for s in mine if s.server_cpu_ms_per_request]
        summaries.append(
            Summary(
                label=label,
                path=path,
                rps=statistics.median(s.rps for s in mine),
                p50_ms=statistics.median(s.p50_ms for s in mine),
                p99_ms=statistics.median(s.p99_ms for s in mine),
                ratio=statistics.median(ratios),
                ratios=[round(r, 3) for r in ratios],
                cpu_ratio=statistics.median(cpu_ratios) if cpu_ratios else None,
                server_cpu_ms_per_request=statistics.median(cpu_ms) if cpu_ms else None,
                cache=_sum_counts(s.cache for s in mine),
                statuses=_sum_counts(s.statuses for s in mine),
                errors=sum(s.errors for s in mine),
                client_cpu_pct=statistics.median(s.client_cpu_pct for s in mine),
                server_cpu_pct=statistics.median(server_cpu) if server_cpu else None,
                goal=goals.get(label),
                queries=queries.get(label, {}),
            )
        )
    return summaries


def print_table(summaries: list[Summary]):
    header = (
        f"{'url':<20} {'req/s':>5} {'p50ms':>5} {'p99ms':>5} {'ratio':>5}  {'per round':<14}"
        f" {'goal':>5} {'cpu':>5} {'ms cpu':>6} {'SQL':>8} {'cpu c/s':>7}  responses"
    )
    print(header)
    print("-" * len(header))
    for s in summaries:
        goal = ""
        if s.goal is not None:
            goal = f"{'✓' if s.ratio >= s.goal else '✗'}{s.goal:.2f}"
        q = s.queries
        sql = "/".join("-" if q.get(k) is None else str(q[k]) for k in ("cold", "warm", "hit"))
        per_round = " ".join(f"{r:.2f}" for r in s.ratios) if s.label != PLAIN else ""
        cpu_ratio = _fmt(s.cpu_ratio)
        cpu_ms = _fmt(s.server_cpu_ms_per_request)
        print(
            f"{s.label:<20} {s.rps:5.0f} {s.p50_ms:5.1f} {s.p99_ms:5.1f} {s.ratio:5.2f}"
            f"  {per_round:<14} {goal:>5} {cpu_ratio:>5} {cpu_ms:>6} {sql:>8}"
            f" {s.client_cpu_pct:3.0f}/{_pct(s.server_cpu_pct):>3}  "
            f"{_counts(s.statuses)} cache {_counts(s.cache)}"
            + (f"  errors {s.errors}" if s.errors else "")
        )


def _counts(counts: dict) -> str:
    return ",".join(f"{key}:{value}" for key, value in sorted(counts.items())) or "-"


def _sum_counts(many) -> dict:
    total: Counter = Counter()
    for counts in many:
        total.update(counts)
    return dict(total)


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def git_commit() -> str:
    """The commit measured (+dirty with uncommitted changes), for the reports."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
        )
    except OSError:
        return "?"
    return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def parse_args(doc=None):
    parser = argparse.ArgumentParser(description=(doc or __doc__).split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="SQLite file to use (default: one under /tmp)")
    parser.add_argument("--reuse", action="store_true", help="use --db as is if it exists")
    parser.add_argument("--rebuild", action="store_true", help="delete and reload the database")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds measured per URL")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--threads", type=int, default=2, help="wrk threads, or processes of the Python client"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--page-cache",
        choices=["on", "off"],
        default="on",
        help="off: gunicorn renders every page (what a reader gets right after a publish)",
    )
    parser.add_argument("--sql", action="store_true", help="print the SQL of every page too")
    parser.add_argument(
        "--output", type=Path, help="JSON report (default: bench/results/pages-latest.json)"
    )
    return parser.parse_args()


def database_for(args) -> tuple[Path, bool, bool]:
    """The database file, whether to use it as it is, whether to delete it first."""
    if args.db is None:
        # The demo data depends on the fixtures: one database per fingerprint, reused.
        db = Path(tempfile.gettempdir()) / f"disclosure-bench-{fixtures_fingerprint()}.db"
        reuse = db.exists() and _ready_marker(db).exists() and not args.rebuild
        return db, reuse, not reuse  # ours: incomplete, or a rebuild was asked for
    db = args.db.absolute()
    reuse = args.reuse and db.exists() and not args.rebuild
    return db, reuse, args.rebuild  # otherwise load_demo runs over it again (it is idempotent)


def setup_django(env: dict):
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "BENCH_SECRET_KEY", "DJANGO_MEDIA_ROOT"):
        os.environ[name] = env[name]
    sys.path.insert(0, str(REPO))
    import django
    from django.conf import settings

    django.setup()
    if settings.DEBUG:
        sys.exit("the benchmark must run with DEBUG=False")
    return settings


def problems(summaries: list[Summary], page_cache: str) -> list[str]:
    """What makes the figures suspect: non-200 answers, socket errors, pages not from cache."""
    found = []
    for s in summaries:
        total = sum(s.statuses.values())
        if s.statuses.get("200", 0) != total or s.errors:
            found.append(f"{s.label}: responses {_counts(s.statuses)}, {s.errors} socket errors")
        hits = s.cache.get("hit", 0)
        never_cached = s.path.startswith(("/_util/", "/api/v3/search/"))  # searches are logged
        if page_cache == "on" and not never_cached and hits < 0.99 * total:
            found.append(f"{s.label}: only {hits} of {total} responses were page-cache hits")
    return found


def main(*, pick=None, goals=None, name="pages", doc=None):
    """The run; bench/api.py runs it with its own URLs (pick), goals and report name."""
    started = time.monotonic()
    args = parse_args(doc)
    db, reuse, wipe = database_for(args)
    env = bench_env(db, secrets.token_urlsafe(50))
    load_seconds = prepare_database(db, reuse=reuse, wipe=wipe, env=env)
    settings = setup_django(env)

    urls, power = (pick or pick_urls)()
    print(f"power page: {power}")
    print("counting SQL queries (test client, in-process)…")
    queries = count_queries(urls, show=args.sql)

    use_wrk = args.tool == "wrk" or (args.tool == "auto" and shutil.which("wrk"))
    load = wrk_load if use_wrk else python_load
    if use_wrk:
        tool = f"wrk ({args.threads} threads)"
    else:
        # Client processes take CPUs from the server: no more than the workers leave free.
        args.threads = max(1, min(args.threads, (os.cpu_count() or 1) - args.workers))
        tool = f"python asyncio ({args.threads} processes)"
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 2)[-2]
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers, DEBUG=False, page cache "
        f"{args.page_cache}, shared cache {cache_backend}; load: {tool}, {args.connections} "
        f"connections, {args.warmup} s warm-up + {args.duration} s per URL, {args.rounds} "
        f"rounds; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    env["BENCH_PAGE_CACHE"] = args.page_cache  # the server only; count_queries sets its own
    log = RESULTS / "gunicorn-latest.log"
    with gunicorn(env, workers=args.workers, worker_class=args.worker_class, log=log) as server:
        for label, path in urls.items():
            status, _headers, body = fetch(server.port, path)
            if status != 200:
                raise RuntimeError(f"{label} {path} answered {status} under gunicorn")
            print(f"  {label:<22} {path}  {len(body):,} bytes")
        samples = measure(server, urls, args, load)
    summaries = summarise(samples, urls, queries, goals)
    elapsed = time.monotonic() - started

    print()
    print_table(summaries)
    print(
        f"\nratio: req/s ÷ req/s of {urls[PLAIN]} around the same round, median of "
        f"{args.rounds} rounds; cpu: the same ratio from gunicorn's CPU time per request "
        f"(ms cpu), which background load disturbs less. SQL: queries per request, page cache "
        f"off (cold/warm), and on a page-cache hit. cpu c/s: % of one core used by the load "
        f"generator / gunicorn. Took {elapsed:.0f} s (database {load_seconds:.0f} s)."
    )
    warnings = problems(summaries, args.page_cache)
    for warning in warnings:
        print(f"WARNING {warning}")

    report = {
        "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {"cpus": os.cpu_count(), "load_average_end": os.getloadavg()},
        "config": {
            "tool": tool,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "workers": args.workers,
            "worker_class": args.worker_class,
            "page_cache": args.page_cache,
            "shared_cache": cache_backend,
            "database": str(db),
        },
        "power_page": power,
        "summary": [asdict(s) for s in summaries],
        "samples": [asdict(s) for s in samples],
        "warnings": warnings,
        "elapsed_s": round(elapsed, 1),
        "database_load_s": round(load_seconds, 1),
    }
    output = args.output or RESULTS / (
        f"{name}-latest.json" if args.page_cache == "on" else f"{name}-page-cache-off-latest.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"written to {output.relative_to(REPO) if output.is_relative_to(REPO) else output}")
    return 1 if warnings else 0


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: gunicorn is stopped


def run(main_function, *args, **kwargs):
    """Run a benchmark's main() as a script: TERM, HUP and INT stop it cleanly (the servers it
    started are stopped on the way out), and its return value is the exit status."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    # Even when started in the background (which ignores SIGINT), Ctrl-C / kill -INT stops it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        sys.exit(main_function(*args, **kwargs))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    run(main)
