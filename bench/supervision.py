"""电子监察 at scale on PostgreSQL: the sweep over every open case, the dashboard, and what
raising a warning adds to the case event that caused it.

Run from the repository root:  python -m bench.supervision   (`--help` lists the options). A
full run takes about 15 minutes on 2 CPUs (most of it generating the cases).

What it does: builds a throw-away PostgreSQL database (name containing "bench") with the demo
catalogue and staff, generates --count cases over 12 months (the cases benchmark's million)
and --open more accepted in the last days (so that at least 100,000 cases are open), then:
  history     the warnings the generated history would have raised (late steps and cases,
              repeated 补正), set-based (supervision.alerts.alerts_for_history);
  sweep       supervision.sweep.sweep() over every open case: the first run (raises), the
              second (raises nothing new); baseline: reading every open case's id, state and
              due date once. Goal: ≤ 60 s.
  event       step completions through cases.services.step_complete, in-process, with the
              warnings' receiver connected and disconnected in alternating rounds (the same
              kind of cases): the milliseconds the checks add per event. Goal: ≤ 5 ms.
  dashboard   GET /admin/supervision/ and /admin/supervision/alerts/?level=red as the legal
              office (in-process, Django's test client), p50/p95 over --queries requests;
              baseline: the plain view through the same middleware. Goal: p95 ≤ 100 ms.
  performance every department evaluated for the last complete quarter (goal ≤ 30 s); then
              /performance/ for anonymous visitors from the page cache beside the plain view
              (in-process: the share of the plain view's speed it keeps).
Writes bench/results/supervision-latest.json; the database is dropped unless --keep.
"""

from __future__ import annotations

import os
import statistics
import time
import urllib.parse

from bench.harness import PLAIN_PATH
from bench.harness.database import bench_env, prepare_postgres
from bench.harness.report import header, write_report
from bench.harness.runner import (
    add_output_option,
    add_phase_options,
    parser_for,
    run,
    run_child_phase,
    run_phase,
)
from bench.harness.stats import distribution

MODULE = "bench.supervision"
PG_URL = "postgresql://postgres@127.0.0.1:5432/disclosure_bench_supervision"
GOALS = {"sweep_s": 60, "event_added_ms": 5, "dashboard_p95_ms": 100, "open_cases": 100_000}


# --- phases -----------------------------------------------------------------------------------


def phase_staff(args) -> dict:
    from django.core.management import call_command

    from demo.users import demo_users_ensure

    call_command("setup_review", stdout=open(os.devnull, "w"))  # noqa: SIM115
    demo_users_ensure()
    return {}


def phase_generate(args) -> dict:
    from demo.cases import generate_cases

    made = generate_cases(args.count, months=args.months, seed=args.seed, first=args.first,
                          part=(args.part, args.parts), batch=5000, samples=0)  # fmt: skip
    return {"cases": made.cases, "seconds": made.seconds}


def phase_analyze(args) -> dict:
    from django.db import connection

    from cases.models import OPEN_STATES, Case

    with connection.cursor() as cursor:
        # What autovacuum does on a server: statistics, and the visibility map that lets the
        # dashboard count open warnings from the index alone.
        cursor.execute("VACUUM ANALYZE")
    return {"cases": Case.objects.count(),
            "open": Case.objects.filter(state__in=OPEN_STATES).count()}  # fmt: skip


def phase_history(args) -> dict:
    from cases.models import Case
    from supervision.alerts import alerts_for_history

    started = time.perf_counter()
    raised = alerts_for_history(Case.objects.filter(generated=True))
    return {"seconds": time.perf_counter() - started, "raised": raised}


def phase_sweep(args) -> dict:
    from cases.models import OPEN_STATES, Case
    from supervision.models import Alert
    from supervision.sweep import sweep

    started = time.perf_counter()
    rows = list(Case.objects.filter(state__in=OPEN_STATES).values_list("id", "state", "due_on"))
    baseline = time.perf_counter() - started
    first = sweep()
    second = sweep()
    return {"open_cases": len(rows), "baseline_s": baseline, "first_s": first.seconds,
            "first_raised": first.raised, "first_cleared": first.cleared,
            "second_s": second.seconds, "second_raised": second.total_raised,
            "open_alerts": Alert.objects.open().count(),
            "alerts": Alert.objects.count()}  # fmt: skip


