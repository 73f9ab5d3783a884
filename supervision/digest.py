"""The daily digest of yellow and red items, by email (Django's email; console in development)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from access import roles
from workdays.calendar import WorkCalendar

from .selectors import NORMAL, supervision_for


@dataclass
class DigestReport:
    sent: int = 0
    recipients: list[str] = None


def digest_send(*, today=None) -> DigestReport:
    """Email every legal-office member all yellow and red items, and every department editor
    those of their departments. People with nothing to act on get no email."""
    today = today or timezone.localdate()
    calendar = WorkCalendar.load()
    User = get_user_model()
    people = (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(groups__name=roles.LEGAL_OFFICE)
        .union(
            User.objects.filter(is_active=True)
            .exclude(email="")
            .filter(groups__department_role__isnull=False)
        )
    )
    report = DigestReport(recipients=[])
    for user in people:
        supervision = supervision_for(user, today=today, calendar=calendar)
        urgent = [item for item in supervision.items if item.card != NORMAL]
        if not urgent:
            continue
        context = {
            "user": user,
            "today": today,
            "items": urgent,
            "unknown_years": supervision.unknown_years,
            "admin_url": settings.WAGTAILADMIN_BASE_URL,
        }
        red = sum(1 for item in urgent if item.card == "red")
        subject = f"【电子监察】{today:%Y-%m-%d}：红牌 {red} 项，黄牌 {len(urgent) - red} 项"
        send_mail(
            subject,
            render_to_string("supervision/digest_email.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        report.sent += 1
        report.recipients.append(user.email)
    return report
