"""绩效评估: each department's performance in a month, a quarter or a year, from its cases, the
warnings, 督办, citizens' ratings and findings; a score out of 100 with the weights and grade
bands of PerformanceSettings, and how it was computed.

Indicators (a department's cases whose 办结 fell in the period, unless said otherwise):
  按时办结率   on time ÷ finished with a promised date
  提前办结率   finished in fewer working days than promised ÷ finished with a promise
  办理用时     from the average working days used ÷ the average promised (with extensions):
               half the promise or less 1, the whole promise 0, linear between
  超期件数     finished late in the period, and open cases past their date at its end
  督办按期回复率  督办单 due in the period answered by their date ÷ those due
  好差评满意率   satisfied ÷ counted ratings given in the period (feedback)
  网上办理率   cases applied for online ÷ cases submitted in the period
  预警、红牌   warnings raised in the period, by level
  过错追究     findings decided in the period
Score = Σ weight × indicator over the indicators with data (their weights scaled to 100), minus
red cards per hundred finished cases × its deduction (≤ 20) and findings × theirs (≤ 15).

A complete period is computed once and kept (Evaluation); the current one is computed on asking.
Everything is a handful of grouped queries, whatever the number of cases.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from cases.models import OPEN_STATES, Case, Channel, State
from catalogue.selectors import live_departments
from feedback.selectors import satisfaction_by_department

from .models import Alert, Evaluation, Finding, Level, PerformanceSettings, SupervisionOrder

INDICATORS = {
    "on_time": "按时办结率",
    "early": "提前办结率",
    "speed": "办理用时",
    "orders": "督办按期回复率",
    "satisfaction": "好差评满意率",
    "online": "网上办理率",
}
MAX_RED_DEDUCTION, MAX_FINDING_DEDUCTION = 20, 15


@dataclass(frozen=True)
class Period:
    kind: str  # "month", "quarter" or "year"
    start: datetime.date

    @property
    def end(self) -> datetime.date:
        """The first day after the period."""
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind]
        year, month = divmod(self.start.month - 1 + months, 12)
        return datetime.date(self.start.year + year, month + 1, 1)

    @property
    def param(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年"

    def is_complete(self, today: datetime.date) -> bool:
        return today >= self.end

    def previous(self) -> Period:
        if self.kind == "year":
            return Period("year", self.start.replace(year=self.start.year - 1))
        months = 1 if self.kind == "month" else 3
        year, month = divmod(self.start.month - 1 - months, 12)
        return Period(self.kind, datetime.date(self.start.year + year, month + 1, 1))

    def history(self, count: int) -> list[Period]:
        """This period and the `count - 1` before it, oldest first."""
        periods = [self]
        while len(periods) < count:
            periods.append(periods[-1].previous())
        return periods[::-1]

    @classmethod
    def parse(cls, value: str) -> Period | None:
        """2026-11, 2026-Q4 or 2026; None for anything else."""
        value = (value or "").strip().upper()[:10]
        try:
            if "-Q" in value:
                year, quarter = value.split("-Q")
                if 1 <= int(quarter) <= 4 and 2000 <= int(year) <= 2100:
                    return cls("quarter", datetime.date(int(year), 3 * int(quarter) - 2, 1))
            elif "-" in value:
                year, month = value.split("-")
                if 1 <= int(month) <= 12 and 2000 <= int(year) <= 2100:
                    return cls("month", datetime.date(int(year), int(month), 1))
            elif value.isdigit() and 2000 <= int(value) <= 2100:
                return cls("year", datetime.date(int(value), 1, 1))
        except ValueError:
            return None
        return None

    @classmethod
    def last_complete(cls, kind: str, today: datetime.date) -> Period:
        """The last period of this kind that has ended by `today`."""
        if kind == "year":
            return cls("year", datetime.date(today.year - 1, 1, 1))
        months = 1 if kind == "month" else 3
        current = cls(kind, datetime.date(today.year, (today.month - 1) // months * months + 1, 1))
        return current.previous()


@dataclass
class Result:
    """One department's evaluation: its figures, the indicators (0–1 or None), its score."""

    department_id: int
    code: str
    title: str
    short_name: str = ""
    figures: dict = field(default_factory=dict)
    indicators: dict = field(default_factory=dict)
    points: dict = field(default_factory=dict)  # indicator → points earned
    deductions: dict = field(default_factory=dict)
    score: float = 0.0
    grade: str = ""
    rank: int = 0

    def as_dict(self) -> dict:
        return {"figures": self.figures, "indicators": self.indicators, "points": self.points,
                "deductions": self.deductions}  # fmt: skip


def _aware(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=timezone.get_current_timezone())


def _ratio(part, whole) -> float | None:
    return (part / whole) if whole else None


