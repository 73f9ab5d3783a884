"""The whole run for a set of URLs served by gunicorn, beside the plain view: bench.pages and
bench.api_reads are this run, each with its own URLs, goals and report name.

  1. Prepares its own SQLite database with the demo catalogue (harness.database; --db PATH
     [--reuse], --rebuild).
  2. Counts SQL queries per request in-process with Django's test client: with the page cache
     off, the first request for the URL in the process ("cold") and the same again ("warm"),
     then a page-cache hit.
  3. Starts gunicorn (--workers 2 sync workers, DEBUG=False, bench/settings.py) on 127.0.0.1
     and checks that every URL answers 200.
  4. Loads each URL with a closed-loop generator (wrk if installed, else the built-in asyncio
     client): --warmup 1 s, then --duration 5 s with --connections 8, in --rounds 3
     interleaved rounds with the plain view (harness.rounds).
  5. Prints a table and writes it, with every sample, to bench/results/<name>-latest.json
     (<name>-page-cache-off-latest.json with --page-cache off).
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict

from bench.harness import HOST, PLAIN, PLAIN_PATH, RESULTS
from bench.harness import load as loads
from bench.harness.database import bench_env, prepare_sqlite, setup_django, sqlite_database
from bench.harness.report import counts, header, write_report
from bench.harness.rounds import Summary, interleaved, measure, print_table, summarise
from bench.harness.runner import (
    add_database_options,
    add_output_option,
    add_server_options,
    parser_for,
)
from bench.harness.server import fetch, gunicorn


def parse_args(doc: str, name: str):
    parser = parser_for(doc)
    add_database_options(parser)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5, help="seconds measured per URL")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per URL")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--threads", type=int, default=2, help="wrk threads, or processes of the Python client"
    )
    add_server_options(parser)
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument(
        "--page-cache",
        choices=["on", "off"],
        default="on",
        help="off: gunicorn renders every page (what a reader gets right after a publish)",
    )
    parser.add_argument("--sql", action="store_true", help="print the SQL of every page too")
    add_output_option(parser, f"{name}-latest.json")
    return parser.parse_args()


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
            for index, query in enumerate(captured.captured_queries, 1):
                print(f"{index:3}. {query['sql'][:300]}")
        return len(captured.captured_queries), response.get("X-Page-Cache", "none")

    found = {}
    for label, path in urls.items():
        with override_settings(PAGE_CACHE_ENABLED=False):
            ContentType.objects.clear_cache()
            cold, _ = queries(path)
            warm, _ = queries(path, show=show)
        queries(path)  # a miss, stored in this process's page cache
        hit, cache = queries(path)
        found[label] = {"cold": cold, "warm": warm, "hit": hit if cache == "hit" else None}
    return found


def problems(summaries: list[Summary], page_cache: str) -> list[str]:
    """What makes the figures suspect: non-200 answers, socket errors, pages not from cache."""
    found = []
    for s in summaries:
        total = sum(s.statuses.values())
        if s.statuses.get("200", 0) != total or s.errors:
            found.append(f"{s.label}: responses {counts(s.statuses)}, {s.errors} socket errors")
        hits = s.cache.get("hit", 0)
        # Searches are logged; files (a chart's PNG, a guide's PDF) are kept in the shared cache.
        never_cached = s.path.startswith(("/_util/", "/api/v3/search/")) or s.path.endswith(
            (".png", ".pdf")
        )
        if page_cache == "on" and not never_cached and hits < 0.99 * total:
            found.append(f"{s.label}: only {hits} of {total} responses were page-cache hits")
    return found


def main(*, doc: str, pick, goals: dict, name: str) -> int:
    """The run. pick() returns the URLs (label -> path; the plain view first, labelled PLAIN)
    and a line about what was picked; goals: label -> the ratio the issue asks for."""
    started, report = time.monotonic(), header()
    args = parse_args(doc, name)
    db = sqlite_database(args.db, rebuild=args.rebuild, reuse=args.reuse)
    env = bench_env(db.path)
    built = prepare_sqlite(db, env)
    settings = setup_django(env)

    urls, about = pick()
    if next(iter(urls)) != PLAIN or urls[PLAIN] != PLAIN_PATH:
        raise RuntimeError(f"the first URL must be the plain view {PLAIN_PATH}")
    print(f"measured: {about}")
    print("counting SQL queries (test client, in-process)…")
    queries = count_queries(urls, show=args.sql)

    load, args.threads, tool = loads.choose(args.tool, threads=args.threads, workers=args.workers)
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 2)[-2]
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers, DEBUG=False, page cache "
        f"{args.page_cache}, shared cache {cache_backend}; load: {tool}, {args.connections} "
        f"connections, {args.warmup} s warm-up + {args.duration} s per URL, {args.rounds} "
        f"rounds; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    env["BENCH_PAGE_CACHE"] = args.page_cache  # the server only; count_queries sets its own
    log = RESULTS / f"gunicorn-{name}-latest.log"
    with gunicorn(env, workers=args.workers, worker_class=args.worker_class, log=log) as server:
        for label, path in urls.items():
            status, _headers, body = fetch(server.port, path)
            if status != 200:
                raise RuntimeError(f"{label} {path} answered {status} under gunicorn")
            print(f"  {label:<22} {path}  {len(body):,} bytes")

        def measure_one(label, round_number):
            return measure(
                server,
                label,
                urls[label],
                round_number,
                load,
                seconds=args.duration,
                warmup=args.warmup,
                connections=args.connections,
                threads=args.threads,
            )

        samples = interleaved(args.rounds, [u for u in urls if u != PLAIN], measure_one)
    summaries = summarise(samples, goals)
    elapsed = time.monotonic() - started

    print()
    print_table(summaries, column=("SQL", 8, lambda s: _sql(queries.get(s.label, {}))))
    print(
        f"\nratio: req/s ÷ req/s of {PLAIN_PATH} around the same round, median of "
        f"{args.rounds} rounds; cpu: the same ratio from gunicorn's CPU time per request "
        f"(ms cpu), which background load disturbs less. SQL: queries per request, page cache "
        f"off (cold/warm), and on a page-cache hit. cpu c/s: % of one core used by the load "
        f"generator / gunicorn. Took {elapsed:.0f} s (database {built.get('total_s', 0):.0f} s)."
    )
    warnings = problems(summaries, args.page_cache)
    for warning in warnings:
        print(f"WARNING {warning}")

    report |= {
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
            "database": str(db.path),
        },
        "measured": about,
        "queries": queries,
        "summary": [asdict(s) for s in summaries],
        "samples": [asdict(s) for s in samples],
        "warnings": warnings,
        "elapsed_s": round(elapsed, 1),
        "database": built,
    }
    suffix = "latest" if args.page_cache == "on" else "page-cache-off-latest"
    write_report(report, args.output, f"{name}-{suffix}.json")
    return 1 if warnings else 0


def _sql(found: dict) -> str:
    return "/".join("-" if found.get(k) is None else str(found[k]) for k in ("cold", "warm", "hit"))
