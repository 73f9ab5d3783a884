"""Reads of cases. Public reads (办件公示, the power page's figures, the public API) go through
`public_cases` and read no personal data but the masked applicant name; staff reads go through
`cases_for`, scoped to the user's departments by access.scoping."""

from __future__ import annotations

import datetime

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from access import roles
from access.scoping import scoped_to

from .models import OPEN_STATES, Case, State

# The columns 办件公示 reads: nothing personal beyond the masked name.
PUBLIC_FIELDS = (
    "id", "case_no", "power_id", "department_id", "power_code", "power_name", "power_type",
    "applicant_public_name", "channel", "state", "current_step", "accepted_at", "published_at",
    "due_on", "finished_at", "result", "on_time", "promised_days", "working_days_used",
    "submitted_at", "extension_days", "paused_since", "rejection_reason", "version",
)  # fmt: skip
PUBLIC_STATES = tuple(s for s in State.values if s not in (State.SUBMITTED, State.VOID))


def public_cases(*, department=None, power=None, state=None, month=None):
    """Cases in 办件公示, newest first (by the time they entered 公示: acceptance, or the
    decision not to accept): not withheld, not void. `month`: a (year, month) pair of that
    time."""
    cases = Case.objects.filter(public=True).only(*PUBLIC_FIELDS)
    if department is not None:
        cases = cases.filter(department=department)
    if power is not None:
        cases = cases.filter(power=power)
    if state:
        cases = cases.filter(state=state)
    if month:
        year, number = month
        start = timezone.make_aware(datetime.datetime(year, number, 1))
        end = timezone.make_aware(datetime.datetime(year + number // 12, number % 12 + 1, 1))
        cases = cases.filter(published_at__gte=start, published_at__lt=end)
    return cases.order_by("-published_at", "-id")


def public_case(case_no: str) -> Case | None:
    return (
        Case.objects.filter(public=True, case_no=case_no)
        .only(*PUBLIC_FIELDS)
        .prefetch_related("steps", "clock_stops")
        .first()
    )


def cases_for(user):
    """The cases a member of staff may see: their departments' (all for the legal office and
    site administrators)."""
    return scoped_to(user, Case.objects.all())


def works_in(user, case) -> bool:
    """The user works for the case's department (its editors or post holders): only they may see
    the applicant's personal data whole (with the right to, each look logged). The legal office
    and site administrators see every department's cases, masked."""
    return case.department_id in roles.department_ids_of(user)


def may_reveal_applicant(user, case) -> bool:
    return works_in(user, case) and roles.can_view_personal_data(user)


def todo_for(user):
    """待办: open cases whose step at hand is one of the user's posts, soonest due first."""
    if not roles.is_active_staff(user):
        return Case.objects.none()
    from access.models import Post

    condition = Q()
    for department_id, name in Post.objects.filter(members=user).values_list(
        "department_id", "name"
    ):
        condition |= Q(department_id=department_id, current_posts__contains=name)
    if not condition:
        return Case.objects.none()
    return Case.objects.filter(condition, state__in=OPEN_STATES).order_by(
        F("due_on").asc(nulls_last=True), "submitted_at"
    )


def power_figures(power, *, year: int | None = None) -> dict:
    """This year's figures of a power for its page: accepted, finished, average working days
    against the promise, on-time rate."""
    year = year or timezone.localdate().year
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    figures = Case.objects.filter(
        power=power, public=True, accepted_at__gte=start, accepted_at__lt=end
    ).aggregate(
        accepted=Count("id"),
        finished=Count("id", filter=Q(state=State.FINISHED)),
        on_time=Count("id", filter=Q(state=State.FINISHED, on_time=True)),
        average_days=Avg("working_days_used", filter=Q(state=State.FINISHED)),
    )
    finished = figures["finished"]
    figures["year"] = year
    figures["on_time_rate"] = round(100 * figures["on_time"] / finished, 1) if finished else None
    if figures["average_days"] is not None:
        figures["average_days"] = round(float(figures["average_days"]), 1)
    figures["promised_days"] = power.promised_time_limit
    return figures


def withheld_cases(user, *, limit: int = 50):
    """Cases kept out of 办件公示, with their recorded reasons, in the user's scope: supervision
    sees every one."""
    return (
        cases_for(user)
        .filter(withheld=True)
        .select_related("department")
        .order_by("-submitted_at")[:limit]
    )
