"""The department's side in the Wagtail admin: their feedback (masked), replies, moderation,
appeals; the legal office decides appeals. Who may do what: access/roles.py."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import TemplateView

from access import personal_data, roles
from access.admin_sections import AdminSectionMixin
from common.text import clean_public_text

from . import services
from .models import Appeal, AppealDecision, Kind, Status
from .selectors import feedback_for


class ReplyForm(forms.Form):
    reply = forms.CharField(label="答复内容", max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 5}),
                            error_messages={"required": "请填写答复内容。"})  # fmt: skip
    publish_comment = forms.TypedChoiceField(
        label="意见是否公开", coerce=lambda v: v == "yes", empty_value=None, required=False,
        choices=[("", "暂不决定"), ("yes", "连同答复在事项页面公开"), ("no", "不公开")],
    )  # fmt: skip


class AppealForm(forms.Form):
    reason = forms.CharField(label="申诉理由", max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请写明申诉理由。"})  # fmt: skip


class DecisionForm(forms.Form):
    grant = forms.TypedChoiceField(label="决定", coerce=lambda v: v == "grant",
                                   choices=[("grant", "同意剔除（不计入统计）"),
                                            ("refuse", "不予剔除")])  # fmt: skip
    reason = forms.CharField(
        label="理由", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FeedbackAdminMixin(AdminSectionMixin):
    header_icon = "comment"
    allowed = staticmethod(roles.is_department_staff)
    section_url_name, section_label = "feedback_admin:index", "公众评议"


class IndexView(FeedbackAdminMixin, TemplateView):
    page_title = "公众评议"
    template_name = "feedback_admin/index.html"
    PAGE_SIZE = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        items = feedback_for(self.request.user).select_related("power", "department")
        kind = params.get("kind", "")
        if kind in Kind.values:
            items = items.filter(kind=kind)
        state = params.get("state", "")
        today = timezone.localdate()
        if state == "open":
            items = items.filter(status=Status.RECEIVED, due_on__isnull=False)
        elif state == "overdue":
            items = items.filter(status=Status.RECEIVED, due_on__lt=today)
        elif state == "pending_moderation":
            items = items.filter(moderation="pending")
        elif state == "appeal":
            items = items.filter(appeals__decision=AppealDecision.PENDING).distinct()
        elif state == "held":
            items = items.filter(held=True)
        query = clean_public_text(params.get("q", ""), 30)
        if query:
            items = items.filter(tracking_no__icontains=query)
        context.update(
            items=items[: self.PAGE_SIZE], total=items.count(), kinds=Kind.choices,
            selected_kind=kind, state=state, query=query, today=today,
            appeals=Appeal.objects.filter(decision=AppealDecision.PENDING).count()
            if roles.is_legal_office(self.request.user) else 0,
            held=items.model.objects.filter(held=True).count()
            if roles.is_legal_office(self.request.user) else 0,
        )  # fmt: skip
        return context


class DetailView(FeedbackAdminMixin, TemplateView):
    template_name = "feedback_admin/detail.html"

    def get_object(self):
        return get_object_or_404(
            feedback_for(self.request.user).select_related("power", "department"),
            pk=self.kwargs["pk"],
        )

    @property
    def page_title(self):
        return f"公众评议 {self.kwargs['pk']}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        feedback = kwargs.get("feedback") or self.get_object()
        user = self.request.user
        context.update(
            feedback=feedback,
            reply_form=kwargs.get("reply_form") or ReplyForm(initial={"reply": feedback.reply}),
            appeal_form=kwargs.get("appeal_form") or AppealForm(),
            decision_form=DecisionForm(),
            appeals=feedback.appeals.select_related("requested_by", "decided_by"),
            may_reveal=personal_data.may_reveal(user, feedback),
            revealed=kwargs.get("revealed"),
            may_decide=roles.is_legal_office(user),
            today=timezone.localdate(),
        )
        return context

    def post(self, request, *args, **kwargs):
        feedback = self.get_object()
        action = request.POST.get("action")
        user = request.user
        try:
            if action == "reply":
                form = ReplyForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(
                        self.get_context_data(feedback=feedback, reply_form=form)
                    )
                data = form.cleaned_data
                services.feedback_reply(
                    feedback, user=user, text=data["reply"], publish_comment=data["publish_comment"]
                )
                messages.success(request, "答复已保存，群众可通过受理编号查询。")
            elif action in ("publish", "hide"):
                services.feedback_moderate(feedback, user=user, publish=action == "publish")
                messages.success(request, "已公开。" if action == "publish" else "已设为不公开。")
            elif action == "reveal":
                revealed = services.personal_data_reveal(feedback, user=user)
                return self.render_to_response(
                    self.get_context_data(feedback=feedback, revealed=revealed)
                )
            elif action == "appeal":
                form = AppealForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(
                        self.get_context_data(feedback=feedback, appeal_form=form)
                    )
                services.appeal_request(feedback, user=user, reason=form.cleaned_data["reason"])
                messages.success(request, "申诉已提交法制办。")
            elif action in ("release", "remove"):
                note = clean_public_text(request.POST.get("note", ""), 100)
                services.hold_release(feedback, user=user, count_it=action == "release", note=note)
                messages.success(request, "已计入统计，答复期限自今日起算。" if action == "release"
                                 else "已剔除，不计入统计（评价仍保存）。")  # fmt: skip
            elif action == "decide":
                form = DecisionForm(request.POST)
                appeal = get_object_or_404(feedback.appeals, pk=request.POST.get("appeal"))
                if form.is_valid():
                    services.appeal_decide(appeal, user=user, grant=form.cleaned_data["grant"],
                                           reason=form.cleaned_data["reason"])  # fmt: skip
                    messages.success(request, "已决定。")
                else:
                    messages.error(request, "请选择决定并写明理由。")
        except ValueError as error:
            messages.error(request, str(error))
        return redirect("feedback_admin:detail", pk=feedback.pk)
