"""The search report in the admin: what citizens look for, and what they do not find; and the
screen where what they do not find becomes a synonym or an intent in one click."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, Min, Sum
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from access import roles

from .models import Intent, SearchLogEntry, Synonym
from .services import intent_create, synonym_create

DAYS = 30


class _Titled(WagtailAdminTemplateMixin):
    """The page's title as the header's last breadcrumb (Wagtail shows 首页 alone otherwise)."""

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]


class SearchReportView(_Titled, TemplateView):
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


# Searched at least this often with results that nobody opened: the results are not what people
# wanted.
LOW_CLICK_SEARCHES = 2
ROWS = 50


def _taught() -> set[str]:
    """Queries the search has been taught already (an intent's phrase, a synonym's term)."""
    taught = set()
    for intent in Intent.objects.all():
        taught.update(intent.phrase_list)
    for synonym in Synonym.objects.all():
        taught.update(synonym.term_list)
    return taught


class SearchLearningView(_Titled, TemplateView):
    """搜索词学习: the queries that found nothing, and those whose results nobody opened, each
    with a field for the catalogue's words and two buttons: 设为意图 (the query stands for those
    words) and 设为同义词 (the query and those words mean the same). Above them, the sayings the
    search read as a situation of the lexicon on its own (a guess: 外地医院看病 → 异地就医、
    异地转诊), the field filled in with that reading: one click confirms it as an intent, and
    an editor who reads it otherwise corrects the words first."""

    page_title = "搜索词学习"
    header_icon = "search"
    template_name = "search/learn.html"

    @classmethod
    def as_view(cls, **kwargs):
        return require_admin_access(super().as_view(**kwargs))

    def dispatch(self, request, *args, **kwargs):
        if not roles.can_teach_search(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        since = timezone.now() - datetime.timedelta(days=DAYS)
        entries = SearchLogEntry.objects.filter(searched_at__gte=since)
        taught = _taught()
        zero = (
            entries.filter(results=0)
            .values("query")
            .annotate(searches=Count("id"))
            .order_by("-searches", "query")
        )
        unopened = (
            entries.filter(results__gt=0)
            .values("query")
            .annotate(searches=Count("id"), clicks=Sum("clicks"), average_results=Avg("results"))
            .filter(searches__gte=LOW_CLICK_SEARCHES, clicks=0)
            .order_by("-searches", "query")
        )
        guessed = (
            entries.exclude(guessed="")
            .values("guessed", "guessed_as")
            .annotate(searches=Count("id"), clicks=Sum("clicks"), example=Min("query"))
            .order_by("-searches", "guessed")
        )
        # A query read as a guess is listed with its reading above, not again below.
        shown = taught | set(
            entries.exclude(guessed="").values_list("query", flat=True).distinct()[: ROWS * 4]
        )
        context.update(
            days=DAYS,
            guessed=[row for row in guessed[: ROWS * 2] if row["guessed"] not in taught][:ROWS],
            zero=[row for row in zero[: ROWS * 2] if row["query"] not in shown][:ROWS],
            unopened=[row for row in unopened[: ROWS * 2] if row["query"] not in shown][:ROWS],
            intents=Intent.objects.order_by("-id")[:10],
        )
        return context

    def post(self, request, *args, **kwargs):
        query = request.POST.get("query", "").strip()[:100]
        words = request.POST.get("words", "").strip()[:300]
        action = request.POST.get("action")
        try:
            if action == "intent":
                intent_create(phrases=query, words=words, note="由搜索词学习添加")
                messages.success(
                    request, f"已设为搜索意图：今后搜索“{query}”即按“{words}”中任一词搜索。"
                )
            elif action == "synonym":
                synonym_create(terms=f"{query}、{words}")
                messages.success(request, f"已设为同义词：“{query}”与“{words}”互相等同。")
            else:
                messages.error(request, "请选择“设为意图”或“设为同义词”。")
        except ValidationError as error:
            messages.error(request, f"“{query}”未能保存：{'；'.join(error.messages)}")
        return redirect("search_learning")
