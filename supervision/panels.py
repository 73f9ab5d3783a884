"""The admin home panel of a department editor: what must be adjusted, and by when."""

from django.utils import timezone
from wagtail.admin.ui.components import Component

from .selectors import supervision_for


class DueItemsPanel(Component):
    name = "supervision_due_items"
    order = 50
    template_name = "supervision/home_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        supervision = supervision_for(self.user, today=timezone.localdate())
        return {"supervision": supervision, "items": supervision.items[:20]}
