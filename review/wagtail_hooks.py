"""Admin wiring of the review process: edits frozen while in review, laws and function changes
open adjustment requirements. Who may delete, copy, move or publish pages is decided by the
permission testers of access.permissions, on every path."""

from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from catalogue.models import PowerPage
from laws.models import Law, LawStatus

from . import four_eyes, services
from .models import FunctionChange


@hooks.register("register_log_actions")
def register_review_log_actions(actions):
    actions.register_action("review.adjustment_opened", "发起调整要求", "发起调整要求")
    actions.register_action("review.adjustment_closed", "调整要求办结", "调整要求已办结")
    actions.register_action(four_eyes.SOLE_DECISION_ACTION, "单人决定",
                            "超级管理员审核通过了自己编写或提交的修改")  # fmt: skip


@hooks.register("before_edit_page")
def refuse_edits_while_in_review(request, page):
    """A submission waiting for the legal office is frozen for its department: say so in
    Chinese instead of Wagtail's generic lock message."""
    if request.method != "POST" or not isinstance(page.specific, PowerPage):
        return None
    if request.POST.get("action-cancel-workflow"):
        return None  # withdrawing the submission is allowed
    task = page.current_workflow_task
    if page.workflow_in_progress and task and task.specific.locked_for_user(page, request.user):
        messages.error(
            request,
            "该事项已提交法制办审核，审核完成前不能修改或重复提交。"
            "如需修改，请撤回提交或请法制办退回修改。",
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("after_create_snippet")
def law_version_created(request, instance):
    if isinstance(instance, Law) and instance.supersedes_id:
        previous = instance.supersedes
        if previous.status == LawStatus.IN_FORCE:
            services.law_supersede(
                law=previous, changed_on=instance.version_date, user=request.user
            )
    if isinstance(instance, FunctionChange):
        instance.recorded_by = request.user
        instance.save(update_fields=["recorded_by"])
        services.function_change_open_requirements(change=instance, user=request.user)


@hooks.register("after_edit_snippet")
def law_status_edited(request, instance):
    """Saving an amended or repealed law opens requirements only for powers not yet adjusted
    for that change (see adjustments_open_for_law)."""
    if isinstance(instance, Law):
        opened = services.adjustments_open_for_law(law=instance, user=request.user)
        if opened:
            messages.warning(
                request,
                f"已向引用该法规的 {len(opened)} 个事项发起调整要求，"
                f"请各部门在 {opened[0].due_on:%Y年%m月%d日} 前申报调整。",
            )


class FunctionChangeViewSet(SnippetViewSet):
    model = FunctionChange
    icon = "warning"
    menu_label = "机构职能调整"
    menu_name = "function-changes"
    menu_order = 310
    add_to_admin_menu = True
    list_display = ["department", "changed_on", "description", "recorded_at"]
    ordering = ["-changed_on"]
    panels = [FieldPanel("department"), FieldPanel("changed_on"), FieldPanel("description")]


register_snippet(FunctionChangeViewSet)
