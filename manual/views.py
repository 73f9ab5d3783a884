"""The manual's pages in the admin: the index (the reader's own roles' tasks first) and one page
per task. Every member of staff who may enter the admin reads every page."""

from django.http import Http404
from django.urls import reverse
from django.views.generic import TemplateView

from access import roles
from access.admin_sections import AdminSectionMixin

from .selectors import roles_of, sections_for, task_by_slug
from .tasks import ROLE_LABELS


class ManualMixin(AdminSectionMixin):
    header_icon = "doc-full"
    allowed = staticmethod(roles.is_active_staff)
    section_url_name, section_label = "manual:index", "使用手册"


class IndexView(ManualMixin, TemplateView):
    page_title = "使用手册"
    template_name = "manual/index.html"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.section_label}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(own_roles=roles_of(self.request.user),
                       sections=sections_for(self.request.user))  # fmt: skip
        return context


class TaskView(ManualMixin, TemplateView):
    template_name = "manual/task.html"

    def dispatch(self, request, *args, **kwargs):
        self.task = task_by_slug(kwargs["slug"])
        if self.task is None:
            raise Http404("使用手册中没有这一页。")
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return self.task.title

    def get_breadcrumbs_items(self):
        return super().get_breadcrumbs_items() + [{"url": "", "label": self.task.title}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(task=self.task, who=[ROLE_LABELS[key] for key in self.task.roles],
                       index_url=reverse("manual:index"))  # fmt: skip
        return context
