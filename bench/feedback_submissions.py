"""Citizens' feedback submissions through the real form, served by gunicorn: how many per second,
as a ratio of a plain 1 KB Django view, and whether every accepted one is stored exactly once.

Run from the repository root:  python -m bench.feedback_submissions   (`--help` lists the
options); against PostgreSQL:  python -m bench.feedback_submissions \\
    --database-url postgresql://postgres@127.0.0.1:5432/disclosure_bench_feedback
Formerly `bench/feedback.py`, renamed so that it does not share its name with the `feedback` app.
A run takes about 1½ minutes, plus ~70 s when the database is built.

What it does
  1. Prepares a throw-away database: by default SQLite under /tmp, named after a hash of the
     fixtures and migrations and reused while those are unchanged (--rebuild reloads it; --db
     PATH picks another file, loaded unless marked ready, or used as it is with --reuse;
     db.sqlite3 is never touched); with --database-url, a PostgreSQL database whose name must
     contain "bench", created if missing (--rebuild drops it first). migrate,
     createcachetable, load_demo (bench/harness/database.py).
     Then, in this process: SQL queries of one submission through Django's test client (an
     anonymous evaluation and a complaint with a phone number; --sql lists them), and the
     reset: every Feedback row is deleted and the shared cache (the database cache table,
     where the duplicate and rate-limit counters live) is cleared, so the counts start at
     zero. REDIS_URL from the environment is ignored; --redis-url runs with Redis instead (its
     "disclosure:*" keys are deleted, before and after).
  2. Starts gunicorn (2 sync workers, DEBUG=False, bench/settings.py, TRUSTED_PROXIES=127.0.0.1)
     on 127.0.0.1, free port.
  3. Load, closed loop, --clients threads (default 16), each simulating one citizen after
     another: a citizen has an address of its own (X-Forwarded-For 10.x.y.z, so the real
     per-address limits run without stopping the benchmark), GETs a power page (the form's CSRF
     cookie and token), then POSTs 1 to --per-citizen (4) submissions to /feedback/submit/ on
     distinct powers among --powers (40) live ones: mostly evaluations (ratings 5 to 1, some with
     a comment), some inquiries, suggestions, complaints and reports (with a comment, often a
     name and a phone number of the citizen's own: the per-phone limit of 5 a day holds). Every
     comment carries a unique marker, so no two submissions are identical (identical ones from
     one address within 120 s are folded into one receipt, by design).
     Rounds are interleaved with the plain view /_util/bench/plain/ loaded by the same client
     and concurrency: plain, feedback, plain, feedback, ..., plain; --seconds (10) each, --rounds
     (3), after a --warmup (1 s) of each. Warm-up submissions are stored and verified too.
  4. Verifies against the database (this process, Django ORM): every 200 answer's tracking
     number (PJyyyymmdd-XXXX) must be a row, with the content that was sent; no tracking number
     twice in the answers, no row twice (by the comment's marker), no row without an answer.
     Before that, the last check under load (--no-burst skips it): one more citizen sends 3 ×
     the per-address limit per minute (30) of distinct submissions at once, one connection
     each; no more than the limit may be accepted (the rest: 429, and not stored).
  5. Prints a table and writes it to bench/results/feedback-latest.json (PostgreSQL:
     feedback-postgresql-latest.json).

How to read it
  accepted/s = 200 answers with a tracking number ÷ wall-clock seconds of the round (each
  citizen's power-page GET included: that is the citizen's path). ratio = accepted/s ÷ req/s of
  the plain view (the mean of the plain rounds just before and after), so the machine's speed
  largely cancels out; the table gives the median over rounds and each round's ratio. On this
  shared, noisy machine quote the ratios and medians. "ms cpu" is gunicorn's CPU time per
  accepted submission (per request for the plain view), "cpu" the plain view's ÷ this; the
  second figure of "cpu c/s" is gunicorn's CPU use per wall-clock second (100 = one core):
  well under workers × 100 while the rate is low means the workers wait (for the database's
  write lock, say) rather than compute. Latencies are of the POSTs. "cache" counts
  X-Page-Cache of the citizens' power-page GETs: mostly misses, as every rating makes its
  power's page stale (it counts at once), so the GET renders it.
  Goal (the issue): >= 100 accepted submissions/s on SQLite with none lost; and, on any
  database, none lost or duplicated. The script exits with 1 when a submission is lost,
  duplicated, stored with other content or stored without an answer, when answers other
  than 200 came back during the load (403 = CSRF, 429 = rate limited, 5xx, broken
  connections), or when the burst got more than the limit accepted.

Options are those of the former `bench/feedback.py`, with --reuse added (use --db as it is).
"""

