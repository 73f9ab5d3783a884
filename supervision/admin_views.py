"""电子监察 in the admin beyond the dashboard: the warnings with their drill-down to the case,
督办单 (issue, answer, accept, return), 过错责任追究 findings, and 数据完整度 (each department's
completeness, its incomplete powers and the date a site administrator set for it).

Views read forms and call supervision.services; who may do what is decided there and in
access.roles (a department's staff see and answer their own; the legal office and 纪检监察 see
all and act)."""

from __future__ import annotations

import re
from collections import Counter

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from access import roles
from cases.selectors import cases_for
from catalogue.choices import PowerType
from catalogue.completeness import (
    ELEMENT_BY_KEY,
    ELEMENTS,
    powers_completeness,
    requirements_table,
    summarise,
)
from catalogue.models import DepartmentPage
from common.text import clean_public_text
from feedback.selectors import feedback_for
from workdays.calendar import WorkCalendar

from . import completion, services
from .alert_selectors import alerts_for, findings_for, orders_for
from .models import Category, FaultKind, Level, Measure, OrderState
from .selectors import visible_departments
from .services import SupervisionError
from .views import SupervisionMixin

PAGE_SIZE = 50


COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows (a district's history holds hundreds of thousands of
    warnings): the pages beyond are not offered, the count reads "10000 条以上"."""

    @property
    def count(self):
        if not hasattr(self, "_capped_count"):
            self._capped_count = self.object_list[: COUNT_CAP + 1].count()
        return min(self._capped_count, COUNT_CAP)

    @property
    def capped(self):
        return self.count and self._capped_count > COUNT_CAP


def _number(value) -> int | None:
    """A positive whole number written in ASCII digits, or None (no "²", no "٣")."""
    value = str(value or "")
    return int(value) if re.fullmatch(r"[0-9]{1,9}", value) else None


def _page(request, queryset):
    paginator = CappedPaginator(queryset, PAGE_SIZE)
    return paginator.get_page(_number(request.GET.get("page")) or 1)


def _day(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _refused(request, error) -> None:
    messages.error(request, str(error) if str(error) else "没有权限进行该操作。")


# --- warnings ---------------------------------------------------------------------------------


class AlertsView(SupervisionMixin, TemplateView):
    page_title = "电子监察：预警"
    template_name = "supervision/alerts.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        alerts = alerts_for(self.request.user)
        department = clean_public_text(params.get("dept", ""), 64)
        level, category = params.get("level", ""), params.get("category", "")
        state = params.get("state", "open")
        if department:
            alerts = alerts.filter(department__code=department)
        if level in Level.values:
            alerts = alerts.filter(level=level)
        if category in Category.values:
            alerts = alerts.filter(category=category)
        if state == "open":
            alerts = alerts.filter(cleared_at__isnull=True)
        elif state == "cleared":
            alerts = alerts.filter(cleared_at__isnull=False)
        case_no = clean_public_text(params.get("case", ""), 20).upper()
        if case_no:
            alerts = alerts.filter(case__case_no=case_no)
        context.update(
            page=_page(self.request, alerts.order_by("-raised_at", "-id")),
            levels=Level.choices, categories=Category.choices,
            level=level, category=category, state=state, case_no=case_no,
            department=DepartmentPage.objects.filter(code=department).first() if department
            else None,
            supervises=roles.supervises(self.request.user),
        )  # fmt: skip
        return context


class ClearForm(forms.Form):
    reason = forms.CharField(label="解除原因", max_length=300)


class AlertView(SupervisionMixin, TemplateView):
    template_name = "supervision/alert.html"
    page_title = "电子监察：预警"

    def get_object(self):
        return get_object_or_404(alerts_for(self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert = kwargs.get("alert") or self.get_object()
        user = self.request.user
        context.update(
            alert=alert, orders=alert.supervision_orders.order_by("-issued_at"),
            supervises=roles.supervises(user),
            case_visible=alert.case_id is not None
            and cases_for(user).filter(pk=alert.case_id).exists(),
            clear_form=kwargs.get("clear_form") or ClearForm(),
        )  # fmt: skip
        return context

    def post(self, request, *args, **kwargs):
        alert = self.get_object()
        form = ClearForm(request.POST)
        if form.is_valid():
            try:
                services.alert_clear(alert, user=request.user, reason=form.cleaned_data["reason"])
            except (SupervisionError, PermissionDenied) as error:
                _refused(request, error)
            else:
                messages.success(request, "预警已解除。")
                return redirect("supervision:alert", pk=alert.pk)
        return self.render_to_response(self.get_context_data(alert=alert, clear_form=form))


# --- 督办 -------------------------------------------------------------------------------------


class OrderForm(forms.Form):
    requirement = forms.CharField(label="督办事项及整改要求", max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 5}))  # fmt: skip
    days = forms.IntegerField(label="办理时限（工作日）", min_value=1,
                              max_value=services.MAX_ORDER_DAYS, initial=5)  # fmt: skip


class OrderCreateView(SupervisionMixin, TemplateView):
    template_name = "supervision/order_new.html"
    page_title = "电子监察：发出督办"
    allowed = staticmethod(roles.supervises)

    def subject(self):
        """The case, warning or complaint the order is about (?case=, ?alert=, ?feedback=)."""
        user, params = self.request.user, self.request.GET
        found = {}
        for name, queryset in (("case", cases_for(user)), ("alert", alerts_for(user)),
                               ("feedback", feedback_for(user))):  # fmt: skip
            value = params.get(name, "")
            if value:
                if _number(value) is None:
                    raise Http404
                found[name] = get_object_or_404(queryset, pk=_number(value))
        if len(found) != 1:
            raise Http404("请从一个办件、一条预警或一件投诉发出督办。")
        return found

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject = self.subject()
        name, target = next(iter(subject.items()))
        context.update(form=kwargs.get("form") or OrderForm(), subject_kind=name, target=target)
        return context

    def post(self, request, *args, **kwargs):
        subject = self.subject()
        form = OrderForm(request.POST)
        if form.is_valid():
            try:
                order = services.order_issue(
                    user=request.user, requirement=form.cleaned_data["requirement"],
                    days=form.cleaned_data["days"], **subject,
                )  # fmt: skip
            except SupervisionError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            except PermissionDenied as error:
                _refused(request, error)
            else:
                messages.success(request, f"已发出督办单 {order.number}，回复期限 {order.due_on}。")
                return redirect("supervision:order", pk=order.pk)
        return self.render_to_response(self.get_context_data(form=form))


class OrdersView(SupervisionMixin, TemplateView):
    page_title = "电子监察：督办"
    template_name = "supervision/orders.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        orders = orders_for(self.request.user)
        state = params.get("state", "")
        today = timezone.localdate()
        if state in OrderState.values:
            orders = orders.filter(state=state)
        elif state == "overdue":
            orders = orders.filter(state=OrderState.OPEN, due_on__lt=today)
        department = clean_public_text(params.get("dept", ""), 64)
        if department:
            orders = orders.filter(department__code=department)
        context.update(page=_page(self.request, orders), states=OrderState.choices, state=state,
                       today=today)  # fmt: skip
        return context


class NoteForm(forms.Form):
    text = forms.CharField(label="内容", max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))  # fmt: skip


class OrderView(SupervisionMixin, TemplateView):
    template_name = "supervision/order.html"
    page_title = "电子监察：督办单"

    def get_object(self):
        return get_object_or_404(orders_for(self.request.user), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        order = kwargs.get("order") or self.get_object()
        context.update(
            order=order, entries=order.entries.order_by("seq"),
            findings=order.findings.select_related("fault_kind", "measure"),
            today=timezone.localdate(), supervises=roles.supervises(user),
            reviews=services.may_review(user, order),
            may_answer=services.may_answer(user, order) and order.state == OrderState.OPEN,
            form=kwargs.get("form") or NoteForm(),
        )  # fmt: skip
        return context

    def post(self, request, *args, **kwargs):
        order = self.get_object()
        form = NoteForm(request.POST)
        action = request.POST.get("action", "")
        version = _number(request.POST.get("version"))
        if form.is_valid():
            text = form.cleaned_data["text"]
            try:
                if action == "answer":
                    services.order_answer(order, user=request.user, answer=text, version=version)
                    messages.success(request, "已回复督办，等待审查。")
                elif action == "accept":
                    services.order_accept(order, user=request.user, note=text, version=version)
                    messages.success(request, "督办单已审查办结。")
                elif action == "return":
                    services.order_return(order, user=request.user, note=text, version=version)
                    messages.success(request, "已退回责任部门重新整改。")
                else:
                    raise SupervisionError("无效的操作。")
            except SupervisionError as error:
                form.add_error("text" if error.field else None, str(error))
            except PermissionDenied as error:
                _refused(request, error)
                return redirect("supervision:order", pk=order.pk)
            else:
                return redirect("supervision:order", pk=order.pk)
        order.refresh_from_db()
        return self.render_to_response(self.get_context_data(order=order, form=form))


# --- 过错责任追究 ------------------------------------------------------------------------------


class FindingForm(forms.Form):
    post = forms.CharField(label="责任岗位", max_length=100)
    person = forms.CharField(label="责任人", max_length=50)
    fault_kind = forms.ModelChoiceField(label="过错种类", queryset=FaultKind.objects.none())
    measure = forms.ModelChoiceField(label="处理措施", queryset=Measure.objects.none())
    facts = forms.CharField(label="过错事实", max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 5}))  # fmt: skip
    decided_on = forms.DateField(
        label="决定日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fault_kind"].queryset = FaultKind.objects.filter(active=True)
        self.fields["measure"].queryset = Measure.objects.filter(active=True)
        self.fields["decided_on"].initial = timezone.localdate()


class FindingCreateView(SupervisionMixin, TemplateView):
    template_name = "supervision/finding_new.html"
    page_title = "电子监察：过错责任追究"
    allowed = staticmethod(roles.supervises)

    def subject(self):
        user, params = self.request.user, self.request.GET
        if _number(params.get("order")) is not None:
            return {"order": get_object_or_404(orders_for(user), pk=_number(params["order"]))}
        if _number(params.get("case")) is not None:
            return {"case": get_object_or_404(cases_for(user), pk=_number(params["case"]))}
        raise Http404("请从一个督办单或一个办件追究责任。")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        subject = self.subject()
        initial = {}
        order = subject.get("order")
        case = subject.get("case") or (order.case if order else None)
        if case is not None and case.current_posts:
            initial["post"] = case.current_posts
        context.update(form=kwargs.get("form") or FindingForm(initial=initial),
                       order=order, case=case)  # fmt: skip
        return context

    def post(self, request, *args, **kwargs):
        subject = self.subject()
        form = FindingForm(request.POST)
        if form.is_valid():
            try:
                finding = services.finding_record(user=request.user, **form.cleaned_data,
                                                  **subject)  # fmt: skip
            except SupervisionError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            except PermissionDenied as error:
                _refused(request, error)
            else:
                messages.success(request, "已记录过错责任追究。")
                if finding.order_id:
                    return redirect("supervision:order", pk=finding.order_id)
                return redirect(reverse("supervision:findings"))
        return self.render_to_response(self.get_context_data(form=form))


class FindingsView(SupervisionMixin, TemplateView):
    page_title = "电子监察：过错责任追究"
    template_name = "supervision/findings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        findings = findings_for(self.request.user)
        department = clean_public_text(self.request.GET.get("dept", ""), 64)
        if department:
            findings = findings.filter(department__code=department)
        context.update(page=_page(self.request, findings))
        return context


# --- 数据完整度 -------------------------------------------------------------------------------


class CompletenessView(SupervisionMixin, TemplateView):
    """Each department the user may see: its completeness and the date set for it."""

    page_title = "电子监察：数据完整度"
    template_name = "supervision/completeness.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = completion.completeness_rows(user)
        order = self.request.GET.get("order", "")
        if order == "percent":
            rows.sort(key=lambda r: (r.figure.percent is None, r.figure.percent or 0,
                                     -r.figure.incomplete))  # fmt: skip
        context.update(
            rows=rows, order=order, site_admin=roles.is_site_admin(user),
            sees_all=roles.sees_all_departments(user),
            total_powers=sum(r.figure.powers for r in rows),
            total_complete=sum(r.figure.complete for r in rows),
            reminder_days=completion.reminder_days(), requirements=requirements_table(),
            elements=ELEMENTS,
        )  # fmt: skip
        return context


class CompletenessDepartmentView(SupervisionMixin, TemplateView):
    """A department's incomplete powers, the emptiest first, each with what it lacks and a link
    to its edit page; filtered by type or by a missing element."""

    page_title = "电子监察：数据完整度"
    template_name = "supervision/completeness_department.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, params = self.request.user, self.request.GET
        department = get_object_or_404(visible_departments(user), pk=self.kwargs["pk"])
        powers = powers_completeness(department)  # afresh: what the staff just published counts
        figure = summarise(powers).get(department.pk)
        incomplete = sorted((p for p in powers if not p.complete),
                            key=lambda p: (p.percent, p.power_type, p.code))  # fmt: skip
        missing_counts = Counter(key for p in incomplete for key in p.missing)
        type_counts = Counter(p.power_type for p in incomplete)
        power_type = params.get("type", "")
        missing = params.get("missing", "")
        selected = incomplete
        if power_type in PowerType.values:
            selected = [p for p in selected if p.power_type == power_type]
        else:
            power_type = ""
        if missing in ELEMENT_BY_KEY:
            selected = [p for p in selected if missing in p.missing]
        else:
            missing = ""
        deadline = completion.active_deadline(department)
        today = timezone.localdate()
        state = days_left = None
        if deadline is not None:
            calendar = WorkCalendar.load()
            state = completion.deadline_state(deadline, figure, today=today, calendar=calendar,
                                              days=completion.reminder_days())  # fmt: skip
            days_left = calendar.working_days_between(today, deadline.due_on)
        paginator = Paginator(selected, PAGE_SIZE)
        context.update(
            department=department, figure=figure, page=paginator.get_page(
                _number(params.get("page")) or 1),
            incomplete_total=len(incomplete), selected_total=len(selected),
            missing_filters=[(e, missing_counts[e.key]) for e in ELEMENTS
                             if missing_counts[e.key]],
            type_filters=[(m, type_counts[m.value]) for m in PowerType if type_counts[m.value]],
            power_type=power_type, missing=missing,
            missing_label=ELEMENT_BY_KEY[missing].label if missing else "",
            type_label=PowerType(power_type).label if power_type else "",
            deadline=deadline, state=state, state_label=completion.STATE_LABELS.get(state, ""),
            days_left=days_left, site_admin=roles.is_site_admin(user),
            requirements=requirements_table(),
            elements=ELEMENTS,
        )  # fmt: skip
        return context


class DeadlineForm(forms.Form):
    due_on = forms.DateField(
        label="完成期限", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="部门应在此日期（含）前补齐全部公开事项的要素；期限前将发出提醒，逾期发出红牌。",
    )  # fmt: skip
    note = forms.CharField(
        label="说明",
        max_length=300,
        required=False,
        help_text="例如：依据区政府办公室通知，第一批完善全部行政许可事项",
    )


class CompletionDeadlineView(SupervisionMixin, TemplateView):
    """Site administrators set, change or withdraw a department's 数据完整度期限."""

    page_title = "电子监察：数据完整度期限"
    template_name = "supervision/completion_deadline.html"
    allowed = staticmethod(roles.is_site_admin)

    def get_department(self):
        return get_object_or_404(DepartmentPage, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        department = kwargs.get("department") or self.get_department()
        deadline = completion.active_deadline(department)
        initial = {"due_on": deadline.due_on, "note": deadline.note} if deadline else {}
        context.update(department=department, deadline=deadline,
                       form=kwargs.get("form") or DeadlineForm(initial=initial))  # fmt: skip
        return context

    def post(self, request, *args, **kwargs):
        department = self.get_department()
        back = redirect("supervision:completeness_department", pk=department.pk)
        if request.POST.get("action") == "withdraw":
            try:
                services.completion_deadline_withdraw(department=department, user=request.user)
            except (SupervisionError, PermissionDenied) as error:
                _refused(request, error)
            else:
                messages.success(request, f"已撤销{department.title}的数据完整度期限。")
            return back
        form = DeadlineForm(request.POST)
        if form.is_valid():
            try:
                deadline = services.completion_deadline_set(
                    department=department, user=request.user, **form.cleaned_data
                )
            except SupervisionError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            except PermissionDenied as error:
                _refused(request, error)
                return back
            else:
                messages.success(
                    request, f"已设定{department.title}的数据完整度期限：{_day(deadline.due_on)}。"
                )
                return back
        return self.render_to_response(self.get_context_data(department=department, form=form))