def _figures(period: Period) -> dict[int, dict]:
    """Every department's raw figures for the period (grouped queries)."""
    since, until = _aware(period.start), _aware(period.end)
    figures: dict[int, dict] = {}

    def row(department_id):
        return figures.setdefault(department_id, {
            "accepted": 0, "finished": 0, "with_due": 0, "on_time": 0, "with_promise": 0,
            "early": 0, "days_used": None, "days_promised": None, "late": 0, "open_overdue": 0,
            "submitted": 0, "online": 0, "orders_due": 0, "orders_on_time": 0, "ratings": 0,
            "satisfied": 0, "reminders": 0, "yellow": 0, "red": 0, "findings": 0,
        })  # fmt: skip

    finished = (
        Case.objects.filter(state=State.FINISHED, finished_at__gte=since, finished_at__lt=until)
        .order_by().values("department_id")
        .annotate(
            finished=Count("id"),
            with_due=Count("id", filter=Q(on_time__isnull=False)),
            timely=Count("id", filter=Q(on_time=True)),  # on_time is a field's name
            late=Count("id", filter=Q(on_time=False)),
            with_promise=Count("id", filter=Q(promised_days__gt=0,
                                              working_days_used__isnull=False)),
            early=Count("id", filter=Q(promised_days__gt=0,
                                       working_days_used__lt=F("promised_days"))),
            days_used=Avg("working_days_used", filter=Q(promised_days__gt=0)),
            days_promised=Avg(F("promised_days") + F("extension_days"),
                              filter=Q(promised_days__gt=0, working_days_used__isnull=False)),
        )
    )  # fmt: skip
    for values in finished:
        values["on_time"] = values.pop("timely")
        row(values.pop("department_id")).update(values)
    submitted = (
        Case.objects.filter(submitted_at__gte=since, submitted_at__lt=until)
        .order_by().values("department_id")
        .annotate(submitted=Count("id"), online=Count("id", filter=Q(channel=Channel.ONLINE)),
                  accepted=Count("id", filter=Q(accepted_at__isnull=False)))
    )  # fmt: skip
    for values in submitted:
        row(values.pop("department_id")).update(values)
    # A period still running is judged as of today: what is not due yet is not late.
    cutoff = min(period.end, timezone.localdate() + datetime.timedelta(days=1))
    last_day = cutoff - datetime.timedelta(days=1)
    overdue = (
        Case.objects.filter(state__in=OPEN_STATES, due_on__lt=last_day, accepted_at__lt=until)
        .order_by().values("department_id").annotate(n=Count("id"))
    )  # fmt: skip
    for values in overdue:
        row(values["department_id"])["open_overdue"] = values["n"]
    orders = (
        SupervisionOrder.objects.filter(due_on__gte=period.start, due_on__lt=period.end)
        # judged once due, or once answered (an early answer counts at once)
        .filter(Q(due_on__lt=cutoff) | Q(answered_at__isnull=False))
        .order_by().values("department_id")
        .annotate(due=Count("id"), on_time=Count("id", filter=Q(answered_on_time=True)))
    )  # fmt: skip
    for values in orders:
        entry = row(values["department_id"])
        entry["orders_due"], entry["orders_on_time"] = values["due"], values["on_time"]
    for department_id, rated in satisfaction_by_department(period.start, period.end).items():
        if department_id is not None:
            entry = row(department_id)
            entry["ratings"], entry["satisfied"] = rated.ratings, rated.satisfied
    alerts = (
        Alert.objects.filter(raised_at__gte=since, raised_at__lt=until, department__isnull=False)
        .order_by().values("department_id")
        .annotate(reminders=Count("id", filter=Q(level=Level.REMINDER)),
                  yellow=Count("id", filter=Q(level=Level.YELLOW)),
                  red=Count("id", filter=Q(level=Level.RED)))
    )  # fmt: skip
    for values in alerts:
        row(values.pop("department_id")).update(values)
    findings = (
        Finding.objects.filter(decided_on__gte=period.start, decided_on__lt=period.end)
        .order_by().values("department_id").annotate(n=Count("id"))
    )  # fmt: skip
    for values in findings:
        row(values["department_id"])["findings"] = values["n"]
    return figures


def _indicators(f: dict) -> dict[str, float | None]:
    speed = None
    if f["days_used"] is not None and f["days_promised"]:
        # Half the promised time or less: full marks; the whole promise: none.
        used = float(f["days_used"]) / float(f["days_promised"])
        speed = max(0.0, min(1.0, (1 - used) / 0.5))
    return {
        "on_time": _ratio(f["on_time"], f["with_due"]),
        "early": _ratio(f["early"], f["with_promise"]),
        "speed": speed,
        "orders": _ratio(f["orders_on_time"], f["orders_due"]),
        "satisfaction": _ratio(f["satisfied"], f["ratings"]),
        "online": _ratio(f["online"], f["submitted"]),
    }


