"""The manual in the admin: its pages, and its place in the help menu (where Wagtail's English
guide on wagtail.org was; home.wagtail_hooks keeps that one out)."""

from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_urls


@hooks.register("register_admin_urls")
def register_manual_urls():
    return [path("manual/", include(admin_urls, namespace="manual"))]


@hooks.register("register_help_menu_item")
def register_manual_menu_item():
    return MenuItem("使用手册", reverse("manual:index"), icon_name="doc-full", order=900,
                    name="manual")  # fmt: skip