from __future__ import annotations

import functools
import http.client
import itertools
import os
import random
import re
import secrets
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.harness import HOST, PLAIN, PLAIN_PATH, RESULTS
from bench.harness.database import (
    bench_env,
    prepare_postgres,
    prepare_sqlite,
    setup_django,
    sqlite_database,
)
from bench.harness.load import Load, run_in_threads, threaded_load
from bench.harness.report import counts, header, mark, write_report
from bench.harness.rounds import Sample, Summary, interleaved, print_table, sample, summarise
from bench.harness.rounds import measure as measure_load
from bench.harness.runner import (
    add_database_options,
    add_output_option,
    add_server_options,
    parser_for,
    run,
)
from bench.harness.server import Server, fetch, gunicorn
from bench.harness.sql import statement_kind
from bench.harness.stats import percentile

FEEDBACK = "feedback"
SUBMIT_PATH = "/feedback/submit/"
GOAL_PER_SECOND = 100.0
TRACKING_RE = re.compile(rb'receipt__number">(PJ\d{8}-[0-9A-Z]{4})<')
ANY_TRACKING_RE = re.compile(rb"PJ\d{8}-[0-9A-Z]{4}")
TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
FOLDED_TEXT = "您刚刚已提交过相同的内容".encode()
MARKER_RE = re.compile(r"〔bench ([0-9a-f]+)-(\d+)〕")
TIMEOUT = 30.0


# What citizens send: the kinds' shares, ratings, comments (each gets a unique marker).
KINDS = [("evaluation", 70), ("inquiry", 7), ("suggestion", 8), ("complaint", 12), ("report", 3)]
RATINGS = [(5, 50), (4, 25), (3, 10), (2, 8), (1, 7)]
COMMENTS = {
    "evaluation": [
        "办理很顺利，窗口工作人员态度很好。",
        "材料一次告知清楚，没有来回跑。",
        "网上申报后等待时间有点长。",
        "排队时间太长，希望增加窗口。",
    ],
    "inquiry": ["请问这个事项可以全程网办吗？需要提交哪些材料？", "办理时限是多少个工作日？"],
    "suggestion": ["建议在办事指南里增加材料样本。", "建议开通周末预约办理。"],
    "complaint": [
        "提交材料后超过承诺时限仍未办结，也没有人告知原因。",
        "窗口要求提供办事指南中没有列出的证明材料。",
    ],
    "report": ["有人以代办为名收取费用，声称可以加快审批。"],
}
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强"]


# --- In this process: the powers, one submission's SQL, the reset, the verification ---------


@dataclass(frozen=True)
class Power:
    code: str
    path: str


def pick_powers(count: int, seed: int) -> list[Power]:
    from catalogue.selectors import live_powers

    ids = list(live_powers().order_by("path").values_list("pk", flat=True))
    if not ids:
        raise RuntimeError("no live power page: is the demo catalogue loaded?")
    chosen = random.Random(seed).sample(ids, min(count, len(ids)))
    powers = []
    for page in live_powers().filter(pk__in=chosen).order_by("path"):
        parts = page.get_url_parts()
        if parts is None:
            raise RuntimeError(f"{page!r} has no URL")
        powers.append(Power(page.code, parts[2]))
    return powers


