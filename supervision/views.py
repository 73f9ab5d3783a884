"""The 电子监察 dashboard in the admin: per department, and the items behind each number."""

from django.conf import settings
from django.urls import reverse
from django.views.generic import TemplateView

from access import roles
from access.admin_sections import AdminSectionMixin
from cases.selectors import withheld_cases
from common.text import clean_public_text

from .alert_selectors import warning_rows
from .models import Level
from .selectors import (
    CARD_LABELS,
    KIND_LABELS,
    SOLE_DECISION_DAYS,
    filter_items,
    sole_decisions,
    supervision_for,
)


class SupervisionMixin(AdminSectionMixin):
    header_icon = "warning"
    allowed = staticmethod(roles.is_department_staff)
    section_url_name, section_label = "supervision:dashboard", "电子监察"


class DashboardView(SupervisionMixin, TemplateView):
    page_title = "电子监察"
    template_name = "supervision/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        supervision = supervision_for(self.request.user)
        rows, warning_total = warning_rows(self.request.user, today=supervision.today)
        context.update(
            warning_rows=rows,
            warning_total=warning_total,
            levels=Level.choices,
            supervises=roles.supervises(self.request.user),
            supervision=supervision,
            totals=supervision.totals,
            sees_all=roles.sees_all_departments(self.request.user),
            sole_decisions=sole_decisions(self.request.user),
            sole_decision_days=SOLE_DECISION_DAYS,
            withheld_cases=withheld_cases(self.request.user),
            items_url=reverse("supervision:items"),
            deadlines={
                "review": settings.REVIEW_DEADLINE_WORKING_DAYS,
                "adjustment": settings.ADJUSTMENT_DEADLINE_WORKING_DAYS,
                "yellow": settings.YELLOW_CARD_WORKING_DAYS,
            },
        )
        return context


class ItemsView(SupervisionMixin, TemplateView):
    page_title = "电子监察：事项清单"
    template_name = "supervision/items.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        supervision = supervision_for(self.request.user)
        params = self.request.GET
        department = clean_public_text(params.get("dept", ""), 64)
        kind = params.get("kind", "")
        card = params.get("card", "")
        items = filter_items(supervision.items, department_code=department, kind=kind, card=card)
        context.update(
            supervision=supervision,
            items=items,
            selected_department=next(
                (r.department for r in supervision.rows if r.department.code == department), None
            ),
            kind_label=KIND_LABELS.get(kind, ""),
            card_label=CARD_LABELS.get(card, ""),
        )
        return context