def phase_event(args) -> dict:
    """Complete the current step of running cases, alternately with and without the warnings'
    receiver; the same number of events each way."""
    from django.contrib.auth import get_user_model

    from cases import services, signals
    from cases.models import Case, State
    from cases.services import Actor
    from supervision.alerts import on_events_recorded

    User = get_user_model()
    running = list(
        Case.objects.filter(state=State.IN_PROGRESS, generated=True)
        .select_related("department")
        .order_by("?")[: args.events * 2]
    )  # fmt: skip
    holders = {}

    def actor_for(case):
        step = case.current
        if step is None:
            return None
        key = (case.department_id, step.posts)
        if key not in holders:
            holders[key] = User.objects.filter(
                posts__department_id=case.department_id, posts__name__in=step.post_names
            ).first()  # fmt: skip
        user = holders[key]
        return Actor(user=user) if user else None

    timings = {"on": [], "off": []}
    for index, case in enumerate(running):
        mode = "on" if index % 2 == 0 else "off"
        actor = actor_for(case)
        if actor is None or case.current_step == len(case.steps_list) - 1:
            continue
        if mode == "off":
            signals.events_recorded.disconnect(dispatch_uid="supervision")
        try:
            started = time.perf_counter()
            services.step_complete(case, actor=actor, position=case.current_step, opinion="同意")
            timings[mode].append((time.perf_counter() - started) * 1000)
        except Exception:  # noqa: BLE001, S112 (a case the services refuse: not timed)
            continue
        finally:
            if mode == "off":
                signals.events_recorded.connect(on_events_recorded, dispatch_uid="supervision")
    on, off = distribution(timings["on"]), distribution(timings["off"])
    return {
        "with": on,
        "without": off,
        "added_median_ms": on["p50"] - off["p50"],
        "added_mean_ms": statistics.mean(timings["on"]) - statistics.mean(timings["off"]),
    }


def phase_dashboard(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username="fzb-reviewer"))
    paths = {"dashboard": "/admin/supervision/", "red": "/admin/supervision/alerts/?level=red",
             "plain": PLAIN_PATH}  # fmt: skip
    times = {name: [] for name in paths}
    for path in paths.values():  # warm up
        if client.get(path).status_code != 200:
            raise RuntimeError(f"{path} did not answer 200")
    for _ in range(args.queries):
        for name, path in paths.items():
            started = time.perf_counter()
            client.get(path)
            times[name].append((time.perf_counter() - started) * 1000)
    return {name: distribution(values) for name, values in times.items()}


def phase_performance(args) -> dict:
    """Evaluating every department for the last complete quarter (computed afresh), then the
    page /performance/ from the page cache beside the plain view (anonymous, in-process)."""
    from django.test import Client
    from django.utils import timezone

    from supervision.models import Evaluation
    from supervision.performance import Period, evaluate, evaluation_for

    quarter = Period.last_complete("quarter", timezone.localdate())
    Evaluation.objects.filter(period=quarter.param).delete()
    started = time.perf_counter()
    results = evaluate(quarter)
    evaluate_s = time.perf_counter() - started
    evaluation_for(quarter)  # kept, as the daily sweep leaves it
    client = Client(HTTP_HOST="127.0.0.1")
    first = time.perf_counter()
    cold = client.get("/performance/")
    cold_ms = (time.perf_counter() - first) * 1000
    if cold.status_code != 200:
        raise RuntimeError(f"/performance/ answered {cold.status_code}")
    times = {"cached": [], "plain": []}
    hits = 0
    for _ in range(args.queries):
        for name, path in (("cached", "/performance/"), ("plain", PLAIN_PATH)):
            began = time.perf_counter()
            response = client.get(path)
            times[name].append((time.perf_counter() - began) * 1000)
            hits += name == "cached" and response.get("X-Page-Cache") == "hit"
    return {"quarter": quarter.param, "departments": len(results), "evaluate_s": evaluate_s,
            "page_cold_ms": cold_ms, "hits": hits,
            **{name: distribution(values) for name, values in times.items()}}  # fmt: skip


PHASES = {"staff": phase_staff, "generate": phase_generate, "analyze": phase_analyze,
          "history": phase_history, "sweep": phase_sweep, "event": phase_event,
          "dashboard": phase_dashboard, "performance": phase_performance}  # fmt: skip


# --- the run ----------------------------------------------------------------------------------