def count_queries(power: Power, *, show: bool) -> dict:
    """SQL statements (and in-process milliseconds) of one submission through the test client:
    an anonymous evaluation without comment, and a complaint with a phone number. Each is sent
    twice with different content, and the second is counted (caches warm)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    cases = {
        "evaluation, anonymous": {"kind": "evaluation", "rating": "5", "comment": ""},
        "complaint, phone": {
            "kind": "complaint",
            "comment": COMMENTS["complaint"][0],
            "name": "张伟",
            "phone": "13900000000",
            "consent_to_contact": "on",
        },
    }
    found = {}
    for number, (label, fields) in enumerate(cases.items()):
        for attempt in range(2):  # the second counts; distinct addresses: nothing is folded
            data = {**fields, "power": power.code, "website": ""}
            address = f"192.0.2.{10 * number + attempt + 1}"
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = client.post(SUBMIT_PATH, data, HTTP_X_FORWARDED_FOR=address)
            elapsed = 1000 * (time.perf_counter() - started)
            if response.status_code != 200 or not ANY_TRACKING_RE.search(response.content):
                raise RuntimeError(f"{label}: the test client got {response.status_code}")
        kinds = Counter(statement_kind(q["sql"]) for q in captured.captured_queries)
        found[label] = {
            "queries": len(captured.captured_queries),
            "ms": round(elapsed, 1),
            "by_kind": dict(kinds.most_common()),
        }
        print(
            f"  {label:<22} {len(captured.captured_queries):3} SQL statements, {elapsed:5.1f} ms"
            f" in-process: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common())
        )
        if show:
            for index, query in enumerate(captured.captured_queries, 1):
                print(f"    {index:3}. {query['sql'][:240]}")
    return found


def reset(redis_url: str | None) -> int:
    """Delete every Feedback row and empty the shared cache; returns the rows deleted."""
    from django.core.cache import caches
    from django.db import connections

    from common.models import RateCounter
    from feedback.models import Feedback

    deleted = Feedback.objects.count()
    Feedback.objects.all().delete()
    RateCounter.objects.all().delete()  # the rate limits' counters without Redis
    if redis_url:
        clear_redis(redis_url)
    else:
        caches["default"].clear()
    connections.close_all()
    return deleted


def clear_redis(url: str):
    """Delete the site's keys (KEY_PREFIX "disclosure") from that Redis database, nothing else."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match="disclosure:*", count=1000):
        client.delete(key)


def stored_rows() -> list[dict]:
    from django.db import connections

    from feedback.models import Feedback

    connections.close_all()  # a fresh connection, a fresh snapshot
    fields = ["tracking_no", "kind", "rating", "comment", "name", "phone"]
    fields += ["consent_to_contact", "power__code"]
    return list(Feedback.objects.values(*fields))


# --- The simulated citizens ---------------------------------------------------------------


@dataclass
class Post:
    """One submission sent, and what came back."""

    seq: int
    round: int
    kind: str
    rating: int | None
    comment: str
    name: str
    phone: str
    consent: bool
    power: str
    status: int | None = None
    tracking_no: str = ""
    folded: bool = False
    latency_ms: float = 0.0
    error: str = ""


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


class Citizens:
    """Hands out citizens (an address, a phone number) and submission numbers to the threads;
    collects what every thread sent."""

    def __init__(self, run_id: str, powers: list[Power], per_citizen: int, seed: int):
        self.run_id = run_id
        self.powers = powers
        self.per_citizen = per_citizen
        self.seed = seed
        self._citizen = itertools.count(1)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()
        self.posts: list[Post] = []

    def next_citizen(self) -> int:
        with self._lock:
            return next(self._citizen)

    def next_seq(self) -> int:
        with self._lock:
            return next(self._seq)

    def add(self, posts: list[Post]):
        with self._lock:
            self.posts.extend(posts)

    @staticmethod
    def address(number: int) -> str:
        return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"

    @staticmethod
    def phone(number: int) -> str:
        return f"1{3 + number % 7}{number:09d}"  # 11 digits, 1[3-9]..., unique per citizen

    def submission(self, rng: random.Random, citizen: int, power: Power, round_: int) -> Post:
        kind = _weighted(rng, KINDS)
        seq = self.next_seq()
        rating = _weighted(rng, RATINGS) if kind == "evaluation" else None
        with_comment = kind != "evaluation" or rng.random() < 0.6
        comment = ""
        if with_comment:
            comment = f"{rng.choice(COMMENTS[kind])}〔bench {self.run_id}-{seq}〕"
        share = {"complaint": 0.8, "report": 0.5, "inquiry": 0.6}.get(kind, 0.15)
        phone = self.phone(citizen) if rng.random() < share else ""
        name = rng.choice(NAMES) if phone and rng.random() < 0.6 else ""
        consent = bool(phone) and rng.random() < 0.5
        return Post(seq, round_, kind, rating, comment, name, phone, consent, power.code)


def _form_body(post: Post, token: str) -> bytes:
    fields = [("csrfmiddlewaretoken", token), ("power", post.power), ("kind", post.kind)]
    if post.rating is not None:
        fields.append(("rating", str(post.rating)))
    fields += [("comment", post.comment), ("name", post.name), ("phone", post.phone)]
    if post.consent:
        fields.append(("consent_to_contact", "on"))
    fields.append(("website", ""))
    return urllib.parse.urlencode(fields).encode()


def _csrf_cookie(response: http.client.HTTPResponse) -> str:
    for cookie in response.msg.get_all("Set-Cookie") or []:
        name, _, rest = cookie.partition("=")
        if name.strip() == "csrftoken":
            return rest.split(";", 1)[0]
    return ""


