from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from access import roles

from . import urls
from .models import AlertRule, FaultKind, Measure
from .panels import DueItemsPanel


@hooks.register("register_admin_urls")
def register_supervision_urls():
    return [path("supervision/", include(urls, namespace="supervision"))]


class SupervisionMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_department_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_supervision_menu_item():
    return SupervisionMenuItem("电子监察", reverse("supervision:dashboard"), icon_name="warning",
                               order=150, name="supervision")  # fmt: skip


@hooks.register("construct_homepage_panels")
def add_due_items_panel(request, panels):
    user = request.user
    if roles.department_ids_of(user) or roles.sees_all_departments(user):
        panels.append(DueItemsPanel(user))


class AlertRuleViewSet(SnippetViewSet):
    """The rules, tuned by site administrators (level, threshold, on or off); the checks are
    code, so rules are neither added nor deleted here."""

    model = AlertRule
    icon = "warning"
    menu_label = "监察规则"
    menu_name = "alert-rules"
    list_display = ["name", "category", "level", "threshold", "enabled"]
    list_filter = ["category", "level", "enabled"]
    panels = [FieldPanel("name"), FieldPanel("level"), FieldPanel("threshold"),
              FieldPanel("enabled"), FieldPanel("description")]  # fmt: skip


class FaultKindViewSet(SnippetViewSet):
    model = FaultKind
    icon = "list-ul"
    menu_label = "过错种类"
    menu_name = "fault-kinds"
    list_display = ["name", "position", "active"]


class MeasureViewSet(SnippetViewSet):
    model = Measure
    icon = "list-ul"
    menu_label = "处理措施"
    menu_name = "measures"
    list_display = ["name", "position", "active"]


class SupervisionSettingsGroup(SnippetViewSetGroup):
    items = (AlertRuleViewSet, FaultKindViewSet, MeasureViewSet)
    menu_icon = "warning"
    menu_label = "电子监察设置"
    menu_name = "supervision-settings"
    menu_order = 151
    submenu_hook = "register_supervision_settings_menu_item"


class SiteAdminMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_site_admin(request.user)


@hooks.register("register_supervision_settings_menu_item")
def register_completion_deadlines_menu_item():
    # The dates are set per department from 电子监察's 数据完整度 (supervision.admin_views).
    return SiteAdminMenuItem("数据完整度期限", reverse("supervision:completeness"),
                             icon_name="date", order=10, name="completion-deadlines")  # fmt: skip


register_snippet(SupervisionSettingsGroup)
