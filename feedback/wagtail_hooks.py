from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from access import roles

from . import admin_urls


@hooks.register("register_admin_urls")
def register_feedback_urls():
    return [path("feedback/", include(admin_urls, namespace="feedback_admin"))]


class FeedbackMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_department_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_feedback_menu_item():
    return FeedbackMenuItem("公众评议", reverse("feedback_admin:index"), icon_name="comment",
                            order=160, name="feedback")  # fmt: skip


@hooks.register("register_log_actions")
def register_feedback_log_actions(actions):
    actions.register_action("feedback.reply", "答复", "答复了公众评议")
    actions.register_action("feedback.moderate", "公开审核", "审核了公众评议的公开")
    actions.register_action("feedback.appeal", "差评申诉", "申请剔除恶意差评")
    actions.register_action("feedback.appeal_decided", "申诉决定", "法制办决定了差评申诉")
    actions.register_action("feedback.hold_decided", "核实刷评", "法制办核实了疑似集中刷评的差评")