@dataclass
class FormPage:
    """A power page as a citizen's browser gets it: what the form's POST needs."""

    status: int | None
    ms: float
    cache: str
    token: str = ""
    headers: dict = field(default_factory=dict)  # empty: no CSRF cookie or token


def open_form(connection: http.client.HTTPConnection, path: str, address: str) -> FormPage:
    base = {"X-Forwarded-For": address, "User-Agent": "bench.feedback_submissions"}
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=base)
        response = connection.getresponse()
        body = response.read()
    except (OSError, http.client.HTTPException):
        connection.close()
        return FormPage(None, 1000 * (time.perf_counter() - started), "none")
    page = FormPage(
        response.status,
        1000 * (time.perf_counter() - started),
        response.getheader("X-Page-Cache", "none"),
    )
    cookie, match = _csrf_cookie(response), TOKEN_RE.search(body)
    if response.status == 200 and cookie and match:
        page.token = match.group(1).decode()
        page.headers = {
            **base,
            "Cookie": f"csrftoken={cookie}",
            "Content-Type": "application/x-www-form-urlencoded",
        }
    return page


class Client:
    """One thread: citizen after citizen until the deadline."""

    def __init__(self, citizens: Citizens, port: int, round_: int, deadline: float, seed: int):
        self.citizens, self.port, self.round, self.deadline = citizens, port, round_, deadline
        self.rng = random.Random(seed)
        self.posts: list[Post] = []
        self.gets: list[tuple[int | None, float, str]] = []  # power pages: status, ms, cache
        self.csrf_failures = 0
        self.served = 0

    def run(self):
        try:
            while time.perf_counter() < self.deadline:
                self.citizen()
        finally:
            self.citizens.add(self.posts)

    def citizen(self):
        rng, citizens = self.rng, self.citizens
        number = citizens.next_citizen()
        self.served += 1
        count = rng.randint(1, citizens.per_citizen)
        targets = rng.sample(citizens.powers, min(count, len(citizens.powers)))
        connection = http.client.HTTPConnection(HOST, self.port, timeout=TIMEOUT)
        try:
            page = open_form(connection, targets[0].path, citizens.address(number))
            self.gets.append((page.status, page.ms, page.cache))
            if page.status is None:
                return
            if not page.headers:
                self.csrf_failures += 1
                return
            for power in targets:
                if time.perf_counter() >= self.deadline:
                    break
                post = citizens.submission(rng, number, power, self.round)
                self.post(connection, post, page.token, page.headers)
        finally:
            connection.close()

    def post(self, connection, post: Post, token: str, headers: dict):
        started = time.perf_counter()
        try:
            connection.request("POST", SUBMIT_PATH, body=_form_body(post, token), headers=headers)
            response = connection.getresponse()
            body = response.read()
            post.status = response.status
            if response.status == 200:
                match = TRACKING_RE.search(body)
                post.tracking_no = match.group(1).decode() if match else ""
                post.folded = FOLDED_TEXT in body
        except (OSError, http.client.HTTPException) as error:
            post.error = f"{type(error).__name__}: {error}"
            connection.close()  # opened again by the next request
        post.latency_ms = 1000 * (time.perf_counter() - started)
        self.posts.append(post)


def plain_round(server: Server, args, round_: int, seconds: float) -> Sample:
    """The plain view, loaded by as many threads of http.client as there are citizens."""
    return measure_load(
        server,
        PLAIN,
        PLAIN_PATH,
        round_,
        threaded_load,
        seconds=seconds,
        warmup=0,
        connections=args.clients,
        threads=args.clients,
    )


def feedback_round(server: Server, args, citizens: Citizens, round_: int, seconds: float) -> Sample:
    """Citizens for `seconds`: the rate is of accepted submissions, latencies are the POSTs',
    cache counts X-Page-Cache of the power-page GETs."""
    before = server.cpu_seconds()
    deadline = time.perf_counter() + seconds
    clients = [
        Client(citizens, server.port, round_, deadline, args.seed * 1000 + 100 * round_ + i)
        for i in range(args.clients)
    ]
    wall, client_cpu = run_in_threads([c.run for c in clients])
    after = server.cpu_seconds()
    posts = [p for c in clients for p in c.posts]
    latencies = [p.latency_ms for p in posts if p.status is not None]
    statuses = Counter(str(p.status) if p.status else "error" for p in posts)
    accepted = sum(1 for p in posts if p.status == 200 and p.tracking_no and not p.folded)
    gets = [g for c in clients for g in c.gets]
    get_statuses = Counter(f"GET {s}" if s else "GET error" for s, _, _ in gets if s != 200)
    csrf = sum(c.csrf_failures for c in clients)
    if csrf:
        get_statuses["GET without CSRF cookie or token"] = csrf
    load = Load(
        requests=len(posts),
        seconds=wall,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        errors=sum(1 for p in posts if p.error) + get_statuses.get("GET error", 0),
        statuses=dict(statuses + get_statuses),
        cache=dict(Counter(cache for _, _, cache in gets)),
        client_cpu_s=client_cpu,
    )
    result = sample(FEEDBACK, round_, load, server_cpu=(before, after), counted=accepted)
    result.path = SUBMIT_PATH
    result.extra = {
        "accepted": accepted,
        "citizens": sum(c.served for c in clients),
        "page_gets": len(gets),
        "page_p50_ms": percentile([ms for _, ms, _ in gets], 50),
    }
    return result


