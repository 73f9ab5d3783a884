"""The admin home panel of a department's staff and the legal office: open red cards and
督办单 to answer, then what must be adjusted or reviewed, and by when."""

from django.utils import timezone
from wagtail.admin.ui.components import Component

from .alert_selectors import alerts_for, orders_for
from .models import Level, OrderState
from .selectors import supervision_for


class DueItemsPanel(Component):
    name = "supervision_due_items"
    order = 50
    template_name = "supervision/home_panel.html"

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        today = timezone.localdate()
        supervision = supervision_for(self.user, today=today)
        open_orders = orders_for(self.user).filter(state=OrderState.OPEN)
        return {
            "supervision": supervision, "items": supervision.items[:20],
            "red_cards": alerts_for(self.user).filter(level=Level.RED,
                                                     cleared_at__isnull=True).count(),
            "open_orders": open_orders.count(),
            "overdue_orders": open_orders.filter(due_on__lt=today).count(),
        }  # fmt: skip
