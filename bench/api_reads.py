"""Throughput and p99 of the JSON API's reads, as a ratio of a plain 1 KB Django view.

Run from the repository root:  python -m bench.api_reads   (or `make bench`; `--help` lists
the options, the same as bench.pages'). Formerly `bench/api.py`, renamed so that it does not
share its name with the `api` app. A run takes about 2 minutes, plus ~70 s when the database is
built.

What it measures: the same run as bench.pages (bench/harness/url_bench.py: its own SQLite
database with the demo catalogue, gunicorn with 2 sync workers and DEBUG=False on loopback, 3
interleaved rounds of 1 s warm-up + 5 s of load with 8 connections, SQL per request counted
in-process), for:
  plain       /_util/bench/plain/ — the ceiling, a plain Django view returning 1 KB
  list        /api/v3/powers/?type=01 — the first page (20 items) of the 行政许可
  detail      /api/v3/powers/<code>/ — the live power with the most citations (then steps)
  search      /api/v3/search/?q=营业执照 (URL-encoded) — never cached (every search is logged)
Writes bench/results/api-latest.json (api-page-cache-off-latest.json with --page-cache off).

How to read it: ratio = req/s ÷ req/s of the plain view around the same round (median of the
rounds); p99 in ms. Goal (the issue): detail at 0.3 or more of the ceiling. With the cache on
(the default), repeated reads are answered from the per-process cache of anonymous reads
(api/middleware.py) — every publish and every counted rating makes it stale; --page-cache off
shows what a read costs when it is built (e.g. the first read after an approval).
"""

from bench.harness import PLAIN, PLAIN_PATH, url_bench
from bench.harness.runner import run

GOALS = {"detail": 0.3}


def pick_urls():
    from django.db.models import Count

    from catalogue.selectors import live_powers

    power = (
        live_powers()
        .annotate(citations=Count("legal_bases"))
        .order_by("-citations", "path")
        .only("id", "code", "steps")
        .first()
    )
    if power is None:
        raise RuntimeError("no live power: is the demo catalogue loaded?")
    about = f"detail of {power.code}: {power.citations} citations, {len(power.steps)} steps"
    urls = {
        PLAIN: PLAIN_PATH,
        "list": "/api/v3/powers/?type=01",
        "detail": f"/api/v3/powers/{power.code}/",
        "search": "/api/v3/search/?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7",  # 营业执照
    }
    return urls, about


if __name__ == "__main__":
    run(url_bench.main, doc=__doc__, pick=pick_urls, goals=GOALS, name="api")
