from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from access import roles

from . import admin_urls


@hooks.register("register_admin_urls")
def register_import_urls():
    return [path("import/", include(admin_urls, namespace="import_data"))]


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.can_import(request.user)


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return ImportMenuItem("批量导入", reverse("import_data:index"), icon_name="upload",
                          order=170, name="import")  # fmt: skip
