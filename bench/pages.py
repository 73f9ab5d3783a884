"""Throughput and latency of the public pages, as a ratio of a plain 1 KB Django view.

Run from the repository root:  python -m bench.pages   (or `make bench`); `--help` lists the
options. A run takes about 2 minutes, plus ~70 s when the database is built.

What it measures: the hall's pages as an anonymous citizen gets them, served by gunicorn (2
sync workers, DEBUG=False) from the demo catalogue, beside the plain view in interleaved
rounds (bench/harness/url_bench.py tells the run step by step):
  plain                   /_util/bench/plain/ — the ceiling, a plain Django view returning 1 KB,
                          through Django's whole middleware stack but never cached
  plain, page-cache hit   the same view on a path the page cache stores, for comparison with
                          the pages' cache hits
  power                   the live power with the most steps
  catalogue, catalogue p2 the catalogue filtered by type 01 (the most common type if 01 has
                          one page only), and its second page
  home                    the hall's home page
Writes bench/results/pages-latest.json (pages-page-cache-off-latest.json with --page-cache off).

How to read it
  ratio = req/s of the URL ÷ req/s of the plain view around the same round; the table gives
  the median over rounds, and each round's ratio. Issue goals: power page >= 0.25, catalogue
  >= 0.15 of that ceiling (for scale: a stock Wagtail page measured 0.06, a paginated index
  0.03). On a shared, noisy machine quote the ratios and medians, not single figures; "cpu" is
  the same ratio from gunicorn's CPU time per request, which background load disturbs less.
  "responses" counts status codes and the X-Page-Cache header (hit/miss; none = not
  cacheable) of every measured response. "cpu c/s" is the CPU time of the load generator and
  of gunicorn per wall-clock second (100 = one core): if the generator uses a whole core while
  the server leaves CPU idle, the generator is the limit, not the server. `--page-cache off`
  runs gunicorn with the page cache disabled: what the pages cost when rendered (e.g. the
  first request after a publish).

Options are those of the former `bench/pages.py`; `--db PATH` without `--reuse` now also uses
a file as it is when this harness built it for the same fixtures and migrations (before, it
loaded the demo catalogue over it again).
"""

from __future__ import annotations

from collections import Counter

from bench.harness import PLAIN, PLAIN_PATH, url_bench
from bench.harness.runner import run

GOALS = {"power": 0.25, "catalogue": 0.15}


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
    power = live_powers().get(pk=power.pk)
    about = (
        f"power page {power.code} {power.title}: {len(power.steps)} steps, "
        f"{power.legal_bases.count()} legal bases"
    )
    urls = {
        PLAIN: PLAIN_PATH,
        "plain, page-cache hit": "/_bench/plain/",
        "power": path_of(power),
        "catalogue": f"{catalogue}?type={power_type}",
        "catalogue p2": f"{catalogue}?type={power_type}&page=2",
        "home": path_of(HomePage.objects.live().first()),
    }
    return urls, about


if __name__ == "__main__":
    run(url_bench.main, doc=__doc__, pick=pick_urls, goals=GOALS, name="pages")
