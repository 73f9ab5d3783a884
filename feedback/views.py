"""The citizen's side: the form (also on every power and department page), the receipt, the
lookup, and the published results at /evaluation/ with their downloads."""

import csv
import io

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common import ratelimit
from common.charts import Bar, BarChart, LineChart, Series

from . import selectors
from .forms import FeedbackForm, LookupForm
from .models import Kind
from .services import (
    LookupLocked,
    RateLimited,
    Submission,
    feedback_lookup,
    feedback_submit,
    limit,
)


def _form_page(request, form, power, department, *, status=200):
    return render(request, "feedback/form_page.html",
                  {"form": form, "power": power, "department": department},
                  status=status)  # fmt: skip


@never_cache
def feedback_new(request):
    """The form on a page of its own (where the short form on a power page sends errors)."""
    if request.method == "POST":
        return feedback_submit_view(request)
    power, department = selectors.feedback_target(
        request.GET.get("power", ""), request.GET.get("dept", "")
    )
    if power is None and department is None:
        raise Http404("没有找到这个事项或部门")
    initial = {"kind": request.GET.get("kind", Kind.EVALUATION)}
    if initial["kind"] not in Kind.values:
        initial["kind"] = Kind.EVALUATION
    return _form_page(request, FeedbackForm(initial=initial), power, department)


@never_cache
def feedback_submit_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    power, department = selectors.feedback_target(
        request.POST.get("power", ""), request.POST.get("dept", "")
    )
    form = FeedbackForm(request.POST)
    if power is None and department is None:
        form.is_valid()
        form.add_error(None, "没有找到要评议的事项或部门，请从事项页面重新进入。")
        return _form_page(request, form, None, None, status=400)
    if not form.is_valid():
        return _form_page(request, form, power, department, status=400)
    data = form.cleaned_data
    submission = Submission(
        kind=data["kind"], rating=data["rating"], comment=data["comment"], name=data["name"],
        phone=data["phone"], consent_to_contact=data["consent_to_contact"], power=power,
        department=department,
    )  # fmt: skip
    try:
        # every browser has a CSRF cookie of its own: a double click folds, a neighbour's
        # identical rating from the same office network does not
        device = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
        receipt = feedback_submit(submission, ip=ratelimit.client_ip(request), client=device)
    except RateLimited as limited:
        form.add_error(None, str(limited))
        return _form_page(request, form, power, department, status=429)
    return render(request, "feedback/receipt.html", {
        "receipt": receipt, "power": power, "department": department,
        "kind": Kind(data["kind"]), "needs_reply": bool(receipt.feedback and
                                                        receipt.feedback.due_on),
        "due_on": receipt.feedback.due_on if receipt.feedback else None,
    })  # fmt: skip


@never_cache
def feedback_lookup_view(request):
    """Tracking number + the last four digits of the phone (or the receipt's code): the status
    and the reply. A wrong suffix and an unknown number get the same answer."""
    feedback, searched = None, False
    form = LookupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        ip = ratelimit.client_ip(request)
        if not ratelimit.allow("lookup-minute", ip, limit("lookups_per_minute"), 60):
            form.is_valid()
            form.add_error(None, "查询过于频繁，请一分钟后再试。")
            status = 429
        elif form.is_valid():
            try:
                feedback = feedback_lookup(form.cleaned_data["tracking_no"],
                                           form.cleaned_data["verifier"], ip=ip)  # fmt: skip
                searched = True
            except LookupLocked as locked:
                form.add_error(None, str(locked))
                status = 429
        else:
            status = 400
    return render(request, "feedback/lookup.html",
                  {"form": form, "feedback": feedback, "searched": searched},
                  status=status)  # fmt: skip


@require_GET
def evaluation(request):
    """定期公布评议结果: satisfaction per department and per type, by month or quarter."""
    today = timezone.localdate()
    this_month = selectors.Period("month", today.replace(day=1))
    period = _chosen_period(request)
    results = selectors.satisfaction(period)
    months = this_month.previous(12)[::-1]
    quarter_start = today.replace(day=1, month=(today.month - 1) // 3 * 3 + 1)
    quarters = selectors.Period("quarter", quarter_start).previous(8)[::-1]
    bars = BarChart([
        Bar(row.label, (row.figures.rate or 0) * 100, row.figures.rate_percent)
        for row in results.departments if row.figures.ratings
    ], maximum=100).layout()  # fmt: skip
    totals = []
    for index, past in enumerate(results.trend_periods):
        ratings = sum(row.trend[index][1].ratings for row in results.departments)
        satisfied = sum(row.trend[index][1].satisfied for row in results.departments)
        totals.append((past, ratings, satisfied / ratings * 100 if ratings else None))
    trend = LineChart([p.param[2:] for p, _n, _r in totals],
                      [Series("全区满意率（%）", "line--rate", [r for _p, _n, r in totals])],
                      ).layout()  # fmt: skip
    return render(request, "feedback/evaluation.html", {
        "results": results, "rows": results.departments, "months": months,
        "quarters": quarters, "bars": bars, "trend": trend, "trend_totals": totals,
    })  # fmt: skip


def _chosen_period(request):
    """The period asked for; without a choice the last complete month (early in a month the
    current one holds a handful of ratings, which would read as the district's result)."""
    today = timezone.localdate()
    raw = request.GET.get("period", "")
    if raw:
        return selectors.Period.parse(raw, today=today)
    return selectors.Period("month", today.replace(day=1)).previous(2)[0]


HEADERS = ["类别", "名称", "期间", "评价数", "满意数（非常满意+满意+基本满意）", "满意率",
           "差评数", "差评按期答复数", "差评按期答复率"]  # fmt: skip


def _table(results):
    for group, rows in (("部门", results.departments), ("事项类型", results.types)):
        for row in rows:
            f = row.figures
            yield [group, row.label, results.period.label, f.ratings, f.satisfied,
                   f.rate_percent, f.bad, f.bad_on_time, f.on_time_percent]  # fmt: skip


def _neutralise(value):
    """A cell a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@require_GET
def evaluation_download(request, fmt):
    period = _chosen_period(request)
    results = selectors.satisfaction(period, trend_length=1)
    filename = f"evaluation-{period.param}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 with a BOM cleanly
        writer = csv.writer(buffer)
        writer.writerow(HEADERS)
        for line in _table(results):
            writer.writerow([_neutralise(v) for v in line])
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "评议结果"
        sheet.append(HEADERS)
        for line in _table(results):
            sheet.append([_neutralise(v) for v in line])
        output = io.BytesIO()
        workbook.save(output)
        response = HttpResponse(
            output.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
