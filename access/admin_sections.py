"""The platform's own admin sections (电子监察, 公众评议, 批量导入) share one shape: a role check
from access.roles before anything else, and a breadcrumb back to the section's first page."""

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class AdminSectionMixin(WagtailAdminTemplateMixin):
    # Set by each section: who may enter (a predicate of access.roles), and its first page.
    allowed = None
    section_url_name = ""
    section_label = ""

    def dispatch(self, request, *args, **kwargs):
        if not type(self).allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.section_url_name), "label": self.section_label}
        ]
