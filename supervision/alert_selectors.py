"""Reads of warnings, 督办单 and findings, scoped by access.scoping: a department's staff see
their own departments', the legal office, site administrators and 纪检监察 see all."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from access.scoping import scoped_to

from .models import Alert, Finding, Level, OrderState, SupervisionOrder
from .selectors import visible_departments


def alerts_for(user):
    return scoped_to(user, Alert.objects.all()).select_related(
        "rule", "department", "case", "cleared_by"
    )


def orders_for(user):
    return scoped_to(user, SupervisionOrder.objects.all()).select_related("department", "case")


def findings_for(user):
    return scoped_to(user, Finding.objects.all()).select_related(
        "department", "case", "order", "fault_kind", "measure"
    )


@dataclass
class WarningRow:
    department: object
    counts: dict = field(default_factory=lambda: dict.fromkeys(Level.values, 0))
    orders_open: int = 0
    orders_overdue: int = 0

    @property
    def total(self):
        return sum(self.counts.values())


def warning_rows(user, *, today=None) -> tuple[list[WarningRow], WarningRow]:
    """Open warnings per department and level, and open and overdue 督办单: the dashboard's
    table (one grouped query each)."""
    today = today or timezone.localdate()
    rows = OrderedDict((d.pk, WarningRow(d)) for d in visible_departments(user))
    total = WarningRow(None)
    counted = (
        alerts_for(user).filter(cleared_at__isnull=True).order_by()
        .values_list("department_id", "level").annotate(n=Count("*"))  # index only
    )  # fmt: skip
    for department_id, level, n in counted:
        row = rows.get(department_id)
        if row is not None:
            row.counts[level] += n
        total.counts[level] += n
    orders = (
        orders_for(user).exclude(state=OrderState.ACCEPTED).order_by().values("department_id")
        .annotate(open=Count("id"),
                  overdue=Count("id", filter=Q(state=OrderState.OPEN, due_on__lt=today)))
    )  # fmt: skip
    for entry in orders:
        row = rows.get(entry["department_id"])
        if row is not None:
            row.orders_open, row.orders_overdue = entry["open"], entry["overdue"]
        total.orders_open += entry["open"]
        total.orders_overdue += entry["overdue"]
    return list(rows.values()), total
