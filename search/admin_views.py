"""The search report in the admin: what citizens look for, and what they do not find."""

import datetime

from django.db.models import Avg, Count
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .models import SearchLogEntry

DAYS = 30


class SearchReportView(WagtailAdminTemplateMixin, TemplateView):
    page_title = "搜索统计"
    header_icon = "search"
    template_name = "search/report.html"

    @classmethod
    def as_view(cls, **kwargs):
        return require_admin_access(super().as_view(**kwargs))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        since = timezone.now() - datetime.timedelta(days=DAYS)
        entries = SearchLogEntry.objects.filter(searched_at__gte=since)
        context.update(
            days=DAYS,
            total=entries.count(),
            average_ms=entries.aggregate(value=Avg("duration_ms"))["value"],
            frequent=entries.values("query")
            .annotate(searches=Count("id"), average_results=Avg("results"))
            .order_by("-searches", "query")[:30],
            zero=entries.filter(results=0)
            .values("query")
            .annotate(searches=Count("id"))
            .order_by("-searches", "query")[:30],
        )
        return context
