from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Law


class LawViewSet(SnippetViewSet):
    model = Law
    icon = "doc-full"
    menu_label = "法律法规库"
    menu_name = "laws"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["title", "level", "version_date", "status", "issuing_authority"]
    list_filter = ["level", "status"]
    # Searched in the database by substring (title contains the words typed): the admin's
    # full-text backend has no column per field on SQLite, and Chinese titles are not words.
    search_fields = ["title", "short_title"]
    search_backend_name = None
    ordering = ["title", "-version_date"]


register_snippet(LawViewSet)
