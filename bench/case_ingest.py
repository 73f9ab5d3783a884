"""Step events pushed by departments' business systems: events/s accepted through
POST /api/v3/cases/batch/ from 8 concurrent clients, every tenth push retried, on PostgreSQL;
afterwards the database is counted (none lost, none duplicated).

Run from the repository root:  python -m bench.case_ingest   (`--help` lists the options). A run
takes about 8 minutes on 2 CPUs (the one-by-one baseline is most of it).

What it does: creates a throw-away PostgreSQL database (its name contains "bench"; dropped at the
end unless --keep), migrates it, loads the site, the law library, two departments and a few
published powers of three steps (受理 → 审查 → 决定) with the posts, and a business system's
account with an API token. Then, for each round and each mode, in turn:
  - cases are pushed (not timed) through the same endpoint, accepted on arrival;
  - gunicorn (--workers sync workers, DEBUG=False) serves the mode; --clients client processes
    each push their batches (--batch events: the 审查 then the 决定 of --batch/2 cases), every
    tenth push sent twice (the second answered 200 "already recorded", nothing written);
  - events/s = events accepted (201) ÷ the wall time from the first client's start to the last
    one's end.
The shared cache (where a change makes the public pages stale) is the database table, as on a
server without REDIS_URL; --redis-url measures with Redis.
The modes: "set" (the batch's complete_step events checked in memory and written set-based,
cases.services.steps_complete_many) and "item", the baseline measured in the same run (the same
events one by one through cases.services.step_complete, CASES_BATCH_STEPS = "item").
At the end every case pushed must be 办结 with exactly its 4 events (seq 1–4) and each event id
recorded once; the figures are the medians of the rounds. Goal (issue 14): >= 2,000 events/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import statistics
import sys
import time
import urllib.parse

from bench.harness import HOST, RESULTS
from bench.harness.database import bench_env, manage, setup_django, temporary
from bench.harness.report import header, write_report
from bench.harness.runner import run
from bench.harness.server import gunicorn

BATCH_URL = "/api/v3/cases/batch/"
GOAL = 2000
MODES = ("set", "item")


def parse_args():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/disclosure_bench_case_ingest",
        help="a PostgreSQL database whose name contains 'bench' (created, then dropped)",
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8, help="concurrent client processes")
    parser.add_argument("--pushes", type=int, default=12, help="batches each client pushes")
    parser.add_argument("--batch", type=int, default=100, help="events per batch (even)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--powers", type=int, default=4, help="published powers")
    parser.add_argument(
        "--redis-url", default="",
        help="the shared cache (e.g. redis://127.0.0.1:6379/14); default: the database table",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--output", type=str, default=None, help="the JSON report's path")
    return parser.parse_args()


# --- the database -------------------------------------------------------------------------


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"{name!r}: use a database whose name contains 'bench'")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))  # fmt: skip
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(parts.path.lstrip("/"))))  # fmt: skip


def load_data(powers: int) -> tuple[list[str], str]:
    """The site, the laws, two departments, `powers` published powers of the transport bureau
    with its posts; a business system's account. (power codes, the system's bearer token)."""
    from wagtail.models import APIToken

    from access.posts import posts_assign
    from catalogue.models import DepartmentPage
    from tests.factories import load_base_data, make_user, publish_power, road_transport_licence

    load_base_data()
    codes = []
    for n in range(powers):
        code = f"511A0142000000-511602000000-000-BENCH-{n}-00"
        publish_power(road_transport_licence(code=code, title=f"道路货物运输经营许可（{n}）"))
        codes.append(code)
    system = make_user("transport-system")
    department = DepartmentPage.objects.get(code="TRANSPORT")
    posts_assign(system, department.pk, ["窗口受理岗"])
    token = APIToken.create_token(user=system, name="交通运输业务系统")[1]
    return codes, token


# --- the clients --------------------------------------------------------------------------


def post(connection, token: str, body: bytes) -> dict:
    connection.request("POST", BATCH_URL, body, {
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})  # fmt: skip
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"{BATCH_URL} answered {response.status}: {data[:300]!r}")
    return json.loads(data)


def open_cases(port: int, token: str, codes: list[str], prefix: str, count: int) -> None:
    """`count` accepted cases pushed by the system (not timed), 100 a batch."""
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 3 * 3600))
    accepted = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 2 * 3600))
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    applicant = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X"}
    for start in range(0, count, 100):
        items = [
            {"case": {"power": codes[n % len(codes)], "external_id": f"{prefix}-{n}",
                      "applicant": applicant, "submitted_at": stamp,
                      "acceptance": {"handler": "王受理", "post": "窗口受理岗",
                                     "accepted_at": accepted}}}
            for n in range(start, min(count, start + 100))
        ]  # fmt: skip
        body = post(connection, token, json.dumps({"items": items}).encode())
        if body["refused"]:
            raise RuntimeError(f"cases refused: {body['results'][:2]}")
    connection.close()


def batches(prefix: str, client: int, pushes: int, size: int) -> list[bytes]:
    """The client's batches: each completes 审查 then 决定 of size/2 cases of its own."""
    now = time.time()
    reviewed = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 3600))
    decided = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(now - 1800))
    per = size // 2
    out = []
    for push in range(pushes):
        first = (client * pushes + push) * per
        names = [f"{prefix}-{n}" for n in range(first, first + per)]
        items = [
            {"case_external_id": name,
             "event": {"external_id": f"{name}-E2", "kind": "complete_step", "position": 2,
                       "occurred_at": reviewed, "handler": "李审核", "post": "审核岗",
                       "opinion": "符合条件"}}
            for name in names
        ] + [
            {"case_external_id": name,
             "event": {"external_id": f"{name}-E3", "kind": "complete_step", "position": 3,
                       "occurred_at": decided, "handler": "赵局长", "post": "分管领导",
                       "opinion": "同意", "result": "granted"}}
            for name in names
        ]  # fmt: skip
        out.append(json.dumps({"items": items}).encode())
    return out