def generate(env, count, months, processes, seed, first=0) -> float:
    """`count` cases in `processes` processes; their indices (system numbers) from `first`."""
    from bench.cases import parallel_module

    share = max(1, count // processes)
    wall, _parts = parallel_module(MODULE, "generate", env, processes, count=share,
                                   months=months, seed=seed, first=first)  # fmt: skip
    return wall


def main() -> int:
    parser = parser_for(__doc__)
    parser.add_argument("--count", type=int, default=1_000_000, help="cases over 12 months")
    parser.add_argument("--open", type=int, default=150_000, help="more cases of the last days")
    parser.add_argument("--processes", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    parser.add_argument("--events", type=int, default=400, help="step completions each way")
    parser.add_argument("--queries", type=int, default=100, help="requests per page")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database as it is")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--part", type=int, default=0, help=argparse_hidden())
    parser.add_argument("--parts", type=int, default=1, help=argparse_hidden())
    parser.add_argument("--months", type=float, default=12, help=argparse_hidden())
    parser.add_argument("--first", type=int, default=0, help=argparse_hidden())
    add_phase_options(parser, PHASES)
    add_output_option(parser, "supervision-latest.json")
    args = parser.parse_args()
    if args.phase:
        return run_child_phase(args, PHASES)

    report = header()
    report["goals"] = GOALS
    env = bench_env(args.pg_url)
    started = time.monotonic()
    try:
        if not args.reuse:
            prepare_postgres(args.pg_url, env, rebuild=True)
            run_phase(MODULE, "staff", env)
            print(f"generating {args.count:,} cases over 12 months…", flush=True)
            report["generate_s"] = generate(env, args.count, 12, args.processes, args.seed)
            print(f"  {report['generate_s']:.0f} s; {args.open:,} more of the last days…",
                  flush=True)  # fmt: skip
            report["generate_open_s"] = generate(env, args.open, 0.1, args.processes,
                                                 args.seed + 1, first=args.count)  # fmt: skip
        report["counted"] = counted = run_phase(MODULE, "analyze", env)
        print(f"  {counted['cases']:,} cases, {counted['open']:,} open", flush=True)
        if not args.reuse:
            report["history"] = run_phase(MODULE, "history", env)
            print(f"history: {sum(report['history']['raised'].values()):,} warnings in "
                  f"{report['history']['seconds']:.1f} s", flush=True)  # fmt: skip
            run_phase(MODULE, "analyze", env)
        report["sweep"] = sweep = run_phase(MODULE, "sweep", env)
        print(f"sweep over {sweep['open_cases']:,} open cases: first {sweep['first_s']:.1f} s "
              f"(raised {sum(sweep['first_raised'].values()):,}), again {sweep['second_s']:.1f} s "
              f"(raised {sweep['second_raised']}); baseline (reading them once) "
              f"{sweep['baseline_s']:.2f} s; goal ≤ {GOALS['sweep_s']} s", flush=True)  # fmt: skip
        report["event"] = event = run_phase(MODULE, "event", env, events=args.events)
        print(f"a step completed: median {event['with']['p50']:.2f} ms with the checks, "
              f"{event['without']['p50']:.2f} ms without: +{event['added_median_ms']:.2f} ms "
              f"(mean +{event['added_mean_ms']:.2f}); goal ≤ {GOALS['event_added_ms']} ms",
              flush=True)  # fmt: skip
        run_phase(MODULE, "analyze", env)  # after the sweep's and the events' writes
        report["dashboard"] = board = run_phase(MODULE, "dashboard", env, queries=args.queries)
        for name in ("dashboard", "red", "plain"):
            got = board[name]
            ratio = got["p95"] / board["plain"]["p95"]
            print(
                f"{name:10} p50 {got['p50']:.1f} ms, p95 {got['p95']:.1f} ms ({ratio:.1f}× plain)"
            )
        report["performance"] = perf = run_phase(MODULE, "performance", env,
                                                 queries=args.queries)  # fmt: skip
        print(f"evaluating {perf['departments']} departments for {perf['quarter']}: "
              f"{perf['evaluate_s']:.1f} s (goal ≤ 30 s); /performance/ cold "
              f"{perf['page_cold_ms']:.0f} ms, from the page cache p50 {perf['cached']['p50']:.1f}"
              f" ms beside the plain view's {perf['plain']['p50']:.1f} ms "
              f"({perf['plain']['p50'] / perf['cached']['p50']:.2f} of plain; "
              f"{perf['hits']} hits)", flush=True)  # fmt: skip
        report["elapsed_s"] = round(time.monotonic() - started, 1)
        write_report(report, args.output, "supervision-latest.json")
        return 0
    finally:
        if not args.keep:
            _drop(args.pg_url)


def _drop(url: str):
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(parts.path.lstrip("/"))))  # fmt: skip
    print(f"database {url} dropped")


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    run(main)
