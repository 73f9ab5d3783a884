"""The benchmarks' arithmetic: what a figure in a README table means must not drift."""

import math

import pytest

from bench.harness import PLAIN
from bench.harness.rounds import Sample, ratios_to_plain, summarise
from bench.harness.sql import statement_kind
from bench.harness.stats import distribution, median, percentile


def _sample(label, round_number, rate, cpu_ms=None):
    return Sample(
        label=label,
        round=round_number,
        seconds=5.0,
        requests=int(rate * 5),
        rate=rate,
        p50_ms=1.0,
        p95_ms=2.0,
        p99_ms=3.0,
        errors=0,
        statuses={"200": int(rate * 5)},
        cache={},
        client_cpu_pct=10.0,
        server_cpu_pct=None,
        server_cpu_ms=cpu_ms,
    )


def test_a_percentile_is_a_measured_latency_by_nearest_rank():
    latencies = list(range(1, 101))
    assert percentile(latencies, 50) == 50
    assert percentile(latencies, 95) == 95
    assert percentile(latencies, 99) == 99
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    assert distribution([3, 1, 2])["p50"] == 2
    assert distribution([]) == {"n": 0}


def test_a_figure_that_could_not_be_measured_does_not_count_in_the_median():
    assert median([1.0, None, 3.0]) == 2.0
    assert median([None]) is None


def test_a_page_is_compared_with_the_plain_view_just_before_and_just_after_its_round():
    samples = [
        _sample(PLAIN, 1, 100.0, cpu_ms=1.0),
        _sample("power", 1, 75.0, cpu_ms=4.0),
        _sample(PLAIN, 2, 200.0, cpu_ms=3.0),
        _sample("power", 2, 100.0, cpu_ms=None),
        _sample(PLAIN, 3, 200.0, cpu_ms=3.0),
    ]
    ratios_to_plain(samples)
    first, second = samples[1], samples[3]
    assert first.ratio == pytest.approx(75 / 150)
    assert first.cpu_ratio == pytest.approx(2.0 / 4.0)
    assert second.ratio == pytest.approx(0.5)
    assert second.cpu_ratio is None  # gunicorn's CPU time was not readable
    assert samples[0].ratio == samples[2].ratio == 1.0


def test_the_table_gives_the_median_over_rounds_and_the_plain_view_counts_once():
    samples = [_sample(PLAIN, 1, 100.0)]
    for round_number, rate in [(1, 40.0), (2, 90.0), (3, 60.0)]:
        samples += [_sample("power", round_number, rate), _sample(PLAIN, round_number + 1, 100.0)]
    ratios_to_plain(samples)
    plain, power = summarise(samples, {"power": 0.25})
    assert (plain.label, plain.ratio, plain.ratios, plain.rate) == (PLAIN, 1.0, [1.0], 100.0)
    assert power.ratio == pytest.approx(0.6)
    assert power.ratios == [0.4, 0.9, 0.6]
    assert power.goal == 0.25
    assert power.statuses == {"200": 950}


def test_a_statement_is_counted_by_verb_and_table():
    assert statement_kind('SELECT "a"."id" FROM "catalogue_powerpage" WHERE 1') == (
        "SELECT catalogue_powerpage"
    )
    assert statement_kind('INSERT INTO "feedback_feedback" ("kind") VALUES (%s)') == (
        "INSERT feedback_feedback"
    )
    assert statement_kind('UPDATE "wagtailcore_page" SET "live" = true') == (
        "UPDATE wagtailcore_page"
    )
    assert statement_kind('SAVEPOINT "s1"') == "SAVEPOINT"
