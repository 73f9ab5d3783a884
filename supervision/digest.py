"""The daily digest of yellow and red items, by email (Django's email; console in development)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from access import roles
from workdays.calendar import WorkCalendar

from .alert_selectors import alerts_for, orders_for
from .models import Level, OrderState
from .selectors import NORMAL, supervision_for


@dataclass
class DigestReport:
    sent: int = 0
    recipients: list[str] = None


def _case_news(user, today, calendar):
    """New red cards on cases (raised since the previous working day) and the open 督办单 due
    within two working days or overdue, in the user's scope."""
    since = timezone.make_aware(datetime.datetime.combine(
        calendar.subtract_working_days(today, 1), datetime.time()))  # fmt: skip
    red = list(
        alerts_for(user).filter(level=Level.RED, raised_at__gte=since, cleared_at__isnull=True)
        .order_by("-raised_at")[:50]
    )  # fmt: skip
    soon = calendar.add_working_days(today, 2)
    orders = list(
        orders_for(user).filter(state=OrderState.OPEN, due_on__lte=soon).order_by("due_on")[:50]
    )
    return red, orders


def digest_send(*, today=None) -> DigestReport:
    """Email every legal-office member and 纪检监察 all yellow and red items, new red cards on
    cases and 督办 coming due, and every department editor or post holder those of their
    departments. People with nothing to act on get no email."""
    today = today or timezone.localdate()
    calendar = WorkCalendar.load()
    User = get_user_model()
    active = User.objects.filter(is_active=True).exclude(email="")
    people = (
        active.filter(groups__name__in=[roles.LEGAL_OFFICE, roles.SUPERVISORS])
        .union(active.filter(groups__department_role__isnull=False))
        .union(active.filter(posts__isnull=False))
    )
    report = DigestReport(recipients=[])
    for user in people:
        supervision = supervision_for(user, today=today, calendar=calendar)
        urgent = [item for item in supervision.items if item.card != NORMAL]
        red_cards, orders = _case_news(user, today, calendar)
        if not (urgent or red_cards or orders):
            continue
        context = {
            "user": user,
            "today": today,
            "items": urgent,
            "red_cards": red_cards,
            "orders": orders,
            "unknown_years": supervision.unknown_years,
            "admin_url": settings.WAGTAILADMIN_BASE_URL,
        }
        red = sum(1 for item in urgent if item.card == "red")
        subject = (
            f"【电子监察】{today:%Y-%m-%d}：红牌 {red} 项，黄牌 {len(urgent) - red} 项，"
            f"办件新红牌 {len(red_cards)} 张，督办 {len(orders)} 件待回复"
        )
        send_mail(
            subject,
            render_to_string("supervision/digest_email.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        report.sent += 1
        report.recipients.append(user.email)
    return report
