"""Throughput and latency of the public pages, as a ratio of a plain 1 KB Django view.

Run from the repository root:  .venv/bin/python bench/pages.py   (or `make bench`)

What it does
  1. Prepares its own SQLite database under /tmp (migrate, createcachetable, load_demo), named
     after a hash of the fixtures, migrations and loader code, and reused while those are
     unchanged. The developer's db.sqlite3 is never touched. The first load takes about 70 s.
  2. Starts gunicorn (2 sync workers, DEBUG=False, bench/settings.py) on 127.0.0.1, free port.
  3. Measures, in interleaved rounds, each URL with a closed-loop load generator (wrk if it is
     installed, otherwise the built-in asyncio one): 1 s warm-up, then 5 s of load with
     8 connections. URLs: the plain view (the ceiling), the same view without the page cache,
     a fully filled power page, the catalogue filtered by type (pages 1 and 2), the home page.
  4. Counts SQL queries per page in-process with Django's test client, page cache off.
  5. Prints a table and writes it as JSON to bench/results/pages-latest.json.

How to read it
  ratio = requests/s of the URL ÷ requests/s of /_bench/plain/ measured in the same round, so
  machine speed and background noise largely cancel out. The table shows medians over rounds
  (the ratio column is the median of the per-round ratios, with its min-max range). Issue
  goals: power page >= 0.25, catalogue >= 0.15 (for scale: a stock Wagtail page measured
  0.06, a paginated index 0.03). "cache" shows the X-Page-Cache header of the measured
  responses (hit/miss/none): a page at a high ratio should be all hits. "cpu client/server" is
  CPU time per wall second (100 % = one core): if the client takes a core while the server does
  not use the rest, the client, not the server, limits the figure. The load generator and the
  server share the machine, so on a box with few cores the absolute figures are low and only the
  ratios mean much.

The plain view at /_bench/plain/ goes through the same middleware as the pages, page cache
included (after the first request it is a cache hit, like the pages); /_util/bench/plain/ is
the same view on a path the page cache skips, for reference.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import hashlib
import http.client
import json
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
    """A short hash of everything the loaded database depends on."""
    from importlib.metadata import version

    paths = sorted(p for p in (REPO / "disclosure" / "fixtures").rglob("*") if p.is_file())
    paths += sorted(REPO.glob("*/migrations/*.py"))
    paths += [REPO / "catalogue" / "demo.py", REPO / "catalogue" / "services.py"]
    paths += [REPO / "laws" / "services.py"]
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
    power = power.specific
    about = (
        f"{power.code} {power.title}: {len(power.steps)} steps, "
        f"{power.legal_bases.count()} legal bases"
    )
    urls = {
        PLAIN: "/_bench/plain/",
        "plain, no page cache": "/_util/bench/plain/",
        "power": path_of(power),
        "catalogue": f"{catalogue}?type={power_type}",
        "catalogue p2": f"{catalogue}?type={power_type}&page=2",
        "home": path_of(HomePage.objects.live().first()),
    }
    return urls, about


def count_queries(urls: dict[str, str]) -> dict[str, dict[str, int]]:
    """SQL queries per request, in this process: page cache off (cold, then warm), then a hit.

    cold = the first request for the URL in this process (content types reloaded), warm = the
    same request again; hit = a page-cache hit (the generation lookup in the shared cache).
    """
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client(HTTP_HOST=HOST)

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in the test client")
        return len(captured.captured_queries), response.get("X-Page-Cache", "none")

    counts = {}
    for label, path in urls.items():
        with override_settings(PAGE_CACHE_ENABLED=False):
            ContentType.objects.clear_cache()
            cold, _ = queries(path)
            warm, _ = queries(path)
        queries(path)  # a miss, stored in this process's page cache
        hit, header = queries(path)
        counts[label] = {"cold": cold, "warm": warm, "hit": hit if header == "hit" else None}
    return counts


# --- The server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


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
            yield server, port
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
    """Closed-loop HTTP/1.1 load from one asyncio loop: `connections` clients, raw sockets.

    Keep-alive is used when the server allows it (gunicorn's sync workers close after each
    response, so then every request opens a new connection, as wrk does against them).
    """
    del threads  # one event loop; kept for the same signature as wrk_load
    cpu_before = time.process_time()
    load = asyncio.run(_python_load(port, path, seconds, connections))
    load.client_cpu_s = time.process_time() - cpu_before
    return load


async def _python_load(port: int, path: str, seconds: int, connections: int) -> Load:
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
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Load(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=_percentile(latencies, 50) * 1000,
        p99_ms=_percentile(latencies, 99) * 1000,
        errors=errors,
        statuses=dict(statuses),
        cache=dict(cache),
    )


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
    ratio: float | None = None


@dataclass
class Summary:
    label: str
    path: str
    rps: float
    p50_ms: float
    p99_ms: float
    ratio: float
    ratio_min: float
    ratio_max: float
    cache: dict
    statuses: dict
    errors: int
    client_cpu_pct: float
    server_cpu_pct: float | None
    goal: float | None = None
    queries: dict = field(default_factory=dict)


def measure(server, port, urls, args, load) -> list[Sample]:
    samples = []
    for round_number in range(1, args.rounds + 1):
        plain_rps = None
        for label, path in urls.items():
            load(port, path, args.warmup, args.connections, args.threads)  # warm-up, discarded
            cpu_before = server_cpu_seconds(server.pid)
            result = load(port, path, args.duration, args.connections, args.threads)
            cpu_after = server_cpu_seconds(server.pid)
            server_cpu = None
            if cpu_before is not None and cpu_after is not None:
                server_cpu = 100 * (cpu_after - cpu_before) / result.seconds
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
            )
            if label == PLAIN:
                plain_rps = sample.rps
            sample.ratio = sample.rps / plain_rps if plain_rps else None
            samples.append(sample)
            print(
                f"  round {round_number}  {label:<22} {sample.rps:8.0f} req/s"
                f"  p50 {sample.p50_ms:6.1f} ms  p99 {sample.p99_ms:6.1f} ms"
                f"  ratio {sample.ratio:5.2f}  {_counts(sample.statuses)}  "
                f"cache {_counts(sample.cache)}  cpu {sample.client_cpu_pct:.0f}/"
                f"{_pct(sample.server_cpu_pct)} %",
                flush=True,
            )
    return samples


def summarise(samples: list[Sample], urls: dict, queries: dict) -> list[Summary]:
    summaries = []
    for label, path in urls.items():
        mine = [s for s in samples if s.label == label]
        ratios = [s.ratio for s in mine if s.ratio is not None]
        server_cpu = [s.server_cpu_pct for s in mine if s.server_cpu_pct is not None]
        summaries.append(
            Summary(
                label=label,
                path=path,
                rps=statistics.median(s.rps for s in mine),
                p50_ms=statistics.median(s.p50_ms for s in mine),
                p99_ms=statistics.median(s.p99_ms for s in mine),
                ratio=statistics.median(ratios),
                ratio_min=min(ratios),
                ratio_max=max(ratios),
                cache=_sum_counts(s.cache for s in mine),
                statuses=_sum_counts(s.statuses for s in mine),
                errors=sum(s.errors for s in mine),
                client_cpu_pct=statistics.median(s.client_cpu_pct for s in mine),
                server_cpu_pct=statistics.median(server_cpu) if server_cpu else None,
                goal=GOALS.get(label),
                queries=queries.get(label, {}),
            )
        )
    return summaries


def print_table(summaries: list[Summary]):
    header = (
        f"{'url':<22} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} {'range':>11}"
        f" {'goal':>6} {'SQL cold/warm/hit':>18}  {'cpu c/s %':>9}  responses"
    )
    print(header)
    print("-" * len(header))
    for s in summaries:
        goal = ""
        if s.goal is not None:
            goal = f"{'✓' if s.ratio >= s.goal else '✗'}{s.goal:.2f}"
        q = s.queries
        sql = "/".join("-" if q.get(k) is None else str(q[k]) for k in ("cold", "warm", "hit"))
        print(
            f"{s.label:<22} {s.rps:7.0f} {s.p50_ms:7.1f} {s.p99_ms:7.1f} {s.ratio:6.2f}"
            f" {s.ratio_min:5.2f}-{s.ratio_max:<5.2f} {goal:>6} {sql:>18}"
            f"  {s.client_cpu_pct:3.0f}/{_pct(s.server_cpu_pct):>3}    "
            f"{_counts(s.statuses)}  cache {_counts(s.cache)}"
            + (f"  errors {s.errors}" if s.errors else "")
        )


def _counts(counts: dict) -> str:
    return ",".join(f"{key}:{value}" for key, value in sorted(counts.items())) or "-"


def _sum_counts(many) -> dict:
    total: Counter = Counter()
    for counts in many:
        total.update(counts)
    return dict(total)


def _pct(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def _git_commit() -> str:
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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="SQLite file to use (default: one under /tmp)")
    parser.add_argument("--reuse", action="store_true", help="use --db as is if it exists")
    parser.add_argument("--rebuild", action="store_true", help="delete and reload the database")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds measured per URL")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--output", type=Path, default=RESULTS / "pages-latest.json")
    return parser.parse_args()


def main():
    started = time.monotonic()
    args = parse_args()
    # The demo data depends on the fixtures; a database per fingerprint is reused between runs.
    if args.db is None:
        # The demo data depends on the fixtures: one database per fingerprint, reused.
        db = Path(tempfile.gettempdir()) / f"disclosure-bench-{fixtures_fingerprint()}.db"
        reuse = db.exists() and _ready_marker(db).exists() and not args.rebuild
        wipe = not reuse  # ours, and incomplete or unwanted
    else:
        db = args.db.absolute()
        reuse = args.reuse and db.exists() and not args.rebuild
        wipe = args.rebuild  # otherwise load_demo runs again over it (it is idempotent)
    env = bench_env(db, secrets.token_urlsafe(50))
    load_seconds = prepare_database(db, reuse=reuse, wipe=wipe, env=env)

    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")})
    os.environ.update({k: env[k] for k in ("BENCH_SECRET_KEY", "DJANGO_MEDIA_ROOT")})
    sys.path.insert(0, str(REPO))
    import django
    from django.conf import settings

    django.setup()
    if settings.DEBUG:
        sys.exit("the benchmark must run with DEBUG=False")
    urls, power = pick_urls()
    print(f"power page: {power}")
    print("counting SQL queries (test client, in-process)…")
    queries = count_queries(urls)

    use_wrk = args.tool == "wrk" or (args.tool == "auto" and shutil.which("wrk"))
    load = wrk_load if use_wrk else python_load
    tool = "wrk" if use_wrk else "python asyncio"
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 2)[-2]
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers, DEBUG=False, shared cache "
        f"{cache_backend}; load: {tool}, {args.connections} connections, {args.warmup} s "
        f"warm-up + {args.duration} s per URL, {args.rounds} rounds; {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    log = RESULTS / "gunicorn-latest.log"
    with gunicorn(env, workers=args.workers, worker_class=args.worker_class, log=log) as (
        server,
        port,
    ):
        for label, path in urls.items():
            status, headers, body = fetch(port, path)
            if status != 200:
                raise RuntimeError(f"{label} {path} answered {status} under gunicorn")
            print(f"  {label:<22} {path}  {len(body):,} bytes")
        samples = measure(server, port, urls, args, load)
    summaries = summarise(samples, urls, queries)
    elapsed = time.monotonic() - started

    print()
    print_table(summaries)
    print(
        f"\nratio = req/s ÷ req/s of {urls[PLAIN]} in the same round (median of "
        f"{args.rounds}); SQL = queries per request (page cache off: cold, warm; page-cache "
        f"hit). Took {elapsed:.0f} s (database {load_seconds:.0f} s)."
    )
    report = {
        "when": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": {"cpus": os.cpu_count(), "load_average_end": os.getloadavg()},
        "config": {
            "tool": tool,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "workers": args.workers,
            "worker_class": args.worker_class,
            "shared_cache": cache_backend,
            "database": str(db),
        },
        "summary": [asdict(s) for s in summaries],
        "samples": [asdict(s) for s in samples],
        "elapsed_s": round(elapsed, 1),
        "database_load_s": round(load_seconds, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    shown = args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output
    print(f"written to {shown}")


def _terminate(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through the finally blocks: gunicorn is stopped


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
