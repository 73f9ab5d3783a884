"""The cases section of the admin (办件): the window's acceptance (窗口受理) and its receipt, each
post holder's to-do list (待办), a case with the actions its state and the user's posts allow,
materials for the department's staff only, and the departments' posts (承办岗位).

Views only read forms and call cases.services; who may do what is decided there and in
access.roles."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import TemplateView

from access import personal_data, posts, roles
from access.admin_sections import AdminSectionMixin
from access.models import Post
from catalogue.models import DepartmentPage
from catalogue.selectors import live_powers
from common.text import clean_public_text

from . import selectors, services
from .applicants import Applicant, ApplicantError
from .models import (
    ApplicantType,
    Case,
    CaseMaterial,
    IdType,
    Result,
    SpecialProcedure,
    State,
    WithholdReason,
)
from .qr import receipt_context
from .services import Actor, CaseError

PAGE_SIZE = 50


def may_work_on_cases(user) -> bool:
    return roles.is_department_staff(user)


class CasesAdminMixin(AdminSectionMixin):
    header_icon = "tasks"
    allowed = staticmethod(may_work_on_cases)
    section_url_name, section_label = "cases_admin:index", "办件"


# --- lists ----------------------------------------------------------------------------------


class IndexView(CasesAdminMixin, TemplateView):
    page_title = "办件"
    template_name = "cases_admin/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, params = self.request.user, self.request.GET
        todo_count = selectors.todo_for(user).count()
        tab = params.get("tab") or ("todo" if todo_count else "all")
        items = selectors.todo_for(user) if tab == "todo" else selectors.cases_for(user)
        state = params.get("state", "")
        if state in State.values:
            items = items.filter(state=state)
        elif state == "overdue":
            items = items.filter(state__in=State.values[:4], due_on__lt=timezone.localdate())
        query = clean_public_text(params.get("q", ""), 40).upper()
        if query:
            items = items.filter(case_no__icontains=query) | items.filter(external_id=query)
        context.update(
            tab=tab, items=items.select_related("department")[:PAGE_SIZE], states=State.choices,
            state=state, query=query, today=timezone.localdate(),
            todo_count=todo_count,
            may_open=bool(self._window_powers().exists()),
        )  # fmt: skip
        return context

    def _window_powers(self):
        return window_powers(self.request.user)


def window_powers(user):
    """Published powers with a flow, of the departments where the user holds a post."""
    department_ids = Post.objects.filter(members=user).values("department_id")
    paths = DepartmentPage.objects.filter(pk__in=department_ids).values_list("path", flat=True)
    powers = live_powers().exclude(steps=[])
    from django.db.models import Q

    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return powers.filter(condition) if condition else powers.none()


# --- 窗口受理 ------------------------------------------------------------------------------


class ApplicantForm(forms.Form):
    applicant_type = forms.ChoiceField(label="申请人类型", choices=ApplicantType.choices)
    applicant_name = forms.CharField(label="申请人姓名或名称", max_length=200)
    applicant_id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices)
    applicant_id_no = forms.CharField(label="证件号码", max_length=40)
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)
    address = forms.CharField(label="通讯地址", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["applicant"] = Applicant.clean({"type": data["applicant_type"], **data})
        except ApplicantError as error:
            for name, message in error.errors.items():
                self.add_error(name if name in self.fields else None, message)
        return data


class WindowView(CasesAdminMixin, TemplateView):
    page_title = "窗口受理"
    template_name = "cases_admin/window.html"

    def power(self):
        pk = self.request.GET.get("power") or self.request.POST.get("power")
        if not str(pk or "").isdecimal():
            return None
        return window_powers(self.request.user).filter(pk=int(pk)).first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        power = kwargs.get("power", self.power())
        context.update(
            powers=window_powers(self.request.user).order_by("title")[:500], power=power,
            form=kwargs.get("form") or ApplicantForm(),
            materials=[block.value for block in power.materials] if power else [],
            received=kwargs.get("received", []),
        )  # fmt: skip
        return context

    def post(self, request, *args, **kwargs):
        power = self.power()
        if power is None:
            messages.error(request, "请选择本部门已发布并公布了办理流程的事项。")
            return redirect("cases_admin:window")
        form = ApplicantForm(request.POST)
        received = request.POST.getlist("materials")
        if not form.is_valid():
            return self.render_to_response(
                self.get_context_data(power=power, form=form, received=received)
            )
        try:
            opened = services.window_open(power, form.cleaned_data["applicant"], user=request.user,
                                          materials=received)  # fmt: skip
        except CaseError as error:
            form.add_error(None, str(error))
            return self.render_to_response(
                self.get_context_data(power=power, form=form, received=received)
            )
        # The password is shown once, on the receipt; it is kept nowhere else in clear.
        request.session[f"case-password-{opened.case.pk}"] = opened.password
        messages.success(request, f"已受理，办件编号 {opened.case.case_no}。")
        return redirect("cases_admin:receipt", pk=opened.case.pk)


class ReceiptView(CasesAdminMixin, TemplateView):
    page_title = "受理通知书"
    template_name = "cases_admin/receipt.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = get_object_or_404(selectors.cases_for(self.request.user), pk=self.kwargs["pk"])
        password = self.request.session.pop(f"case-password-{case.pk}", "")
        context.update(case=case, due=services.due_explained(case),
                       **receipt_context(self.request, case, password))  # fmt: skip
        return context


# --- one case -------------------------------------------------------------------------------


class OpinionForm(forms.Form):
    opinion = forms.CharField(label="办理意见", max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    result = forms.ChoiceField(label="办结结果", choices=[("", "—")] + Result.choices,
                               required=False)  # fmt: skip
    result_description = forms.CharField(label="结果说明（不予或部分准予须写明理由）",
                                         max_length=2000, required=False,
                                         widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class CaseView(CasesAdminMixin, TemplateView):
    template_name = "cases_admin/case.html"

    def get_object(self) -> Case:
        return get_object_or_404(
            selectors.cases_for(self.request.user).select_related("department", "power"),
            pk=self.kwargs["pk"],
        )

    @property
    def page_title(self):
        return "办件"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        case = kwargs.get("case") or self.get_object()
        steps = case.steps_list
        current = case.current
        acceptance = steps[services.acceptance_position(case)] if steps else None
        context.update(
            case=case, steps=steps, current=current,
            events=case.events.select_related("actor").order_by("seq"),
            stops=case.clock_stops.all(), materials=case.materials.all(),
            due=services.due_explained(case), today=timezone.localdate(),
            is_last=current is not None and current.position == len(steps) - 1,
            may_step=current is not None and services.holds_post(user, case, current),
            may_accept=acceptance is not None and services.holds_post(user, case, acceptance),
            is_head=roles.is_department_head(user, case.department_id),
            may_reveal=selectors.may_reveal_applicant(user, case),
            revealed=kwargs.get("revealed"),
            masked_id=personal_data.mask_id_number(case.applicant_id_no),
            masked_phone=personal_data.mask_phone(case.contact_phone),
            opinion_form=kwargs.get("opinion_form") or OpinionForm(),
            procedures=SpecialProcedure.choices, withhold_reasons=WithholdReason.choices,
            rated=services.case_rated(case),
        )  # fmt: skip
        return context

    def post(self, request, *args, **kwargs):
        case = self.get_object()
        action = request.POST.get("action", "")
        actor = Actor(user=request.user)
        post = request.POST
        version = int(post["version"]) if post.get("version", "").isdecimal() else None
        text = clean_public_text(post.get("text", ""), 2000, multiline=True)
        try:
            if action == "reveal":
                if not selectors.may_reveal_applicant(request.user, case):
                    raise PermissionDenied(
                        "只有本部门持有查看权限的工作人员可以查看申请人的完整信息。"
                    )
                shown = personal_data.reveal(request.user, case, fields={
                    "申请人": case.applicant_name, "证件号码": case.applicant_id_no,
                    "联系人": case.contact_name, "联系电话": case.contact_phone,
                    "通讯地址": case.address})  # fmt: skip
                revealed = dict(zip(("name", "id_no", "contact", "phone", "address"),
                                    shown.values(), strict=True))  # fmt: skip
                return self.render_to_response(self.get_context_data(case=case, revealed=revealed))
            if action == "accept":
                services.case_accept(case, actor=actor, version=version,
                                     materials=post.getlist("materials"))  # fmt: skip
                messages.success(request, "已受理。")
            elif action == "reject":
                services.case_reject(case, actor=actor, reason=text, version=version)
                messages.success(request, "已作出不予受理决定。")
            elif action == "step":
                form = OpinionForm(post)
                if not form.is_valid():
                    return self.render_to_response(
                        self.get_context_data(case=case, opinion_form=form)
                    )
                data = form.cleaned_data
                position = int(post.get("position", "-1")) if post.get("position", "").isdecimal() \
                    else -1  # fmt: skip
                case = services.step_complete(case, actor=actor, position=position,
                                       opinion=data["opinion"], result=data["result"],
                                       result_description=data["result_description"],
                                       version=version)  # fmt: skip
                messages.success(request, "已办结。" if case.state == State.FINISHED
                                 else "本环节已办理，已转下一环节。")  # fmt: skip
            elif action == "correction":
                services.correction_request(case, actor=actor, items=text, version=version)
                messages.success(request, "已一次性告知补正内容，计时暂停。")
            elif action == "correction_received":
                services.correction_received(case, actor=actor, note=text, version=version)
                messages.success(request, "补正材料已收到，恢复计时。")
            elif action == "special_start":
                services.special_start(case, actor=actor, procedure=post.get("procedure", ""),
                                       reason=text, version=version)  # fmt: skip
                messages.success(request, "特别程序已启动，所需时间不计入办理时限。")
            elif action == "special_end":
                services.special_end(case, actor=actor, result=text, version=version)
                messages.success(request, "特别程序已结束，恢复计时。")
            elif action == "extend":
                days = post.get("days", "")
                services.extension_grant(case, actor=actor, version=version, reason=text,
                                         days=int(days) if days.isdecimal() else 0)  # fmt: skip
                messages.success(request, "已批准延期。")
            elif action in (State.RETURNED, State.WITHDRAWN, State.VOID):
                services.case_close(case, actor=actor, state=action, reason=text, version=version)
                messages.success(request, "已处理。")
            elif action in ("withhold", "disclose"):
                services.publicity_set(case, actor=actor, withhold=action == "withhold",
                                       reason=post.get("reason", ""), note=text,
                                       version=version)  # fmt: skip
                messages.success(request, "公示状态已更新。")
            elif action == "fee":
                services.fee_record(case, actor=actor, due=post.get("fee_due"),
                                    paid=post.get("fee_paid"), waived=post.get("fee_waived"),
                                    version=version)  # fmt: skip
                messages.success(request, "收费已记录。")
            else:
                messages.error(request, "无效的操作。")
        except (CaseError, ValueError) as error:
            messages.error(request, str(error))
        except PermissionDenied as error:
            messages.error(request, str(error) or "没有权限。")
        return redirect("cases_admin:case", pk=case.pk)


class MaterialView(CasesAdminMixin, TemplateView):
    """An applicant's uploaded material, for the department's staff only (never public)."""

    def get(self, request, *args, **kwargs):
        case = get_object_or_404(selectors.cases_for(request.user), pk=kwargs["pk"])
        material = get_object_or_404(CaseMaterial, case=case, pk=kwargs["material"])
        if not material.file:
            raise Http404
        response = FileResponse(
            material.file.open("rb"), as_attachment=True,
            filename=material.file.name.rsplit("/", 1)[-1],
            content_type=material.content_type or "application/octet-stream",
        )  # fmt: skip
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# --- 承办岗位 --------------------------------------------------------------------------------


class PostForm(forms.Form):
    department = forms.ModelChoiceField(label="部门", queryset=DepartmentPage.objects.none())
    name = forms.CharField(label="岗位名称", max_length=100)
    is_head = forms.BooleanField(label="负责人岗位（可批准延期、作废办件，管理本部门岗位）",
                                 required=False)  # fmt: skip
    members = forms.ModelMultipleChoiceField(
        label="在岗人员", required=False, widget=forms.CheckboxSelectMultiple,
        queryset=get_user_model().objects.none(),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        departments = DepartmentPage.objects.order_by("title")
        if not roles.is_site_admin(user):
            heads = Post.objects.filter(members=user, is_head=True).values("department_id")
            departments = departments.filter(pk__in=heads)
        self.fields["department"].queryset = departments
        self.fields["members"].queryset = (
            get_user_model().objects.filter(is_active=True, is_superuser=False)
            .order_by("username")
        )  # fmt: skip


class PostsView(CasesAdminMixin, TemplateView):
    page_title = "承办岗位"
    template_name = "cases_admin/posts.html"
    allowed = staticmethod(roles.can_manage_posts)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        listed = Post.objects.select_related("department").prefetch_related("members")
        if not roles.is_site_admin(user):
            heads = Post.objects.filter(members=user, is_head=True).values("department_id")
            listed = listed.filter(department_id__in=heads)
        editing = kwargs.get("editing")
        if editing is None and str(self.request.GET.get("edit", "")).isdecimal():
            editing = listed.filter(pk=int(self.request.GET["edit"])).first()
        initial = {}
        if editing is not None:
            initial = {
                "department": editing.department_id, "name": editing.name,
                "is_head": editing.is_head, "members": list(editing.members.all()),
            }  # fmt: skip
        context.update(
            posts=listed.order_by("department__title", "-is_head", "name")[:1000],
            form=kwargs.get("form") or PostForm(user=user, initial=initial), editing=editing,
        )  # fmt: skip
        return context

    def post(self, request, *args, **kwargs):
        user = request.user
        editing = None
        if str(request.POST.get("post", "")).isdecimal():
            editing = Post.objects.filter(pk=int(request.POST["post"])).first()
        if request.POST.get("action") == "delete" and editing is not None:
            try:
                posts.post_delete(editing, by=user)
                messages.success(request, f"已删除岗位“{editing.name}”。")
            except PermissionDenied as error:
                messages.error(request, str(error))
            return redirect("cases_admin:posts")
        form = PostForm(request.POST, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = posts.post_save(by=user, department_id=data["department"].pk,
                                        name=data["name"], is_head=data["is_head"],
                                        members=data["members"], post=editing)  # fmt: skip
                messages.success(request, f"岗位“{saved.name}”已保存。")
                return redirect("cases_admin:posts")
            except (ValueError, PermissionDenied) as error:
                form.add_error(None, str(error))
        return self.render_to_response(self.get_context_data(form=form, editing=editing))
