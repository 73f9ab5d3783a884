"""The citizen's side of cases: 办件公示 (the list and each case's page), the lookup with the
rating of a finished case, and 网上申报 from a power's page with its receipt. Views read through
cases.selectors and write through cases.services only."""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from catalogue.selectors import live_departments, live_powers
from common import ratelimit
from feedback.services import RateLimited
from feedback.services import limit as feedback_limit

from . import qr, selectors, services, uploads
from .applicants import Applicant, ApplicantError
from .forms import CASE_NO_RE, ApplicationForm, LookupForm, RatingForm
from .models import Case, ClockStop, State

PAGE_SIZE = 20
# The list says "more than 1,000" rather than counting a million rows on every request.
COUNT_CAP = 1000
MAX_PARAM = 64  # the longest power code
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
CURSOR_RE = re.compile(r"^(\d{1,18}|n)-(\d{1,18})$")
RATE_SALT = "cases.rate"
RATE_TOKEN_SECONDS = 30 * 60
DEFAULT_APPLICATION_LIMITS = {"ip_per_hour": 10, "ip_per_day": 30}


# --- 办件公示 -----------------------------------------------------------------------------------


def _cursor_of(case: Case) -> str:
    return f"{int(case.published_at.timestamp() * 1_000_000)}-{case.pk}"


def _after(cases, cursor: str):
    """The rows after `cursor` in (-published_at, -id) order: a keyset, as fast on the last
    page as on the first. Every public case has its publication time (accepted or not)."""
    match = CURSOR_RE.match(cursor)
    if match is None:
        return None
    stamp, pk = match.group(1), int(match.group(2))
    if stamp == "n":
        return None
    try:
        moment = datetime.datetime.fromtimestamp(int(stamp) / 1_000_000, tz=datetime.UTC)
    except (OverflowError, ValueError, OSError):
        return None
    # (published_at, id) < (moment, pk), written so that the first condition bounds the index
    # scan.
    return cases.filter(Q(published_at__lte=moment) & (Q(published_at__lt=moment) | Q(id__lt=pk)))


def _param(request, name: str, problems: list[str], label: str) -> str:
    value = request.GET.get(name, "").strip()
    if len(value) > MAX_PARAM:
        problems.append(f"{label}参数过长，已忽略。")
        return ""
    return value


def _kept(chosen: dict) -> dict:
    """The filters in force, as the query string of the next page carries them."""
    kept = {}
    if "dept" in chosen:
        kept["dept"] = chosen["dept"]["code"]
    if "power" in chosen:
        kept["power"] = chosen["power"].code
    for name in ("state", "month"):
        if name in chosen:
            kept[name] = chosen[name]
    return kept


