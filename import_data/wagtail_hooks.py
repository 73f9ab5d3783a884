from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from access import roles

from . import admin_urls, case_admin_urls
from .case_records import may_backfill


@hooks.register("register_admin_urls")
def register_import_urls():
    return [
        path("import/cases/", include(case_admin_urls, namespace="case_records")),
        path("import/", include(admin_urls, namespace="import_data")),
    ]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.can_import(request.user)


class BackfillMenuItem(MenuItem):
    def is_shown(self, request):
        return may_backfill(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem("批量导入", reverse("import_data:index"), icon_name="upload",
                          order=170, name="import")  # fmt: skip


@hooks.register("register_admin_menu_item")
def register_backfill_menu_item():
    return BackfillMenuItem("办件补录", reverse("case_records:index"), icon_name="upload",
                            order=171, name="case-backfill")  # fmt: skip
