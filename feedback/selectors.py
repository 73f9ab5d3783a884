"""What the public sees of feedback: rating summaries, moderated comments with their replies,
and the published results (定期公布评议结果). Never a name or a phone number."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone

from access.scoping import scoped_to
from catalogue.choices import PowerType
from catalogue.selectors import live_departments, live_powers
from common.text import clean_public_text

from .forms import FeedbackForm
from .models import BAD_RATINGS, SATISFIED_RATINGS, Feedback, Moderation, Rating

COUNTED = Q(rating__isnull=False, excluded_from_statistics=False, held=False)
VERIFIED = ~Q(case_no="")
PUBLIC_FIELDS = ("tracking_no", "kind", "rating", "comment", "created_at", "reply", "replied_at",
                 "power_id", "department_id")  # fmt: skip


def feedback_target(power_code: str = "", department_code: str = ""):
    """(power, department) a citizen's feedback is about: the live, public power with that
    事项编码, or else the live, public department with that code; (None, None) when there is
    none. The form and the API both ask here."""
    power_code = clean_public_text(power_code or "", 64)
    department_code = clean_public_text(department_code or "", 64)
    if power_code:
        power = (
            live_powers().filter(code=power_code)
            .only("id", "path", "depth", "title", "code", "power_type", "url_path", "live")
            .first()
        )  # fmt: skip
        return power, None
    if department_code:
        return None, live_departments().filter(code=department_code).first()
    return None, None


def _aggregates():
    return {
        "ratings": Count("id"),
        "satisfied": Count("id", filter=Q(rating__in=SATISFIED_RATINGS)),
        "bad": Count("id", filter=Q(rating__in=BAD_RATINGS)),
        "bad_on_time": Count(
            "id", filter=Q(rating__in=BAD_RATINGS, replied_at__date__lte=F("due_on"))
        ),
        # Ratings of finished cases by their applicants (verified by number and password).
        "verified": Count("id", filter=VERIFIED),
        "verified_satisfied": Count("id", filter=VERIFIED & Q(rating__in=SATISFIED_RATINGS)),
    }


@dataclass
class Figures:
    ratings: int = 0
    satisfied: int = 0
    bad: int = 0
    bad_on_time: int = 0
    verified: int = 0
    verified_satisfied: int = 0
    levels: dict = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        """Satisfaction rate: 非常满意 + 满意 + 基本满意 over all ratings."""
        return self.satisfied / self.ratings if self.ratings else None

    @property
    def rate_percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    @property
    def anonymous(self) -> int:
        return self.ratings - self.verified

    @property
    def verified_rate_percent(self) -> str:
        """Satisfaction among the ratings of finished cases by their verified applicants."""
        if not self.verified:
            return "—"
        return f"{self.verified_satisfied / self.verified * 100:.1f}%"

    @property
    def anonymous_rate_percent(self) -> str:
        if not self.anonymous:
            return "—"
        satisfied = self.satisfied - self.verified_satisfied
        return f"{satisfied / self.anonymous * 100:.1f}%"

    @property
    def on_time_percent(self) -> str:
        return "—" if not self.bad else f"{self.bad_on_time / self.bad * 100:.1f}%"


def rating_summary(**scope) -> Figures:
    """Figures for one power (power=…) or department (department=…), in one query; counted at
    once, including ratings whose comments still wait for moderation."""
    levels = {f"level_{r.value}": Count("id", filter=Q(rating=r.value)) for r in Rating}
    row = Feedback.objects.filter(COUNTED, **scope).aggregate(**_aggregates(), **levels)
    return Figures(
        ratings=row["ratings"], satisfied=row["satisfied"], bad=row["bad"],
        bad_on_time=row["bad_on_time"],
        levels={r.label: row[f"level_{r.value}"] for r in Rating},
    )  # fmt: skip


def published_comments(limit=10, **scope):
    """Moderated comments with the department's replies, newest first."""
    return list(
        Feedback.objects.filter(moderation=Moderation.PUBLISHED, **scope)
        .only(*PUBLIC_FIELDS)
        .order_by("-created_at")[:limit]
    )


def page_feedback(**scope) -> dict:
    """What a power page (power=…) or department page (department=…) shows of feedback."""

    return {
        "feedback_summary": rating_summary(**scope),
        "feedback_comments": published_comments(**scope),
        "feedback_form": FeedbackForm(),
    }


# --- Published results -----------------------------------------------------------------------