@require_GET
def case_list(request):
    """/cases/: accepted and not-accepted cases newest first, by department, power, state and
    month; a bad filter is ignored with a message (and the page is not cached)."""
    problems: list[str] = []
    filters, chosen = {}, {}
    departments = list(live_departments().order_by("path").values("id", "code", "title"))
    dept = _param(request, "dept", problems, "部门")
    if dept:
        found = next((d for d in departments if d["code"] == dept), None)
        if found is None:
            problems.append("没有这个部门，已显示全部部门的办件。")
        else:
            filters["department"], chosen["dept"] = found["id"], found
    code = _param(request, "power", problems, "事项")
    if code:
        power = live_powers().filter(code=code).only("id", "title", "code").first()
        if power is None:
            problems.append("没有这个事项编码，已显示全部事项的办件。")
        else:
            filters["power"], chosen["power"] = power.pk, power
    state = _param(request, "state", problems, "状态")
    if state:
        if state in selectors.PUBLIC_STATES:
            filters["state"] = chosen["state"] = state
        else:
            problems.append("没有这个办理状态，已忽略。")
    month = _param(request, "month", problems, "月份")
    if month:
        match = MONTH_RE.match(month)
        year, number = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        if 2000 <= year <= 2100 and 1 <= number <= 12:
            filters["month"], chosen["month"] = (year, number), month
        else:
            problems.append("月份的格式是 2026-03，已忽略。")
    cases = selectors.public_cases(**filters)
    after = _param(request, "after", problems, "翻页")
    page_cases = cases
    if after:
        page_cases = _after(cases, after)
        if page_cases is None:
            problems.append("翻页参数无效，已回到第一页。")
            page_cases, after = cases, ""
    rows = list(page_cases[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    titles = {d["id"]: d["title"] for d in departments}
    for row in rows:
        row.department_title = titles.get(row.department_id, "")
    # A count with a state filter would read each row (the state is not in the indexes): none.
    total = None if "state" in filters else cases.values("id")[: COUNT_CAP + 1].count()
    query = _kept(chosen)
    next_cursor = _cursor_of(rows[-1]) if more else ""
    context = {
        "cases": rows,
        "next_url": "?" + urlencode({**query, "after": next_cursor}) if next_cursor else "",
        "first_url": "?" + urlencode(query) if query else request.path,
        "first_page": not after,
        "total": None if total is None else min(total, COUNT_CAP),
        "total_capped": total is not None and total > COUNT_CAP,
        "problems": problems,
        "departments": departments,
        "states": [(value, State(value).label) for value in selectors.PUBLIC_STATES],
        "chosen": chosen,
        "today": timezone.localdate(),
    }
    return render(request, "cases/case_list.html", context, status=400 if problems else 200)


@require_GET
@never_cache
def case_detail(request, case_no):
    """A case in 公示: its steps with dates, posts and the officials who handled them (they act
    in office), the due date and how it was computed, the time stopped, the result. Rendered
    live (a few milliseconds): a case changes step by step, and a business system's batch
    would otherwise make a hundred cached pages stale at once."""
    if not CASE_NO_RE.match(case_no):
        raise Http404("没有这个办件")
    case = selectors.public_case(case_no)
    if case is None:
        raise Http404("没有这个办件，或该办件不予公示")
    department = live_departments().filter(pk=case.department_id).only("title", "url_path").first()
    return render(request, "cases/case_detail.html", {
        "case": case, "steps": case.steps_list, "stops": list(case.clock_stops.all()),
        "due": services.due_explained(case), "department": department,
    })  # fmt: skip


# --- the lookup and the rating ---------------------------------------------------------------


def _lookup_context(case: Case, *, ip_rated=None) -> dict:
    stops = list(case.clock_stops.all())
    awaited = [
        stop for stop in stops if stop.kind == ClockStop.Kind.CORRECTION and not stop.ended_on
    ]
    rated = services.case_rated(case)
    can_rate = case.state in (State.FINISHED, State.REJECTED) and not rated
    return {
        "case": case,
        "steps": case.steps_list,
        "stops": stops,
        "awaited": awaited,
        "due": services.due_explained(case),
        "rated": rated,
        "rating_form": RatingForm(initial={"token": _rate_token(case)}) if can_rate else None,
    }


def _rate_token(case: Case) -> str:
    """Proof, for half an hour, that this browser gave the case's number and password."""
    return signing.dumps({"no": case.case_no}, salt=RATE_SALT)


@never_cache
@require_http_methods(["GET", "POST"])
def lookup(request):
    """/cases/lookup/: case number and password (or the phone's last four digits) → where the
    case stands; a finished case's applicant may rate it once. Never cached."""
    context = {"searched": False}
    status = 200
    if request.method == "POST" and "token" in request.POST:
        return _rate(request)
    form = LookupForm(request.POST or None, initial={"case_no": request.GET.get("no", "")[:30]})
    if request.method == "POST":
        ip = ratelimit.client_ip(request)
        if not ratelimit.allow("case-lookup-minute", ip, feedback_limit("lookups_per_minute"), 60):
            form.is_valid()
            form.add_error(None, "查询过于频繁，请一分钟后再试。")
            status = 429
        elif form.is_valid():
            try:
                case = services.case_lookup(form.cleaned_data["case_no"],
                                            form.cleaned_data["verifier"], ip=ip)  # fmt: skip
            except services.LookupLocked as locked:
                form.add_error(None, str(locked))
                status = 429
            else:
                context["searched"] = True
                if case is not None:
                    context.update(_lookup_context(case))
        else:
            status = 400
    context["form"] = form
    return render(request, "cases/lookup.html", context, status=status)


def _rate(request):
    form = RatingForm(request.POST)
    context = {"form": LookupForm(), "searched": False}
    try:
        token = signing.loads(request.POST.get("token", "")[:300], salt=RATE_SALT,
                              max_age=RATE_TOKEN_SECONDS)  # fmt: skip
        case = Case.objects.get(case_no=str(token["no"])[:20])
    except (signing.BadSignature, Case.DoesNotExist, KeyError, TypeError):
        context["page_error"] = "评价页面已过期，请重新输入办件编号和查询密码后评价。"
        return render(request, "cases/lookup.html", context, status=400)
    context.update(_lookup_context(case), searched=True)
    if not form.is_valid():
        context["rating_form"] = form
        return render(request, "cases/lookup.html", context, status=400)
    device = request.COOKIES.get(settings.CSRF_COOKIE_NAME, "")
    try:
        receipt = services.case_rate(case, rating=form.cleaned_data["rating"],
                                     comment=form.cleaned_data["comment"],
                                     ip=ratelimit.client_ip(request), client=device)  # fmt: skip
    except services.CaseError as error:
        form.add_error(None, str(error))
        context["rating_form"] = form if error.code != "rated" else None
        context["rating_error"] = str(error)
        return render(request, "cases/lookup.html", context, status=400)
    except RateLimited as error:
        context["rating_form"], context["rating_error"] = form, str(error)
        return render(request, "cases/lookup.html", context, status=429)
    context.update(_lookup_context(case), searched=True, rating_receipt=receipt)
    return render(request, "cases/lookup.html", context)


# --- 网上申报 ----------------------------------------------------------------------------------


def _application_limit(name: str) -> int:
    configured = getattr(settings, "CASE_APPLICATION_LIMITS", {})
    return int(configured.get(name, DEFAULT_APPLICATION_LIMITS[name]))


def _materials_of(power) -> list[dict]:
    return [
        {"number": number, "name": block.value["name"], "field": f"material-{number}",
         "required": bool(block.value.get("required")), "note": block.value.get("note") or ""}
        for number, block in enumerate(power.materials, start=1)
    ]  # fmt: skip


def _application_page(request, power, form, materials, *, file_errors=None, status=200):
    return render(request, "cases/apply.html", {
        "power": power, "form": form, "materials": materials, "file_errors": file_errors or {},
        "accept": uploads.ACCEPT, "max_file": uploads.max_file_bytes() // (1024 * 1024),
        "max_total": uploads.max_total_bytes() // (1024 * 1024),
    }, status=status)  # fmt: skip


@require_http_methods(["GET", "POST"])
def apply(request, code):
    """网上申报 of a power that accepts it (网上办理深度 三级 or 四级): the applicant's fields and
    the listed materials; the receipt shows the case number and password once."""
    if len(code) > MAX_PARAM:
        raise Http404("没有这个事项编码")
    power = live_powers().filter(code=code).first()
    if power is None:
        raise Http404("没有这个事项编码")
    materials = _materials_of(power)
    if power.online_depth < 3 or power.status != "in_force":
        return render(request, "cases/apply_closed.html", {"power": power}, status=404)
    if request.method == "GET":
        form = ApplicationForm(initial={"applicant_type": "person", "applicant_id_type": "id_card"})
        return _application_page(request, power, form, materials)
    return _submit(request, power, materials)


@never_cache
def _submit(request, power, materials):
    form = ApplicationForm(request.POST)
    ip = ratelimit.client_ip(request)
    if not (
        ratelimit.allow("case-apply-hour", ip, _application_limit("ip_per_hour"), 3600)
        and ratelimit.allow("case-apply-day", ip, _application_limit("ip_per_day"), 86400)
    ):
        form.is_valid()
        form.add_error(None, "提交过于频繁，请稍后再试，或到窗口办理。")
        return _application_page(request, power, form, materials, status=429)
    file_errors = {}
    named = []
    for material in materials:
        upload = request.FILES.get(material["field"])
        if upload is None:
            if material["required"]:
                file_errors[material["field"]] = f"请上传“{material['name']}”。"
            continue
        named.append((material["name"], material["field"], upload))
    checked, upload_errors = uploads.check_all(named)
    file_errors.update(upload_errors)
    applicant = None
    if form.is_valid():
        try:
            applicant = Applicant.clean(form.cleaned_data)
        except ApplicantError as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
    if applicant is None or file_errors:
        if "__all__" in file_errors:
            form.add_error(None, file_errors.pop("__all__"))
        return _application_page(request, power, form, materials, file_errors=file_errors,
                                 status=400)  # fmt: skip
    try:
        opened = services.application_submit(power, applicant, files=checked, ip=ip)
    except services.CaseError as error:
        form.add_error(None, str(error))
        return _application_page(request, power, form, materials, status=400)
    context = {"power": power, **qr.receipt_context(request, opened.case, opened.password)}
    return render(request, "cases/receipt.html", context)
