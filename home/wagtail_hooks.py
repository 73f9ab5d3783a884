"""The admin's help menu: nothing that leads outside the platform (a government intranet often has
no internet, and Wagtail's guide and release notes are in English)."""

from wagtail import hooks

# Wagtail's own help items that link to wagtail.org (its release notes and its editor guide).
OUTSIDE_LINKS = ("whats-new-in-wagtail-", "editor-guide")


@hooks.register("construct_help_menu")
def keep_help_inside(request, menu_items):
    menu_items[:] = [item for item in menu_items if not item.name.startswith(OUTSIDE_LINKS)]
