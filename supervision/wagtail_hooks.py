from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from access import roles

from . import urls
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
    if roles.department_ids_of(user) or roles.is_legal_office(user):
        panels.append(DueItemsPanel(user))
