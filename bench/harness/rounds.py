"""Interleaved rounds against the plain view, and every figure's ratio to it.

A run measures the plain view first in each round, then each subject, and the plain view once
more at the very end: plain, a, b, plain, a, b, ..., plain. A subject's ratio divides its rate
by the mean of the plain view's rates just before and just after its round, so the machine's
speed, and a slow drift of it during a round, largely cancel out; on a shared, noisy machine
quote the ratios and their medians, not single figures. The cpu ratio is the same comparison
made with gunicorn's CPU time per request (per counted unit), which background load disturbs
less.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.harness import PLAIN
from bench.harness.load import Load, LoadFunction
from bench.harness.report import counts, number
from bench.harness.server import Server
from bench.harness.stats import median, sum_counts


@dataclass
class Sample:
    """One measurement of one subject in one round."""

    label: str
    round: int
    seconds: float
    requests: int
    rate: float  # per second: responses, or what the script counts (accepted submissions)
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    statuses: dict
    cache: dict
    client_cpu_pct: float  # of one core, by the load generator
    server_cpu_pct: float | None  # of one core, by gunicorn
    server_cpu_ms: float | None  # gunicorn's CPU per request (per counted unit)
    path: str = ""
    ratio: float | None = None
    cpu_ratio: float | None = None
    extra: dict = field(default_factory=dict)  # the script's own figures


@dataclass
class Summary:
    """A subject's samples over the rounds: medians, sums, each round's ratio."""

    label: str
    path: str
    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    ratio: float
    ratios: list[float]
    rates: list[float]
    cpu_ratio: float | None
    server_cpu_ms: float | None
    server_cpu_pct: float | None
    client_cpu_pct: float
    statuses: dict
    cache: dict
    errors: int
    goal: float | None = None


def sample(label, round_number, load: Load, *, server_cpu, counted=None, path="") -> Sample:
    """A Sample from a Load and gunicorn's CPU seconds before and after it (server_cpu); the
    rate is of the responses, or of `counted` units (e.g. accepted submissions) when given."""
    done = load.requests if counted is None else counted
    before, after = server_cpu
    cpu_pct = cpu_ms = None
    if before is not None and after is not None:
        cpu_pct = 100 * (after - before) / load.seconds
        cpu_ms = 1000 * (after - before) / done if done else None
    return Sample(
        label=label,
        round=round_number,
        seconds=load.seconds,
        requests=load.requests,
        rate=done / load.seconds,
        p50_ms=load.p50_ms,
        p95_ms=load.p95_ms,
        p99_ms=load.p99_ms,
        errors=load.errors,
        statuses=load.statuses,
        cache=load.cache,
        client_cpu_pct=100 * load.client_cpu_s / load.seconds,
        server_cpu_pct=cpu_pct,
        server_cpu_ms=cpu_ms,
        path=path,
    )


def measure(
    server: Server,
    label: str,
    path: str,
    round_number: int,
    load: LoadFunction,
    *,
    seconds: float,
    warmup: float,
    connections: int,
    threads: int,
) -> Sample:
    """Load `path` for `seconds` (after `warmup` seconds, discarded)."""
    if warmup > 0:
        load(server.port, path, warmup, connections, threads)
    before = server.cpu_seconds()
    result = load(server.port, path, seconds, connections, threads)
    after = server.cpu_seconds()
    return sample(label, round_number, result, server_cpu=(before, after), path=path)


def interleaved(
    rounds: int,
    labels: list[str],
    measure_one: Callable[[str, int], Sample],
    *,
    unit="req/s",
    note: Callable[[Sample], str] | None = None,
) -> list[Sample]:
    """measure_one(label, round) for the plain view and then each label, `rounds` times, and the
    plain view once more; each sample is shown as it comes (with note(sample) after it), and
    gets its ratios. `unit` names the rate of the labels (the plain view's is req/s)."""
    samples = []

    def take(label, round_number):
        s = measure_one(label, round_number)
        show(s, "req/s" if label == PLAIN else unit, note(s) if note else "")
        samples.append(s)

    for round_number in range(1, rounds + 1):
        for label in [PLAIN, *labels]:
            take(label, round_number)
    take(PLAIN, rounds + 1)
    ratios_to_plain(samples)
    return samples


def ratios_to_plain(samples: list[Sample]):
    """Set each sample's ratio and cpu ratio to the plain samples of its round and the next."""
    plain = {s.round: s for s in samples if s.label == PLAIN}
    for s in samples:
        if s.label == PLAIN:
            s.ratio = s.cpu_ratio = 1.0
            continue
        around = (plain[s.round], plain[s.round + 1])
        s.ratio = s.rate / statistics.mean(p.rate for p in around)
        plain_cpu = [p.server_cpu_ms for p in around]
        if s.server_cpu_ms and None not in plain_cpu:
            s.cpu_ratio = statistics.mean(plain_cpu) / s.server_cpu_ms


def summarise(samples: list[Sample], goals: dict | None = None) -> list[Summary]:
    """One Summary per label, in the order the labels were first measured."""
    goals = goals or {}
    summaries = []
    for label in dict.fromkeys(s.label for s in samples):
        mine = [s for s in samples if s.label == label]
        # The plain view's ratio is 1 by definition: counted once, not once per round.
        rounds = [s for s in mine if s.label != PLAIN or s.round == 1]
        summaries.append(
            Summary(
                label=label,
                path=mine[0].path,
                rate=median(s.rate for s in mine),
                p50_ms=median(s.p50_ms for s in mine),
                p95_ms=median(s.p95_ms for s in mine),
                p99_ms=median(s.p99_ms for s in mine),
                ratio=median(s.ratio for s in rounds),
                ratios=[round(s.ratio, 3) for s in rounds],
                rates=[round(s.rate, 1) for s in mine],
                cpu_ratio=median(s.cpu_ratio for s in rounds),
                server_cpu_ms=median(s.server_cpu_ms for s in mine),
                server_cpu_pct=median(s.server_cpu_pct for s in mine),
                client_cpu_pct=median(s.client_cpu_pct for s in mine),
                statuses=sum_counts(s.statuses for s in mine),
                cache=sum_counts(s.cache for s in mine),
                errors=sum(s.errors for s in mine),
                goal=goals.get(label),
            )
        )
    return summaries


def show(s: Sample, unit="req/s", note=""):
    print(
        f"  round {s.round}  {s.label:<22} {s.rate:7.1f} {unit:<10}"
        f"  p50 {s.p50_ms:6.1f}  p95 {s.p95_ms:6.1f}  p99 {s.p99_ms:6.1f} ms"
        f"  {counts(s.statuses)}  cache {counts(s.cache)}  cpu client/server"
        f" {s.client_cpu_pct:.0f}/{number(s.server_cpu_pct, 0)} %{note}",
        flush=True,
    )


def print_table(summaries: list[Summary], *, unit="req/s", column=None):
    """The summaries as a table; `column` = (header, width, function of a Summary) adds one."""
    name, width, cell = column or ("", 0, lambda s: "")
    head = (
        f"{'':<22} {unit:>7} {'ratio':>5}  {'per round':<15} {'goal':>5} {'cpu':>5}"
        f" {'ms cpu':>6} {'p50ms':>6} {'p95ms':>6} {'p99ms':>6} {name:>{width}} {'cpu c/s':>7}"
        f"  responses"
    )
    print(head)
    print("-" * len(head))
    for s in summaries:
        goal = "" if s.goal is None else f"{'✓' if s.ratio >= s.goal else '✗'}{s.goal:.2f}"
        per_round = " ".join(f"{r:.2f}" for r in s.ratios) if s.label != PLAIN else ""
        print(
            f"{s.label:<22} {s.rate:7.1f} {s.ratio:5.2f}  {per_round:<15} {goal:>5}"
            f" {number(s.cpu_ratio):>5} {number(s.server_cpu_ms):>6} {s.p50_ms:6.1f}"
            f" {s.p95_ms:6.1f} {s.p99_ms:6.1f} {cell(s):>{width}}"
            f" {s.client_cpu_pct:3.0f}/{number(s.server_cpu_pct, 0):>3}"
            f"  {counts(s.statuses)} cache {counts(s.cache)}"
            + (f"  errors {s.errors}" if s.errors else "")
        )
