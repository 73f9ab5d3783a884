"""绩效评估 in public: /performance/ (the ranking, each indicator, how the score is computed,
trends, charts with the same figures as tables) and its CSV/XLSX downloads. Published figures
only: no names of officials, no cases' personal data."""

from __future__ import annotations

import csv
import io
import statistics

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from common.charts import Bar, BarChart, LineChart, Series

from .models import PerformanceSettings
from .performance import INDICATORS, Period, evaluation_for, findings_by_kind, totals

GRADE_CSS = {"优秀": "excellent", "良好": "good", "合格": "pass", "不合格": "fail"}
TREND_LENGTH = 6


def chosen_period(request) -> Period:
    """The period asked for (?period=2026-Q4, 2026-11 or 2026), or the last complete quarter.
    A period that has not begun: 404."""
    today = timezone.localdate()
    raw = request.GET.get("period", "")
    period = Period.parse(raw) if raw else Period.last_complete("quarter", today)
    if period is None:
        raise Http404("期间格式应为 2026-11、2026-Q4 或 2026。")
    if period.start > today:
        raise Http404("该期间尚未开始。")
    return period


def choices(today) -> dict[str, list[Period]]:
    month = Period("month", today.replace(day=1))
    quarter = Period("quarter", today.replace(day=1, month=(today.month - 1) // 3 * 3 + 1))
    year = Period("year", today.replace(day=1, month=1))
    return {"months": month.history(12)[::-1], "quarters": quarter.history(8)[::-1],
            "years": year.history(3)[::-1]}  # fmt: skip


def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _trend(period: Period, current: list):
    """The district's average score and on-time rate over the last periods of this kind."""
    labels, scores, on_time, rows = [], [], [], []
    by_department: dict[str, list] = {}
    periods = period.history(TREND_LENGTH)
    for index, past in enumerate(periods):
        results = current if past == period else evaluation_for(past)
        for result in results:
            by_department.setdefault(result.short_name, [None] * len(periods))[index] = result
        summed = totals(results)
        average = statistics.mean(r.score for r in results) if results else None
        rate = summed["on_time"] / summed["with_due"] if summed["with_due"] else None
        labels.append(past.param)
        scores.append(average)
        on_time.append(rate * 100 if rate is not None else None)
        rows.append((past, len(results), average, rate))
    lines = [Series("平均得分", "line--score", scores),
             Series("按时办结率（%）", "line--rate", on_time)]  # fmt: skip
    chart = LineChart(labels, lines).layout()
    return chart, rows, sorted(by_department.items())


@require_GET
def performance(request):
    period = chosen_period(request)
    today = timezone.localdate()
    results = evaluation_for(period)
    settings = PerformanceSettings.load()
    bars = BarChart([
        Bar(r.short_name, r.score, f"{r.score:.1f} {r.grade}", css=GRADE_CSS.get(r.grade, ""))
        for r in results
    ]).layout()  # fmt: skip
    trend, trend_rows, department_trends = _trend(period, results)
    rows = [(r, {name: percent(r.indicators.get(name)) for name in INDICATORS}) for r in results]
    return render(request, "supervision/performance.html", {
        "period": period, "complete": period.is_complete(today), "rows": rows,
        "results": results, "totals": totals(results), "settings": settings,
        "weights": [(INDICATORS[name], weight) for name, weight in settings.weights().items()],
        "bars": bars, "trend": trend, "trend_rows": trend_rows, "indicators": INDICATORS,
        "department_trends": department_trends,
        "findings": findings_by_kind(period),
        **choices(today),
    })  # fmt: skip


HEADERS = [
    "排名", "部门", "期间", "得分", "等级", "办结件数", "平均用时（工作日）",
    "平均承诺时限（工作日）", "按时办结率", "提前办结率",
    "办理用时得分率", "超期办结件数", "期末超期未办结", "督办按期回复率", "好差评满意率",
    "网上办理率", "提醒", "黄牌", "红牌", "过错责任追究", "红牌扣分", "过错扣分",
]  # fmt: skip


def _days(value) -> float | str:
    return "—" if value is None else round(float(value), 1)


def _lines(period, results):
    for r in results:
        f, i = r.figures, r.indicators
        yield [r.rank, r.title, period.label, r.score, r.grade, f["finished"],
               _days(f["days_used"]), _days(f["days_promised"]), percent(i["on_time"]),
               percent(i["early"]), percent(i["speed"]), f["late"],
               f["open_overdue"], percent(i["orders"]), percent(i["satisfaction"]),
               percent(i["online"]), f["reminders"], f["yellow"], f["red"], f["findings"],
               r.deductions["red"], r.deductions["findings"]]  # fmt: skip


@require_GET
def performance_download(request, fmt):
    period = chosen_period(request)
    results = evaluation_for(period)
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(HEADERS)
        writer.writerows(_lines(period, results))
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "绩效评估"
        sheet.append(HEADERS)
        for line in _lines(period, results):
            sheet.append(line)
        output = io.BytesIO()
        workbook.save(output)
        response = HttpResponse(
            output.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="performance-{period.param}.{fmt}"'
    return response