def client(port: int, token: str, bodies: list[bytes], index: int, start, queue) -> None:
    """Push the batches in turn, every tenth push (counted over all clients) sent twice."""
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    counts = {"created": 0, "retried": 0, "refused": 0, "pushes": 0}
    start.wait()
    began = time.time()
    for n, body in enumerate(bodies):
        for _ in range(2 if (index + n * 8) % 10 == 0 else 1):
            answer = post(connection, token, body)
            counts["pushes"] += 1
            for key in ("created", "retried", "refused"):
                counts[key] += answer[key]
    queue.put({**counts, "began": began, "ended": time.time()})
    connection.close()


def measure(port, token, prefix, args) -> dict:
    context = multiprocessing.get_context("fork")
    start, queue = context.Barrier(args.clients), context.Queue()
    processes = [
        context.Process(target=client, args=(port, token,
                        batches(prefix, c, args.pushes, args.batch), c, start, queue))
        for c in range(args.clients)
    ]  # fmt: skip
    for process in processes:
        process.start()
    results = [queue.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    seconds = max(r["ended"] for r in results) - min(r["began"] for r in results)
    total = {key: sum(r[key] for r in results) for key in ("created", "retried", "refused",
                                                            "pushes")}  # fmt: skip
    return {**total, "seconds": seconds, "events_per_s": total["created"] / seconds}


# --- the run ------------------------------------------------------------------------------


def count(prefix: str, cases: int) -> dict:
    """What the database holds for a round's cases: none lost, none duplicated."""
    from django.db.models import Count, Max, Min

    from cases.models import Case, CaseEvent, State

    mine = Case.objects.filter(external_id__startswith=f"{prefix}-")
    events = CaseEvent.objects.filter(case__in=mine)
    per_case = mine.annotate(n=Count("events"), low=Min("events__seq"), high=Max("events__seq"))
    bad = per_case.exclude(n=4, low=1, high=4, version=4).count()
    pushed = events.exclude(external_id="")
    return {
        "cases": mine.count(),
        "finished": mine.filter(state=State.FINISHED).count(),
        "events": events.count(),
        "pushed_events": pushed.count(),
        "distinct_event_ids": pushed.values("case_id", "external_id").distinct().count(),
        "cases_not_exactly_4_events": bad,
        "expected_cases": cases,
    }


def main():
    args = parse_args()
    report = header()
    url = args.database_url
    env = bench_env(url, media=temporary("disclosure-bench-case-ingest-media"))
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env.pop("REDIS_URL", None)
    os.environ.pop("REDIS_URL", None)
    if args.redis_url:  # gunicorn's workers and this process's Django
        env["REDIS_URL"] = os.environ["REDIS_URL"] = args.redis_url
    print(f"database: {url} (created for this run, dropped at its end)")
    create_database(url)
    try:
        seconds, _ = manage(env, "migrate", "--noinput", "-v0")
        manage(env, "createcachetable")
        setup_django(env)
        codes, token = load_data(args.powers)
        from django.db import connections

        connections.close_all()  # the clients are forked
        print(f"  migrated in {seconds:.0f} s; {len(codes)} powers of 3 steps published")
        per_round = args.clients * args.pushes * (args.batch // 2)
        print(
            f"load: {args.clients} client processes × {args.pushes} batches of {args.batch} "
            f"step events ({per_round} cases, {per_round * 2} events a round and mode), every "
            f"tenth push sent twice; gunicorn {args.workers} sync workers; shared cache "
            f"{'Redis' if args.redis_url else 'database table'}; {os.cpu_count()} "
            f"CPUs, load average {os.getloadavg()[0]:.2f}"
        )
        rounds = {mode: [] for mode in MODES}
        for number in range(args.rounds):
            for mode in MODES if number % 2 == 0 else MODES[::-1]:
                prefix = f"R{number}{mode[0].upper()}{secrets.token_hex(2)}"
                mode_env = {**env, "BENCH_CASES_BATCH_STEPS": mode}
                log = RESULTS / "gunicorn-case-ingest-latest.log"
                with gunicorn(mode_env, workers=args.workers, worker_class="sync",
                              log=log) as server:  # fmt: skip
                    open_cases(server.port, token, codes, prefix, per_round)
                    load = os.getloadavg()[0]
                    figures = measure(server.port, token, prefix, args)
                figures.update(count(prefix, per_round), load_average=load, mode=mode)
                connections.close_all()
                rounds[mode].append(figures)
                print(
                    f"  round {number + 1} {mode:4}: {figures['events_per_s']:7.0f} events/s "
                    f"({figures['created']} accepted, {figures['retried']} retried, "
                    f"{figures['refused']} refused, {figures['pushes']} pushes in "
                    f"{figures['seconds']:.1f} s; load {load:.2f}); in the database "
                    f"{figures['finished']}/{figures['cases']} cases 办结, "
                    f"{figures['distinct_event_ids']} distinct event ids of "
                    f"{figures['pushed_events']}, {figures['cases_not_exactly_4_events']} cases "
                    f"not exactly 4 events"
                )
        ok = all(
            r["refused"] == 0 and r["created"] == r["expected_cases"] * 2
            and r["cases"] == r["finished"] == r["expected_cases"]
            and r["pushed_events"] == r["distinct_event_ids"] == r["expected_cases"] * 2
            and r["cases_not_exactly_4_events"] == 0
            for mode in MODES for r in rounds[mode]
        )  # fmt: skip
        medians = {m: statistics.median(r["events_per_s"] for r in rounds[m]) for m in MODES}
        print()
        print(f"{'mode':10} {'events/s (median)':>18} {'vs item':>8}")
        for mode in MODES:
            print(f"{mode:10} {medians[mode]:18.0f} {medians[mode] / medians['item']:8.2f}")
        goal = medians["set"] >= GOAL
        print(f"goal: set-based >= {GOAL} events/s: {'met' if goal else 'NOT met'}; none lost, "
              f"none duplicated: {'yes' if ok else 'NO'}")  # fmt: skip
        report.update(rounds=rounds, medians=medians, goal=GOAL, goal_met=goal, counted_ok=ok,
                      options=vars(args))  # fmt: skip
        write_report(report, args.output and __import__("pathlib").Path(args.output),
                     "case-ingest-latest.json")  # fmt: skip
        return 0 if ok else 1
    finally:
        if "django.db" in sys.modules:  # the script's own connections, before the drop
            sys.modules["django.db"].connections.close_all()
        if not args.keep:
            drop_database(url)
            print(f"database {url} dropped")


if __name__ == "__main__":
    run(main)