def describe(s: Sample) -> str:
    if s.label != FEEDBACK:
        return ""
    return f"  citizens {s.extra['citizens']}, page GETs p50 {s.extra['page_p50_ms']:.0f} ms"


def measure(server: Server, args, citizens: Citizens) -> list[Sample]:
    """Warm-up of both, then plain, feedback, plain, ..., feedback, plain."""
    if args.warmup > 0:
        plain_round(server, args, 0, args.warmup)
        feedback_round(server, args, citizens, 0, args.warmup)

    def measure_one(label, round_):
        if label == PLAIN:
            return plain_round(server, args, round_, args.seconds)
        return feedback_round(server, args, citizens, round_, args.seconds)

    return interleaved(args.rounds, [FEEDBACK], measure_one, unit="accepted/s", note=describe)


def rate_limit_burst(port: int, citizens: Citizens, limit: int) -> dict:
    """One citizen (one address) sends 3 × the per-minute limit of distinct submissions at
    once, one connection each: exactly `limit` must be accepted, the rest answered 429. More
    accepted means concurrent requests miscounted (the limiter's increments are not atomic)."""
    if time.time() % 60 > 50:  # not across the start of a minute: the limit is per minute
        time.sleep(60.5 - time.time() % 60)
    number = citizens.next_citizen()
    address = citizens.address(number)
    page = open_form(
        http.client.HTTPConnection(HOST, port, timeout=TIMEOUT), citizens.powers[0].path, address
    )
    if not page.headers:
        return {"error": f"no form: {page.status}"}
    posts = []
    for index in range(3 * limit):
        seq = citizens.next_seq()
        comment = f"{COMMENTS['evaluation'][index % 4]}〔bench {citizens.run_id}-{seq}〕"
        power = citizens.powers[index % len(citizens.powers)]
        posts.append(Post(seq, -1, "evaluation", 5 - index % 5, comment, "", "", False, power.code))
    client = Client(citizens, port, -1, float("inf"), 0)
    barrier = threading.Barrier(len(posts))

    def send(post):
        connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        connection.connect()
        barrier.wait()
        client.post(connection, post, page.token, page.headers)
        connection.close()

    started = time.time()
    seconds, _cpu = run_in_threads([functools.partial(send, post) for post in posts])
    # Across the start of a minute, two buckets: up to twice the limit is then legitimate.
    crossed = int(started // 60) != int((started + seconds) // 60)
    citizens.add(client.posts)
    statuses = Counter(str(p.status) if p.status else "error" for p in client.posts)
    accepted = statuses.get("200", 0)
    return {
        "limit": limit,
        "sent": len(posts),
        "accepted": accepted,
        "statuses": dict(statuses),
        "seconds": round(seconds, 2),
        "crossed_a_minute": crossed,
        "holds": accepted <= (2 * limit if crossed else limit),
    }


def hostile_flood(port: int, citizens: Citizens, seconds: float, targets: int = 3) -> dict:
    """One hostile client (one address) posts "very dissatisfied" on a few powers for `seconds`,
    about one attempt a second, each time as a new browser (a fresh CSRF cookie), as a script
    would. What is accepted, held for the legal office, counted, and opens a reply deadline is
    read back from the database afterwards."""
    number = citizens.next_citizen()
    address = citizens.address(number)
    powers = citizens.powers[:targets]
    client = Client(citizens, port, -2, float("inf"), 0)
    deadline, attempt = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        power = powers[attempt % len(powers)]
        attempt += 1
        connection = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        page = open_form(connection, power.path, address)
        if page.headers:
            seq = citizens.next_seq()
            post = Post(seq, -2, "evaluation", 1, "", "", "", False, power.code)
            client.post(connection, post, page.token, page.headers)
        connection.close()
        time.sleep(max(0.0, 1.0 - 0.001 * (client.posts[-1].latency_ms if client.posts else 0)))
    citizens.add(client.posts)
    from feedback.models import Feedback
    from feedback.selectors import COUNTED
    from feedback.services import source_of

    mine = Feedback.objects.filter(source=source_of(address))
    statuses = Counter(str(p.status) if p.status else "error" for p in client.posts)
    return {
        "seconds": seconds,
        "attempts": len(client.posts),
        "powers": len(powers),
        "statuses": dict(statuses),
        "accepted": mine.count(),
        "held": mine.filter(held=True).count(),
        "counted": mine.filter(COUNTED).count(),
        "deadlines": mine.filter(due_on__isnull=False).count(),
    }


# Before this issue: 10 a minute per address, no daily cap, every rating counted at once and
# each bad one opening a reply deadline of 5 working days.
FLOOD_BEFORE_PER_DAY = 10 * 60 * 24


# --- Verification -------------------------------------------------------------------------


@dataclass
class Verification:
    posts: int
    accepted: int
    rows: int
    lost: list[str] = field(default_factory=list)
    duplicate_receipts: list[str] = field(default_factory=list)
    duplicate_rows: list[str] = field(default_factory=list)
    extra_rows: list[str] = field(default_factory=list)
    extra_rows_of_broken_requests: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    folded: int = 0
    accepted_without_number: int = 0
    statuses: dict = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(
            self.lost
            or self.duplicate_receipts
            or self.duplicate_rows
            or self.extra_rows
            or self.mismatched
            or self.folded
            or self.accepted_without_number
        )


def verify(posts: list[Post], rows: list[dict], run_id: str) -> Verification:
    accepted = [p for p in posts if p.status == 200 and p.tracking_no]
    numbers = Counter(p.tracking_no for p in accepted)
    by_number = {p.tracking_no: p for p in accepted}
    rows_by_number = {row["tracking_no"]: row for row in rows}
    result = Verification(posts=len(posts), accepted=len(accepted), rows=len(rows))
    load = [p for p in posts if p.round >= 0]  # not the rate-limit burst's
    result.statuses = dict(Counter(str(p.status) if p.status else "error" for p in load))
    result.folded = sum(1 for p in accepted if p.folded)
    result.accepted_without_number = sum(1 for p in posts if p.status == 200 and not p.tracking_no)
    result.duplicate_receipts = sorted(n for n, c in numbers.items() if c > 1)
    result.lost = sorted(set(by_number) - set(rows_by_number))
    # A row nobody got an answer for: acceptable only where the answer never arrived.
    broken = {p.seq for p in posts if p.status is None or p.status >= 500}
    markers = Counter()
    for row in rows:
        match = MARKER_RE.search(row["comment"])
        seq = int(match.group(2)) if match and match.group(1) == run_id else None
        if seq is not None:
            markers[seq] += 1
        if row["tracking_no"] not in by_number:
            target = result.extra_rows_of_broken_requests if seq in broken else result.extra_rows
            target.append(row["tracking_no"])
    result.duplicate_rows = sorted(f"#{seq} ×{n}" for seq, n in markers.items() if n > 1)
    for number, post in by_number.items():
        row = rows_by_number.get(number)
        if row is None:
            continue
        sent = (
            post.kind,
            post.rating,
            post.comment,
            post.name,
            post.phone,
            post.consent and bool(post.phone),
            post.power,
        )
        stored = (
            row["kind"],
            row["rating"],
            row["comment"],
            row["name"],
            row["phone"],
            row["consent_to_contact"],
            row["power__code"],
        )
        if sent != stored:
            result.mismatched.append(number)
    return result


# --- Report -------------------------------------------------------------------------------


def print_verification(v: Verification):
    print(
        f"\nsubmissions sent {v.posts} (warm-up and burst included); answered 200 with a "
        f"tracking number {v.accepted}; rows stored {v.rows}"
    )
    print(f"answers during the load (warm-up included): {counts(v.statuses)}")
    checks = [
        ("lost (accepted, not stored)", v.lost),
        ("duplicated (one tracking number, several answers)", v.duplicate_receipts),
        ("duplicated rows (one submission stored twice)", v.duplicate_rows),
        ("extra rows (stored, no answer)", v.extra_rows),
        ("stored with other content than sent", v.mismatched),
    ]
    for label, found in checks:
        mark = "✓" if not found else "✗"
        print(f"  {mark} {label}: {len(found)}" + (f"  e.g. {found[:5]}" if found else ""))
    if v.extra_rows_of_broken_requests:
        print(
            f"  ! rows of requests whose answer was lost (5xx or broken connection): "
            f"{len(v.extra_rows_of_broken_requests)}"
        )
    if v.folded or v.accepted_without_number:
        print(
            f"  ✗ folded into an earlier receipt: {v.folded}; 200 without a tracking number: "
            f"{v.accepted_without_number}"
        )


def problems(summaries: list[Summary], verification: Verification, log: Path) -> list[str]:
    found = []
    for s in summaries:
        others = {k: v for k, v in s.statuses.items() if k != "200"}
        if others or s.errors:
            found.append(f"{s.label}: answers other than 200: {counts(others)}")
    if verification.statuses.get("403"):
        found.append("403 answers: the CSRF check refused submissions")
    if verification.statuses.get("429"):
        found.append("429 answers: rate limited, although every citizen stays under the limits")
    try:
        errors = log.read_text(errors="replace").count("Internal Server Error")
    except OSError:
        errors = 0
    if errors:
        found.append(f"{errors} 'Internal Server Error' in {log}")
    return found


# --- The run ------------------------------------------------------------------------------


def parse_args():
    parser = parser_for(__doc__)
    parser.add_argument(
        "--database-url",
        help="PostgreSQL instead of SQLite, e.g. "
        "postgresql://postgres@127.0.0.1:5432/disclosure_bench_feedback",
    )
    add_database_options(parser)
    parser.add_argument(
        "--redis-url",
        help="shared cache in Redis instead of the database "
        "(its disclosure:* keys are deleted), e.g. redis://127.0.0.1:6379/15",
    )
    parser.add_argument("--seconds", type=float, default=10, help="seconds per round")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of warm-up")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections")
    add_server_options(parser)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads (gthread)")
    parser.add_argument("--powers", type=int, default=40, help="live powers submitted on")
    parser.add_argument(
        "--per-citizen",
        type=int,
        default=4,
        help="at most this many submissions per citizen (<= 5: phone limit)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--flood-seconds",
        type=float,
        default=150,
        help="how long one hostile client floods a few powers with bad ratings (0: skip)",
    )
    parser.add_argument(
        "--no-burst",
        dest="burst",
        action="store_false",
        help="skip the last check: 3 × the per-minute limit from one address at once",
    )
    parser.add_argument("--sql", action="store_true", help="list one submission's SQL")
    add_output_option(parser, "feedback-latest.json (PostgreSQL: feedback-postgresql-latest.json)")
    return parser.parse_args()


