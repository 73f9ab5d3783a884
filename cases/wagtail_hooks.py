from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from access import roles

from . import admin_urls


@hooks.register("register_admin_urls")
def register_cases_urls():
    return [path("cases/", include(admin_urls, namespace="cases_admin"))]


class CasesMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.is_department_staff(request.user)


class PostsMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.can_manage_posts(request.user)


@hooks.register("register_admin_menu_item")
def register_cases_menu_item():
    return CasesMenuItem("办件", reverse("cases_admin:index"), icon_name="tasks", order=150,
                         name="cases")  # fmt: skip


@hooks.register("register_settings_menu_item")
def register_posts_menu_item():
    return PostsMenuItem("承办岗位", reverse("cases_admin:posts"), icon_name="group", order=610,
                         name="posts")  # fmt: skip