def score(figures: dict, settings: PerformanceSettings) -> tuple[dict, dict, dict, float]:
    """(indicators, points per indicator, deductions, score) of one department's figures."""
    indicators = _indicators(figures)
    weights = settings.weights()
    available = {name: w for name, w in weights.items() if indicators[name] is not None}
    scale = 100 / sum(available.values()) if sum(available.values()) else 0
    points = {name: round(indicators[name] * weight * scale, 1)
              for name, weight in available.items()}  # fmt: skip
    handled = figures["finished"] or figures["submitted"]
    red_per_hundred = figures["red"] * 100 / handled if handled else 0
    deductions = {
        "red": round(min(MAX_RED_DEDUCTION,
                         red_per_hundred * float(settings.red_card_deduction)), 1),
        "findings": round(min(MAX_FINDING_DEDUCTION,
                              figures["findings"] * float(settings.finding_deduction)), 1),
    }  # fmt: skip
    total = sum(points.values()) - sum(deductions.values()) if available else 0.0
    return indicators, points, deductions, round(max(0.0, total), 1)


def _settings_key(settings: PerformanceSettings) -> str:
    values = [str(getattr(settings, name)) for name in (
        *(f"weight_{w}" for w in PerformanceSettings.WEIGHTS), "red_card_deduction",
        "finding_deduction", "excellent", "good", "passing")]  # fmt: skip
    return hashlib.sha256("|".join(values).encode()).hexdigest()[:16]


def evaluate(period: Period, *, settings: PerformanceSettings | None = None) -> list[Result]:
    """Every live department with cases in the period, ranked by score (a department without
    cases is not evaluated: ratings alone say too little)."""
    settings = settings or PerformanceSettings.load()
    figures = _figures(period)
    results = []
    departments = live_departments().order_by("path").only("id", "code", "title", "short_name")
    for department in departments:
        found = figures.get(department.pk)
        if found is None or not (found["finished"] or found["submitted"]):
            continue
        indicators, points, deductions, total = score(found, settings)
        if not points:  # nothing measurable yet (cases still running): not graded
            continue
        results.append(Result(
            department.pk, department.code, department.title,
            department.short_name or department.title, found, indicators, points, deductions,
            total, settings.grade(total),
        ))  # fmt: skip
    results.sort(key=lambda r: (-r.score, r.code))
    for rank, result in enumerate(results, start=1):
        result.rank = rank
    return results


def evaluation_for(period: Period, *, today: datetime.date | None = None) -> list[Result]:
    """A period's evaluation: kept once computed when the period is complete (computed again
    when the weights changed), computed on asking while it runs."""
    today = today or timezone.localdate()
    settings = PerformanceSettings.load()
    if not period.is_complete(today):
        return evaluate(period, settings=settings)
    key = _settings_key(settings)
    kept = list(
        Evaluation.objects.filter(period=period.param, settings_key=key)
        .select_related("department").order_by("rank")
    )  # fmt: skip
    if kept:
        return [_from_kept(row) for row in kept]
    results = evaluate(period, settings=settings)
    try:
        with transaction.atomic():
            Evaluation.objects.filter(period=period.param).delete()
            Evaluation.objects.bulk_create(
                Evaluation(period=period.param, department_id=r.department_id,
                           figures=r.as_dict(), score=Decimal(str(r.score)), grade=r.grade,
                           rank=r.rank, settings_key=key)
                for r in results
            )  # fmt: skip
    except IntegrityError:
        pass  # another request kept the same results at the same moment
    return results


def _from_kept(row: Evaluation) -> Result:
    data = row.figures
    department = row.department
    return Result(row.department_id, department.code, department.title,
                  department.short_name or department.title, data["figures"],
                  data["indicators"], data["points"], data["deductions"], float(row.score),
                  row.grade, row.rank)  # fmt: skip


def findings_by_kind(period: Period) -> list[tuple[str, str, int]]:
    """(department, kind of fault, count) of the findings decided in the period: what is
    published of 过错责任追究 (never who)."""
    rows = (
        Finding.objects.filter(decided_on__gte=period.start, decided_on__lt=period.end)
        .order_by().values("department__title", "fault_kind__name").annotate(n=Count("id"))
        .order_by("department__title", "-n", "fault_kind__name")
    )  # fmt: skip
    return [(r["department__title"], r["fault_kind__name"], r["n"]) for r in rows]


def totals(results: list[Result]) -> dict:
    """The district's sums of the departments' figures."""
    keys = ("finished", "on_time", "with_due", "late", "open_overdue", "submitted", "online",
            "red", "yellow", "reminders", "findings", "orders_due", "orders_on_time",
            "ratings", "satisfied")  # fmt: skip
    return {key: sum(r.figures.get(key, 0) or 0 for r in results) for key in keys}
