"""Cases at scale: a million generated cases on PostgreSQL, the lists and lookups over them.

Run from the repository root:  python -m bench.cases   (`--help` lists the options). A full run
takes about 15 minutes: PostgreSQL database built (2 min), 1,000,000 cases generated, queries;
then SQLite with 100,000 cases.

What it measures, each beside a baseline measured in the same run:
  generate    `manage.py generate_demo_cases`' fast path (demo.cases.generate_cases) writing
              --count cases with their steps, events, clock stops and materials, in --processes
              processes at once; baseline: the same number of rows, of four plain columns,
              COPYed (SQLite: inserted) into a bare table by as many processes. Issue goal:
              1,000,000 cases (≈ 4.5 million step rows) in ≤ 10 minutes.
  selectors   in-process, through cases.selectors and cases.services, p50/p95 over --queries
              calls: 办件公示 of one department (public_cases(department=…), first page of 20,
              and page 50), a power's figures (power_figures), the lookup by number and password
              (case_lookup); baseline: one case fetched by its primary key.
  http        live (page cache off), gunicorn beside the plain view in interleaved rounds: the
              power page (with its case figures once the hall shows them; goal ≥ 0.25 of the
              plain view), /cases/?dept= (goal p95 ≤ 50 ms), /cases/lookup/ POST (goal p95 ≤
              50 ms), the API ingest (8 clients, 10% of pushes retried, ≥ 2,000 events/s, none
              lost or duplicated). A part whose endpoint this branch does not have yet is
              skipped with a message saying so.
The PostgreSQL database (name containing "bench") is created, and dropped at the end unless
--keep. Writes bench/results/cases-latest.json.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.harness import PLAIN, PLAIN_PATH, REPO, RESULTS
from bench.harness import load as loads
from bench.harness.database import (
    bench_env,
    copy_sqlite,
    prepare_postgres,
    prepare_sqlite,
    sqlite_database,
    temporary,
    wipe_sqlite,
)
from bench.harness.report import header, number, pad, write_report
from bench.harness.runner import (
    add_output_option,
    add_phase_options,
    parser_for,
    run,
    run_child_phase,
    run_phase,
)
from bench.harness.stats import distribution

MODULE = "bench.cases"
PG_URL = "postgresql://postgres@127.0.0.1:5432/disclosure_bench_cases"
GOALS = {"generate_s": 600, "list_p95_ms": 50, "lookup_p95_ms": 50, "power_ratio": 0.25,
         "ingest_events_s": 2000}  # fmt: skip
BARE = "bench_bare_rows"


# --- phases (child processes, Django set up on the run's database) ---------------------------


def phase_staff(args) -> dict:
    """The demo's posts and staff (every step has a holder), as `make setup` makes them."""
    from django.core.management import call_command

    from demo.users import demo_users_ensure

    call_command("setup_review", stdout=open(os.devnull, "w"))  # noqa: SIM115 (the groups)
    demo_users_ensure()
    return {}


def phase_generate(args) -> dict:
    from demo.cases import generate_cases

    made = generate_cases(args.count, seed=args.seed, part=(args.part, args.parts),
                          batch=args.batch, samples=50)  # fmt: skip
    return {"cases": made.cases, "rows": made.rows, "seconds": made.seconds,
            "samples": made.samples}  # fmt: skip