@dataclass
class Period:
    kind: str  # "month" or "quarter"
    start: datetime.date

    @property
    def end(self) -> datetime.date:
        months = 1 if self.kind == "month" else 3
        year, month = divmod(self.start.month - 1 + months, 12)
        return datetime.date(self.start.year + year, month + 1, 1)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"

    @property
    def param(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @classmethod
    def parse(cls, value: str, *, today: datetime.date) -> Period:
        """2026-11 (a month) or 2026-Q4 (a quarter); anything else: this month."""
        value = (value or "").strip().upper()
        try:
            if "-Q" in value:
                year, quarter = value.split("-Q")
                if 1 <= int(quarter) <= 4 and 2000 <= int(year) <= 2100:
                    return cls("quarter", datetime.date(int(year), 3 * int(quarter) - 2, 1))
            elif value:
                year, month = value.split("-")
                if 1 <= int(month) <= 12 and 2000 <= int(year) <= 2100:
                    return cls("month", datetime.date(int(year), int(month), 1))
        except ValueError:
            pass
        return cls("month", today.replace(day=1))

    def previous(self, count: int) -> list[Period]:
        """This period and the `count - 1` before it, oldest first."""
        periods, start = [], self.start
        step = 1 if self.kind == "month" else 3
        for _ in range(count):
            periods.append(Period(self.kind, start))
            year, month = divmod(start.month - 1 - step, 12)
            start = datetime.date(start.year + year, month + 1, 1)
        return periods[::-1]


def _range(period_from: Period, period_to: Period):
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(period_from.start, datetime.time(), tzinfo=tz)
    end = datetime.datetime.combine(period_to.end, datetime.time(), tzinfo=tz)
    return Q(created_at__gte=start, created_at__lt=end)


def satisfaction_by_department(start: datetime.date, end: datetime.date) -> dict[int, Figures]:
    """The counted ratings of [start, end) per department (one grouped query): 绩效评估's
    好差评 indicator."""
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time(), tzinfo=tz)
    until = datetime.datetime.combine(end, datetime.time(), tzinfo=tz)
    rows = (
        Feedback.objects.filter(COUNTED, created_at__gte=since, created_at__lt=until)
        .values("department_id").annotate(**_aggregates())
    )  # fmt: skip
    return {row.pop("department_id"): Figures(**row) for row in rows}


@dataclass
class Row:
    key: str
    label: str
    figures: Figures
    trend: list[tuple[Period, Figures]] = field(default_factory=list)


@dataclass
class Results:
    period: Period
    total: Figures
    departments: list[Row]
    types: list[Row]
    trend_periods: list[Period]


def satisfaction(period: Period, *, trend_length=12) -> Results:
    """The published results for a period: per department (with its trend over the last
    `trend_length` periods) and per type of power. Three grouped queries."""
    counted = Feedback.objects.filter(COUNTED)
    in_period = counted.filter(_range(period, period))
    trend_periods = period.previous(trend_length)
    truncate = TruncMonth if period.kind == "month" else TruncQuarter

    by_department = {
        row.pop("department_id"): Figures(**row)
        for row in in_period.values("department_id").annotate(**_aggregates())
    }
    by_type = {
        row.pop("power_type"): Figures(**row)
        for row in in_period.values("power_type").annotate(**_aggregates())
    }
    trend = {}
    for row in (
        counted.filter(_range(trend_periods[0], period))
        .annotate(bucket=truncate("created_at"))
        .values("department_id", "bucket")
        .annotate(**_aggregates())
    ):
        bucket, department_id = row.pop("bucket"), row.pop("department_id")
        bucket = bucket.date() if isinstance(bucket, datetime.datetime) else bucket
        trend[(department_id, bucket)] = Figures(**row)

    departments = []
    for department in live_departments().order_by("path").only("id", "title", "code"):
        figures = by_department.get(department.pk, Figures())
        series = [(p, trend.get((department.pk, p.start), Figures())) for p in trend_periods]
        if figures.ratings or any(f.ratings for _p, f in series):
            departments.append(Row(department.code, department.title, figures, series))
    types = [Row(t.value, t.label, by_type[t.value]) for t in PowerType if t.value in by_type]
    total = Figures()
    for figures in by_department.values():
        for name in ("ratings", "satisfied", "bad", "bad_on_time", "verified",
                     "verified_satisfied"):  # fmt: skip
            setattr(total, name, getattr(total, name) + getattr(figures, name))
    return Results(period, total, departments, types, trend_periods)


def feedback_for(user):
    """The feedback a member of staff may see: their departments' (all, for the legal office and
    site administrators; access.scoping)."""
    return scoped_to(user, Feedback.objects.all())
