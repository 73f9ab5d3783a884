"""What the generated flowchart costs: the power page with its chart, the chart cold, the PDF.

Run from the repository root:  python -m bench.flowchart   (`--help` lists the options; they
are bench.pages's). A run takes about two minutes, plus ~70 s when the database is built.

Two parts, both on the demo catalogue in the bench's own SQLite database:

1. In this process, before the server starts (CPU time, time.process_time, median of many):
     chart cold   the three drawings a power page inlines (wide, stacked for phones, across
                  the page for print) of a ten-step process with every kind of branch, laid
                  out and written as SVG with nothing cached (issue goal: <= 20 ms)
     PNG          the wide chart drawn as a bitmap (kept per revision once drawn)
     PDF          the one-page guide rendered by WeasyPrint (kept per revision once made)
     baseline     the plain 1 KB view through Django's test client, in the same process
2. Over HTTP (gunicorn, interleaved rounds with the plain 1 KB view, as bench.pages):
     power        the live power with the most steps: its page, now with the chart inline
                  (issue goal: >= 0.25 of the plain view)
     svg, png,    /p/<code>/flowchart.svg and .png, /p/<code>/guide.pdf (files are kept per
     pdf          revision in the shared cache, not in the per-process page cache)

Writes bench/results/flowchart-latest.json.
"""

from __future__ import annotations

import statistics
import time

from bench.harness import PLAIN, PLAIN_PATH, url_bench
from bench.harness.runner import run

GOALS = {"power": 0.25}
CPU_RUNS = 60


def cpu_ms(function, runs=CPU_RUNS) -> float:
    samples = []
    for _ in range(runs):
        started = time.process_time()
        function()
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def ten_step_flow(power):
    """A ten-step process made of the power's real steps, with 补正/不予/准予 branches."""
    from catalogue import flowchart

    flow = flowchart.flow_of(power)
    outcomes = (("approve", "refuse", "correction"), (), ("approve", "refuse"), ())
    steps = []
    for index in range(10):
        step = flow.steps[index % len(flow.steps)]
        steps.append(
            flowchart.Step(
                f"{step.name}（{index + 1}）", step.post, step.description, step.time_limit,
                step.supervision, outcomes[index % len(outcomes)],
            )
        )  # fmt: skip
    return flowchart.Flow(**{**flow.__dict__, "steps": tuple(steps)})


def time_in_process(power) -> dict:
    from django.template.loader import render_to_string
    from django.test import Client, RequestFactory

    from bench.harness import HOST
    from catalogue import flowchart, guide

    flow = ten_step_flow(power)

    def three_charts():
        for variant in (flowchart.WIDE, flowchart.NARROW, flowchart.PRINT):
            flowchart.to_svg(flowchart.layout(flow, variant), ident=variant)

    client = Client(HTTP_HOST=HOST)
    client.get(PLAIN_PATH)
    plain = cpu_ms(lambda: client.get(PLAIN_PATH), runs=400)
    chart = cpu_ms(three_charts)
    wide = flowchart.layout(flow, flowchart.WIDE)
    png_bytes = flowchart.to_png(wide)
    png = cpu_ms(lambda: flowchart.to_png(wide), runs=10)

    request = RequestFactory().get("/", HTTP_HOST=HOST)
    html = render_to_string("catalogue/guide.html", guide.guide_context(request, power))
    pdf_bytes = guide.render_pdf(html)
    pdf = cpu_ms(lambda: guide.render_pdf(html), runs=5)
    context_ms = cpu_ms(
        lambda: render_to_string("catalogue/guide.html", guide.guide_context(request, power)),
        runs=20,
    )
    figures = {
        "plain view (test client)": {"ms cpu": round(plain, 3), "ratio": 1.0},
        "chart cold, 10 steps, 3 drawings": {"ms cpu": round(chart, 2),
                                             "ratio": round(chart / plain, 1), "goal ms": 20},
        "PNG of the chart": {"ms cpu": round(png, 1), "ratio": round(png / plain, 1),
                             "bytes": len(png_bytes)},
        "guide HTML": {"ms cpu": round(context_ms, 1), "ratio": round(context_ms / plain, 1)},
        "guide PDF (WeasyPrint)": {"ms cpu": round(pdf, 1), "ratio": round(pdf / plain, 1),
                                   "bytes": len(pdf_bytes)},
    }  # fmt: skip
    print("\nin-process CPU time, median (ratio: times the plain 1 KB view's CPU time)")
    print(f"  {'':<34}{'ms cpu':>9}{'ratio':>9}  notes")
    for label, values in figures.items():
        notes = ", ".join(f"{k} {v:,}" for k, v in values.items() if k not in ("ms cpu", "ratio"))
        print(f"  {label:<34}{values['ms cpu']:>9}{values['ratio']:>9}  {notes}")
    print()
    return figures


def pick_urls() -> tuple[dict[str, str], str]:
    from catalogue.selectors import live_powers

    powers = live_powers().order_by("path").only("id", "path", "url_path", "depth", "steps")
    power = max(powers, key=lambda p: len(p.steps), default=None)
    if power is None or not power.steps:
        raise RuntimeError("no live power with steps: is the demo catalogue loaded?")
    power = live_powers().get(pk=power.pk)
    figures = time_in_process(power)
    urls = {
        PLAIN: PLAIN_PATH,
        "power": power.get_url_parts()[2],
        "svg": f"/p/{power.code}/flowchart.svg",
        "png": f"/p/{power.code}/flowchart.png",
        "pdf": f"/p/{power.code}/guide.pdf",
    }
    in_process = "; ".join(f"{label} {values['ms cpu']} ms" for label, values in figures.items())
    return urls, f"power {power.code} {power.title}: {len(power.steps)} steps. CPU: {in_process}"


if __name__ == "__main__":
    run(url_bench.main, doc=__doc__, pick=pick_urls, goals=GOALS, name="flowchart")