def phase_bare(args) -> dict:
    """The baseline: `count` rows of four plain columns into a bare table, as fast as the
    database takes them from Python (COPY on PostgreSQL, executemany on SQLite)."""
    import datetime

    from django.db import connection, transaction

    started = time.monotonic()
    now = datetime.datetime.now(datetime.UTC)
    rng = random.Random(args.part)  # noqa: S311
    batch = 50000
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BARE} (id bigint PRIMARY KEY, case_id bigint, "
            "name varchar(100), at timestamp with time zone)"
        )
    for first in range(args.part * args.count, (args.part + 1) * args.count, batch):
        last = min(first + batch, (args.part + 1) * args.count)
        rows = [(n, n // 5, f"环节{rng.randrange(9)}", now) for n in range(first, last)]
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {BARE} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                values = [(a, b, c, d.isoformat(" ")) for a, b, c, d in rows]
                cursor.executemany(f"INSERT INTO {BARE} VALUES (%s, %s, %s, %s)", values)  # noqa: S608
    return {"rows": args.count, "seconds": time.monotonic() - started}


def phase_analyze(args) -> dict:
    from django.db import connection

    from cases.models import Case, CaseEvent, CaseStep

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
            cursor.execute(f"DROP TABLE IF EXISTS {BARE}")
        else:
            cursor.execute(f"DROP TABLE IF EXISTS {BARE}")
            cursor.execute("ANALYZE")
    return {"cases": Case.objects.count(), "steps": CaseStep.objects.count(),
            "events": CaseEvent.objects.count()}  # fmt: skip


def phase_selectors(args) -> dict:
    """p50/p95 (ms) of the selectors' reads over the generated cases, and the baseline."""
    from django.core.cache import cache
    from django.db.models import Count, Max, Min

    from cases import selectors, services
    from cases.models import Case
    from catalogue.models import DepartmentPage, PowerPage

    rng = random.Random(1)  # noqa: S311
    samples = [tuple(pair) for pair in json.loads(args.samples)]
    departments = list(DepartmentPage.objects.filter(
        pk__in=Case.objects.values("department_id").annotate(n=Count("id")).values(
            "department_id")))  # fmt: skip
    busiest = Case.objects.values("power_id").annotate(n=Count("id")).order_by("-n").first()
    power = PowerPage.objects.get(pk=busiest["power_id"])
    bounds = Case.objects.aggregate(low=Min("id"), high=Max("id"))

    def timed(function):
        times = []
        for _ in range(args.queries):
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
        return distribution(times)

    def lookup():
        case_no, password = rng.choice(samples)
        cache.clear()  # the lookup's counters: a bench is not a guesser
        if services.case_lookup(case_no, password, ip="127.0.0.1") is None:
            raise RuntimeError(f"lookup of {case_no} failed")

    results = {
        "baseline: one case by id": timed(lambda: Case.objects.filter(
            pk=rng.randint(bounds["low"], bounds["high"])).only("id", "case_no").first()),
        "办件公示, one department, page 1": timed(lambda: list(selectors.public_cases(
            department=rng.choice(departments))[:20])),
        "办件公示, one department, page 50": timed(lambda: list(selectors.public_cases(
            department=rng.choice(departments))[980:1000])),
        "办件公示, all, count": timed(lambda: selectors.public_cases().count()),
        "power figures (this year)": timed(lambda: selectors.power_figures(power)),
        "lookup (number + password)": timed(lookup),
    }  # fmt: skip
    return {"power": power.code, "results": results}


def phase_urls(args) -> dict:
    """Which of the parts measured over HTTP this branch has, and what they would load."""
    from django.db.models import Count
    from django.test import Client

    from cases.models import Case
    from catalogue.models import DepartmentPage, PowerPage

    client = Client(HTTP_HOST="127.0.0.1")

    def present(path):
        """Answered by a view of its own (the hall's pages answer anything else with 404)."""
        return client.get(path).status_code != 404

    busiest = Case.objects.values("power_id").annotate(n=Count("id")).order_by("-n").first()
    power = PowerPage.objects.get(pk=busiest["power_id"])
    department = DepartmentPage.objects.get(pk=power.get_parent().pk)
    return {
        "power": power.get_url_parts()[2],
        "list": f"/cases/?dept={department.code}" if present("/cases/") else None,
        "lookup": "/cases/lookup/" if present("/cases/lookup/") else None,
        "ingest": "/api/v3/cases/" if present("/api/v3/cases/") else None,
    }


PHASES = {"staff": phase_staff, "generate": phase_generate, "bare": phase_bare,
          "analyze": phase_analyze, "selectors": phase_selectors, "urls": phase_urls}  # fmt: skip


# --- the run (parent process, no Django) -----------------------------------------------------


def parallel(phase: str, env: dict, processes: int, **options) -> tuple[float, list[dict]]:
    """Run `phase` in `processes` child processes at once (part k of n); wall seconds and
    what each returned."""
    return parallel_module(MODULE, phase, env, processes, **options)


def parallel_module(module: str, phase: str, env: dict, processes: int,
                    **options) -> tuple[float, list[dict]]:  # fmt: skip
    """`parallel` for another benchmark's phases (`python -m module --phase …`)."""
    outputs, children = [], []
    started = time.monotonic()
    for part in range(processes):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
            outputs.append(Path(handle.name))
        command = [sys.executable, "-m", module, "--phase", phase, "--phase-output",
                   str(outputs[-1]), "--part", str(part), "--parts", str(processes)]  # fmt: skip
        for name, value in options.items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        children.append(subprocess.Popen(command, cwd=REPO, env=env))
    try:
        codes = [child.wait() for child in children]
        if any(codes):
            raise RuntimeError(f"{phase}: a process failed ({codes})")
        return time.monotonic() - started, [json.loads(p.read_text()) for p in outputs]
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for path in outputs:
            path.unlink(missing_ok=True)


def scale(env: dict, count: int, processes: int, args) -> dict:
    """Generate `count` cases in `processes` processes, then the baseline with as many rows."""
    run_phase(MODULE, "staff", env)
    share = [count // processes + (k < count % processes) for k in range(processes)]
    print(f"  generating {count:,} cases in {processes} processes…", flush=True)
    wall, parts = parallel("generate", env, processes, count=max(share), seed=args.seed,
                           batch=args.batch)  # fmt: skip
    rows: dict[str, int] = {}
    for part in parts:
        for table, value in part["rows"].items():
            rows[table] = rows.get(table, 0) + value
    total = sum(rows.values())
    print(f"    {wall:.0f} s, {total:,} rows ({', '.join(f'{t} {n:,}' for t, n in rows.items())})")
    print(f"  baseline: {total:,} bare rows in {processes} processes…", flush=True)
    bare_wall, _bare = parallel("bare", env, processes, count=total // processes)
    print(f"    {bare_wall:.0f} s")
    counted = run_phase(MODULE, "analyze", env)
    samples = [pair for part in parts for pair in part["samples"]]
    print(f"  selectors ({args.queries} calls each)…", flush=True)
    selectors = run_phase(MODULE, "selectors", env, queries=args.queries,
                          samples=json.dumps(samples[:200]))  # fmt: skip
    return {"cases": sum(p["cases"] for p in parts), "rows": rows, "rows_total": total,
            "generate_s": wall, "bare_s": bare_wall, "counted": counted,
            "selectors": selectors, "samples": samples[:5],
            "lookup_samples": samples[:200]}  # fmt: skip


def sequential_gets(port: int, path: str, *, count: int) -> dict:
    """One citizen at a time: the latency of a page with nobody else waiting."""
    import http.client

    from bench.harness import HOST
    from bench.harness.stats import distribution

    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    result = distribution(times)
    print(f"  {path} one client: p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms")
    return result


def lookup_load(port: int, path: str, samples, *, seconds: int, clients: int = 8) -> dict:
    """/cases/lookup/ as citizens use it: each client fetches the form (its CSRF cookie and
    token), then posts case numbers and passwords of generated cases, each from its own address
    (X-Forwarded-For through a trusted proxy: the per-address limits are the citizens')."""
    import http.client
    import re
    import threading
    from urllib.parse import urlencode

    from bench.harness import HOST
    from bench.harness.stats import distribution

    times, failures, lock = [], [], threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int):
        rng = random.Random(number)  # noqa: S311
        connection = http.client.HTTPConnection(HOST, port, timeout=10)
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode()
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        while time.monotonic() < deadline:
            case_no, password = rng.choice(samples)
            form = urlencode({"csrfmiddlewaretoken": token, "case_no": case_no,
                              "verifier": password})  # fmt: skip
            address = f"10.{number}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            started = time.perf_counter()
            connection.request("POST", path, form, {
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                "X-Forwarded-For": address, "Referer": f"http://{HOST}:{port}{path}"})  # fmt: skip
            reply = connection.getresponse()
            text = reply.read().decode()
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if reply.status == 200 and case_no in text and "lookup-result" in text:
                    times.append(elapsed)
                else:
                    failures.append(reply.status)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = distribution(times)
    result["failures"] = len(failures)
    print(
        f"  /cases/lookup/ POST: {result['n']} answers, p50 {result.get('p50', 0):.1f} ms, "
        f"p95 {result.get('p95', 0):.1f} ms, failures {len(failures)}"
    )
    return result


def http_parts(env: dict, args) -> dict:
    """The live parts: each measured when this branch has its endpoint, skipped otherwise."""
    from bench.harness.rounds import interleaved, measure, summarise
    from bench.harness.server import fetch, gunicorn

    urls = run_phase(MODULE, "urls", env)
    found = {"skipped": {}}
    for part, why in (("list", "/cases/ (办件公示, the hall's views)"),
                      ("lookup", "/cases/lookup/ (the hall's views)"),
                      ("ingest", "POST /api/v3/cases/ (the api helper's router)")):  # fmt: skip
        if urls[part] is None:
            found["skipped"][part] = f"{why} is not in this branch yet"
    # The API ingest is measured by bench.case_ingest (8 clients, retries, counted afterwards).
    if urls["ingest"] is not None:
        found["skipped"]["ingest"] = "measured by python -m bench.case_ingest"
    for part, why in found["skipped"].items():
        print(f"  skipped {part}: {why}")
    gets = {PLAIN: PLAIN_PATH, "power page": urls["power"]}
    if urls["list"]:
        gets["/cases/ one department"] = urls["list"]
    env = {**env, "BENCH_PAGE_CACHE": "off"}
    load, threads, tool = loads.choose("auto", threads=2, workers=args.workers)
    log = RESULTS / "gunicorn-cases-latest.log"
    with gunicorn(env, workers=args.workers, worker_class="sync", log=log) as server:
        for label, path in gets.items():
            status, _headers, _body = fetch(server.port, path)
            if status != 200:
                raise RuntimeError(f"{label} {path} answered {status}")

        def measure_one(label, round_number):
            return measure(server, label, gets[label], round_number, load, seconds=args.duration,
                           warmup=1, connections=8, threads=threads)  # fmt: skip

        samples = interleaved(args.rounds, [label for label in gets if label != PLAIN],
                              measure_one)  # fmt: skip
        if urls["list"]:
            found["list_one_client"] = sequential_gets(server.port, urls["list"],
                                                       count=args.queries)  # fmt: skip
        if urls["lookup"] and args.samples_for_lookup:
            seconds = args.duration * args.rounds
            found["lookup_one_client"] = lookup_load(server.port, urls["lookup"],
                                                     args.samples_for_lookup, seconds=seconds,
                                                     clients=1)  # fmt: skip
            found["lookup"] = lookup_load(server.port, urls["lookup"], args.samples_for_lookup,
                                          seconds=seconds)  # fmt: skip
    # The power page as citizens get it: from the page cache (its case figures included),
    # which a change of the power or of one of its cases invalidates.
    cached_gets = {PLAIN: PLAIN_PATH, "power page (page cache)": urls["power"]}
    with gunicorn({**env, "BENCH_PAGE_CACHE": "on"}, workers=args.workers, worker_class="sync",
                  log=log) as server:  # fmt: skip
        fetch(server.port, urls["power"])

        def measure_cached(label, round_number):
            return measure(server, label, cached_gets[label], round_number, load,
                           seconds=args.duration, warmup=1, connections=8,
                           threads=threads)  # fmt: skip

        cached = interleaved(args.rounds, ["power page (page cache)"], measure_cached)
    found["tool"] = tool
    found["summary"] = [
        {"label": s.label, "path": s.path, "rate": s.rate, "ratio": s.ratio, "p50_ms": s.p50_ms,
         "p95_ms": s.p95_ms, "ratios": s.ratios}
        for s in summarise(samples, {}) + summarise(
            cached, {"power page (page cache)": GOALS["power_ratio"]})
    ]  # fmt: skip
    return found


def postgres(args) -> dict:
    url = args.pg_url
    env = bench_env(url)
    print(f"PostgreSQL: {url} (created for this run)")
    built = prepare_postgres(url, env, rebuild=True)
    try:
        result = scale(env, args.count, args.processes, args)
        result["database_s"] = built.get("total_s")
        if not args.no_http:
            args.samples_for_lookup = [tuple(pair) for pair in result.pop("lookup_samples")]
            # The lookup's clients come through a "proxy" that names each citizen's address.
            result["http"] = http_parts({**env, "TRUSTED_PROXIES": "127.0.0.1"}, args)
        return result
    finally:
        if not args.keep:
            _drop(url)


def sqlite(args) -> dict:
    db = sqlite_database(kind="cases")
    env = bench_env(db.path)
    prepare_sqlite(db, env)
    scratch = temporary(f"disclosure-bench-cases-scratch-{os.getpid()}.db")
    copy_sqlite(db.path, scratch)
    print(f"SQLite: a copy, {scratch}")
    try:
        result = scale(bench_env(scratch, media=env["DJANGO_MEDIA_ROOT"]), args.sqlite_count, 1,
                       args)  # fmt: skip
        result.pop("lookup_samples", None)
        return result
    finally:
        wipe_sqlite(scratch)


def _drop(url: str):
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        name = parts.path.lstrip("/")
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))  # fmt: skip
    print(f"  dropped {url}")


def print_tables(report: dict):
    print()
    head = (f"{'':<12} {'cases':>10} {'rows':>11} {'seconds':>8} {'rows/s':>9} "
            f"{'baseline s':>10} {'ratio':>6} {'goal':>9}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for name in ("postgresql", "sqlite"):
        r = report.get(name)
        if not r:
            continue
        goal = ""
        if name == "postgresql" and r["cases"] >= 1_000_000:
            goal = f"{'✓' if r['generate_s'] <= GOALS['generate_s'] else '✗'}≤600 s"
        print(f"{name:<12} {r['cases']:>10,} {r['rows_total']:>11,} {r['generate_s']:>8.0f} "
              f"{r['rows_total'] / r['generate_s']:>9,.0f} {r['bare_s']:>10.0f} "
              f"{r['generate_s'] / r['bare_s']:>6.1f} {goal:>9}")  # fmt: skip
    print("ratio: the generator's seconds ÷ the bare-table baseline's, same rows, same processes")
    for name in ("postgresql", "sqlite"):
        r = report.get(name)
        if not r:
            continue
        print(f"\nselectors on {name} ({r['cases']:,} cases; ms over "
              f"{next(iter(r['selectors']['results'].values()))['n']} calls)")  # fmt: skip
        results = r["selectors"]["results"]
        base = next(iter(results.values()))
        print(f"{pad('', 36)} {'p50':>7} {'p95':>7} {'p95 ÷ baseline':>15}")
        for label, d in results.items():
            print(
                f"{pad(label, 36)} {d['p50']:7.2f} {d['p95']:7.2f} {d['p95'] / base['p95']:15.1f}"
            )
        http = r.get("http")
        if http:
            print(f"\nlive on {name}, page cache off ({http['tool']}); ratio to {PLAIN_PATH}")
            for s in http["summary"]:
                print(f"{pad(s['label'], 26)} {s['rate']:8.1f} req/s  ratio {number(s['ratio'])}"
                      f"  p50 {s['p50_ms']:6.1f}  p95 {s['p95_ms']:6.1f} ms  "
                      f"{' '.join(f'{x:.2f}' for x in s['ratios'])}")  # fmt: skip
            for key, label in (("list_one_client", "/cases/?dept= 1 client"),
                               ("lookup_one_client", "lookup POST 1 client"),
                               ("lookup", "lookup POST 8 clients")):  # fmt: skip
                if http.get(key):
                    got = http[key]
                    failures = f", {got['failures']} failures" if "failures" in got else ""
                    print(f"{pad(label, 26)} p50 {got['p50']:.1f} ms, p95 {got['p95']:.1f} ms "
                          f"({got['n']} answers{failures}; goal p95 ≤ 50 ms)")  # fmt: skip
            for part, why in http["skipped"].items():
                print(f"{pad(part, 26)} skipped: {why}")


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--count", type=int, default=1_000_000, help="cases on PostgreSQL")
    parser.add_argument("--sqlite-count", type=int, default=100_000, help="cases on SQLite")
    parser.add_argument("--processes", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                        help="generator processes on PostgreSQL")  # fmt: skip
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--queries", type=int, default=300, help="calls per selector")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--no-http", action="store_true", help="no live (gunicorn) part")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    # The phases' own options.
    parser.add_argument("--part", type=int, default=0, help=argparse_hidden())
    parser.add_argument("--parts", type=int, default=1, help=argparse_hidden())
    parser.add_argument("--samples", default="[]", help=argparse_hidden())
    add_phase_options(parser, PHASES)
    add_output_option(parser, "cases-latest.json")
    args = parser.parse_args()
    if args.phase:
        return run_child_phase(args, PHASES)

    started, report = time.monotonic(), header()
    report["goals"] = GOALS
    if not args.skip_postgres:
        report["postgresql"] = postgres(args)
    if not args.skip_sqlite:
        report["sqlite"] = sqlite(args)
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    print_tables(report)
    print(f"\nTook {report['elapsed_s']:.0f} s.")
    write_report(report, args.output, "cases-latest.json")
    return 0


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    run(main)
