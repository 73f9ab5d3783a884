"""The legal office's review (法制办审核): what must be adjusted by when, the review task, and
the public record of every approved change."""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from wagtail.log_actions import log
from wagtail.models import GroupApprovalTask

from . import four_eyes


class FunctionChange(models.Model):
    """A change of a department's functions (机构职能调整), recorded by an administrator: every
    live power of the department must then be reviewed and declared within the deadline."""

    department = models.ForeignKey(
        "catalogue.DepartmentPage",
        verbose_name="部门",
        on_delete=models.CASCADE,
        related_name="function_changes",
    )
    changed_on = models.DateField("调整确定日期", help_text="机构职能调整确定的日期；期限由此起算")
    description = models.TextField("调整内容", max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "机构职能调整"
        verbose_name_plural = "机构职能调整"
        ordering = ["-changed_on", "-id"]

    def __str__(self):
        return f"{self.department.title} {self.changed_on:%Y-%m-%d} 职能调整"


class AdjustmentTrigger(models.TextChoices):
    LAW_AMENDED = "law_amended", "法规已修改"
    LAW_REPEALED = "law_repealed", "法规已废止"
    FUNCTIONS_CHANGED = "functions_changed", "机构职能调整"


class AdjustmentRequirementQuerySet(models.QuerySet):
    def open(self):
        return self.filter(closed_at__isnull=True)

    def closed(self):
        return self.filter(closed_at__isnull=False)


class AdjustmentRequirement(models.Model):
    """A power that must be adjusted (申报调整) because its legal basis or its department's
    functions changed; due a number of working days after the change. Closed when a revision of
    the power is approved."""

    power = models.ForeignKey(
        "catalogue.PowerPage",
        verbose_name="事项",
        on_delete=models.CASCADE,
        related_name="adjustment_requirements",
    )
    trigger = models.CharField("原因", max_length=32, choices=AdjustmentTrigger.choices)
    law = models.ForeignKey(
        "laws.Law",
        verbose_name="法规",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adjustment_requirements",
    )
    function_change = models.ForeignKey(
        FunctionChange,
        verbose_name="机构职能调整",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requirements",
    )
    changed_on = models.DateField("变化日期")
    due_on = models.DateField("申报期限")
    opened_at = models.DateTimeField("发起时间", auto_now_add=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closing_revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closing_note = models.TextField("调整说明", blank=True)

    objects = AdjustmentRequirementQuerySet.as_manager()

    class Meta:
        verbose_name = "调整要求"
        verbose_name_plural = "调整要求"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["power", "law", "trigger"],
                condition=models.Q(closed_at__isnull=True, law__isnull=False),
                name="one_open_requirement_per_law",
            ),
            models.UniqueConstraint(
                fields=["power", "function_change"],
                condition=models.Q(closed_at__isnull=True, function_change__isnull=False),
                name="one_open_requirement_per_function_change",
            ),
        ]

    def __str__(self):
        return f"{self.power.title}：{self.get_trigger_display()}，{self.due_on:%Y-%m-%d} 前申报"

    @property
    def reason(self):
        if self.law_id:
            return f"《{self.law.title}》{self.get_trigger_display()}（{self.changed_on:%Y-%m-%d}）"
        if self.function_change_id:
            return f"机构职能调整（{self.changed_on:%Y-%m-%d}）：{self.function_change.description}"
        return self.get_trigger_display()


class PowerPublication(models.Model):
    """The public record of one approved change of a power (调整记录): when it was approved,
    which fields changed, and the editor's stated reason. Never holds reviewer comments."""

    power = models.ForeignKey(
        "catalogue.PowerPage", on_delete=models.CASCADE, related_name="publications"
    )
    revision = models.OneToOneField(
        "wagtailcore.Revision", on_delete=models.CASCADE, related_name="power_publication"
    )
    published_at = models.DateTimeField("批准发布时间", db_index=True)
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    is_creation = models.BooleanField("新增事项", default=False)
    changed_fields = models.JSONField("调整的字段", default=list)
    note = models.TextField("调整说明", blank=True)
    # Who put it live (never shown in public), and whether that was one person's decision: a
    # publication without the legal office's review, or an approval by someone who wrote or
    # submitted the change (a superuser). 电子监察 lists these (review.four_eyes).
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="批准人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    sole_decision = models.BooleanField("单人决定", default=False, db_index=True)

    class Meta:
        verbose_name = "调整记录"
        verbose_name_plural = "调整记录"
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return f"{self.power.title} {self.published_at:%Y-%m-%d}"


class RejectionCommentForm(forms.Form):
    comment = forms.CharField(
        label="审核意见",
        required=True,
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
        error_messages={"required": "退回修改时请填写审核意见，说明需要修改的内容。"},
    )


WORKFLOW_NAME = "法制办审核"
TASK_NAME = "法制办审核"


class LegalOfficeReviewTask(GroupApprovalTask):
    """The 法制办审核 step: Wagtail's group approval, except that a rejection must say what to
    change (the comment goes back to the editor by email and in the page's history), and that
    nobody approves a change they wrote or submitted (review.four_eyes)."""

    class Meta:
        verbose_name = "法制办审核任务"
        verbose_name_plural = "法制办审核任务"

    def get_form_for_action(self, action):
        if action == "reject":
            return RejectionCommentForm
        return super().get_form_for_action(action)

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if actions and not user.is_superuser and self._involved(obj, user):
            return [action for action in actions if action[0] != "approve"]
        return actions

    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name == "approve":
            page = task_state.workflow_state.content_object
            if self._involved(page, user, task_state.workflow_state):
                if not user.is_superuser:
                    raise PermissionDenied(four_eyes.REFUSED)
                log(instance=page.specific, action=four_eyes.SOLE_DECISION_ACTION, user=user,
                    revision=task_state.revision,
                    data={"reason": "超级管理员审核通过了自己编写或提交的修改"})  # fmt: skip
        return super().on_action(task_state, user, action_name, **kwargs)

    @staticmethod
    def _involved(page, user, workflow_state=None):
        workflow_state = workflow_state or page.current_workflow_state
        return workflow_state is not None and four_eyes.is_involved(user, page, workflow_state)

    @classmethod
    def get_description(cls):
        return "法制办审核人员批准（即发布）或退回修改（须填写审核意见）"
