"""Admin for the hall's search: synonyms, the domain dictionary and the search report."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import AdminOnlyMenuItem, MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from access import roles

from . import admin_views
from .models import DictionaryWord, Intent, Synonym


class SynonymViewSet(SnippetViewSet):
    model = Synonym
    icon = "link"
    menu_label = "同义词"
    menu_name = "synonyms"
    list_display = ["terms"]
    search_fields = ["terms"]


class IntentViewSet(SnippetViewSet):
    model = Intent
    icon = "help"
    menu_label = "搜索意图"
    menu_name = "intents"
    list_display = ["phrases", "words", "note"]
    search_fields = ["phrases", "words"]


class DictionaryWordViewSet(SnippetViewSet):
    model = DictionaryWord
    icon = "doc-full"
    menu_label = "搜索词典"
    menu_name = "dictionary"
    list_display = ["word", "note"]
    search_fields = ["word"]


class SearchViewSetGroup(SnippetViewSetGroup):
    items = (SynonymViewSet, IntentViewSet, DictionaryWordViewSet)
    menu_icon = "search"
    menu_label = "站内搜索"
    menu_name = "hall-search"
    menu_order = 320


register_snippet(SearchViewSetGroup)


@hooks.register("register_admin_urls")
def register_search_report_url():
    return [
        path("search-report/", admin_views.SearchReportView.as_view(), name="search_report"),
        path(
            "search-learning/", admin_views.SearchLearningView.as_view(), name="search_learning"
        ),  # fmt: skip
    ]


class SearchLearningMenuItem(MenuItem):
    def is_shown(self, request):
        return roles.can_teach_search(request.user)


@hooks.register("register_reports_menu_item")
def register_search_learning_menu_item():
    return SearchLearningMenuItem(
        "搜索词学习", reverse("search_learning"), icon_name="search", order=901
    )


@hooks.register("register_reports_menu_item")
def register_search_report_menu_item():
    return AdminOnlyMenuItem("搜索统计", reverse("search_report"), icon_name="search", order=900)
