"""Throughput and p99 of the JSON API, as a ratio of a plain 1 KB Django view.

Run from the repository root:  .venv/bin/python bench/api.py   (`--help` lists the options;
they are bench/pages.py's). A run takes about 2 minutes, plus ~70 s when the database is built.

What it does: exactly what bench/pages.py does (its own SQLite database under /tmp with the demo
catalogue, gunicorn with 2 sync workers and DEBUG=False on loopback, 3 interleaved rounds of
1 s warm-up + 5 s of load with 8 connections, SQL per request counted in-process), for:
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

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    # Run as a script, Python puts bench/ first on the path, where bench/search.py would hide the
    # project's `search` app. Import from the repository root instead.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != REPO / "bench"]
    sys.path.insert(0, str(REPO))

from bench import pages  # noqa: E402

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
    about = f"{power.code}: {power.citations} citations, {len(power.steps)} steps"
    urls = {
        pages.PLAIN: "/_util/bench/plain/",
        "list": "/api/v3/powers/?type=01",
        "detail": f"/api/v3/powers/{power.code}/",
        "search": "/api/v3/search/?q=%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7",  # 营业执照
    }
    return urls, about


if __name__ == "__main__":
    pages.run(pages.main, pick=pick_urls, goals=GOALS, name="api", doc=__doc__)