def main():
    started, report = time.monotonic(), header()
    args = parse_args()
    if not 1 <= args.per_citizen <= 5:
        sys.exit("--per-citizen must be between 1 and 5 (the per-phone limit is 5 a day)")
    if args.database_url:
        env = bench_env(args.database_url)
        database = args.database_url
    else:
        db = sqlite_database(args.db, kind="feedback", rebuild=args.rebuild, reuse=args.reuse)
        env = bench_env(db.path)
        database = str(db.path)
    env.pop("REDIS_URL", None)
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    env["TRUSTED_PROXIES"] = HOST
    for name in ("REDIS_URL", "TRUSTED_PROXIES"):  # this process's Django reads them too
        os.environ.pop(name, None)
        if name in env:
            os.environ[name] = env[name]
    if args.database_url:
        built = prepare_postgres(args.database_url, env, rebuild=args.rebuild)
    else:
        built = prepare_sqlite(db, env)
    settings = setup_django(env)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 2)[-2]

    powers = pick_powers(args.powers, args.seed)
    print(f"{len(powers)} live powers, e.g. {powers[0].code} {powers[0].path}")
    print("one submission in-process (test client), SQL statements:")
    reset(args.redis_url)  # counters left by an earlier run would refuse the probes
    queries = count_queries(powers[0], show=args.sql)
    deleted = reset(args.redis_url)
    print(f"reset: {deleted} feedback rows deleted, shared cache ({cache_backend}) emptied")

    run_id = secrets.token_hex(3)
    citizens = Citizens(run_id, powers, args.per_citizen, args.seed)
    print(
        f"gunicorn: {args.workers} {args.worker_class} workers"
        + (f" × {args.threads} threads" if args.threads > 1 else "")
        + f", DEBUG=False, {engine}, shared cache {cache_backend}; load: {args.clients} "
        f"threads, {args.warmup:g} s warm-up + {args.rounds} rounds of {args.seconds:g} s; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    log = RESULTS / "gunicorn-feedback-latest.log"
    with gunicorn(
        env, workers=args.workers, worker_class=args.worker_class, threads=args.threads, log=log
    ) as server:
        for power in powers:
            status, _headers, body = fetch(server.port, power.path)
            if status != 200 or not TOKEN_RE.search(body) or power.code.encode() not in body:
                raise RuntimeError(f"{power.path} answered {status}, or without the form")
        samples = measure(server, args, citizens)
        flood = None
        if args.flood_seconds:
            flood = hostile_flood(server.port, citizens, args.flood_seconds)
            print(
                f"  hostile flood: one address, a new browser each time, {flood['attempts']} "
                f"bad ratings of {flood['powers']} powers in {args.flood_seconds:g} s: "
                f"{flood['accepted']} accepted ({flood['counted']} counted, {flood['held']} held "
                f"for the legal office, {flood['deadlines']} reply deadlines); the daily limits "
                f"refuse the rest until tomorrow. Before: up to {FLOOD_BEFORE_PER_DAY:,} a day, "
                f"all counted, each with a deadline."
            )
        burst = None
        if args.burst:
            # one browser: the per-browser limit binds before the per-address one
            limits = settings.FEEDBACK_RATE_LIMITS
            limit = min(limits["ip_per_minute"], limits.get("client_per_minute", 10**6))
            burst = rate_limit_burst(server.port, citizens, limit)
            print(
                f"  rate-limit burst: one browser at one address sends {burst.get('sent')} at "
                f"once, limit {limit}/min: {counts(burst.get('statuses', {}))}"
            )
    rows = stored_rows()
    if args.redis_url:
        clear_redis(args.redis_url)  # leave the Redis database as it was found
    verification = verify(citizens.posts, rows, run_id)
    summaries = summarise(samples)
    feedback = next(s for s in summaries if s.label == FEEDBACK)
    elapsed = time.monotonic() - started

    print()
    print_table(summaries, unit="rate/s")
    print(
        f"\nrate: feedback = 200 answers with a tracking number per second (each citizen's "
        f"power-page GET included), plain = req/s of {PLAIN_PATH}; ratio = feedback ÷ the plain "
        f"rounds around it, median of {args.rounds} rounds; latencies of the POSTs; cache: "
        f"X-Page-Cache of the power-page GETs. ms cpu: gunicorn CPU per accepted submission "
        f"(per plain request); cpu: plain ÷ feedback ms cpu. cpu c/s: % of one core used by "
        f"the load generator / gunicorn."
    )
    print_verification(verification)
    goal_met = feedback.rate >= GOAL_PER_SECOND and not verification.failed
    where = "on SQLite" if engine == "sqlite3" else f"(the goal is for SQLite; this is {engine})"
    print(
        f"goal: >= {GOAL_PER_SECOND:.0f} accepted/s {where} with none lost: "
        f"{mark(goal_met)} (median {feedback.rate:.1f}/s, ratio to plain "
        f"{feedback.ratio:.2f}); none lost or duplicated: {mark(not verification.failed)}"
    )
    warnings = problems(summaries, verification, log)
    if burst is not None and not burst.get("holds"):
        warnings.append(f"rate limit exceeded under concurrency: {burst}")
    for warning in warnings:
        print(f"WARNING {warning}")
    print(f"took {elapsed:.0f} s (database {built.get('total_s', 0):.0f} s)")

    report |= {
        "config": {
            "database": database,
            "engine": engine,
            "shared_cache": cache_backend,
            "clients": args.clients,
            "seconds": args.seconds,
            "warmup_s": args.warmup,
            "rounds": args.rounds,
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads,
            "powers": len(powers),
            "per_citizen": args.per_citizen,
            "seed": args.seed,
        },
        "goal_per_second": GOAL_PER_SECOND,
        "goal_met": goal_met,
        "summary": [asdict(s) for s in summaries],
        "samples": [asdict(s) for s in samples],
        "queries_per_submission": queries,
        "verification": asdict(verification),
        "rate_limit_burst": burst,
        "hostile_flood": flood,
        "hostile_flood_before_per_day": FLOOD_BEFORE_PER_DAY,
        "warnings": warnings,
        "elapsed_s": round(elapsed, 1),
        "database": built,
    }
    default = "feedback-latest.json" if engine == "sqlite3" else f"feedback-{engine}-latest.json"
    write_report(report, args.output, default)
    return 1 if verification.failed or warnings else 0


if __name__ == "__main__":
    run(main)
