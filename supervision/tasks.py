"""The sweep as a django-tasks task, for the worker `make run` starts (backend "background"):
enqueue it once a day from a scheduler (cron, a systemd timer), e.g.
`manage.py shell -c "from supervision.tasks import sweep_task; sweep_task.enqueue()"`, or run
`manage.py supervision_sweep` directly."""

from django.utils import timezone
from django_tasks import task

from .performance import Period, evaluation_for
from .sweep import sweep


@task(backend="background")
def sweep_task() -> dict:
    """The day's sweep, then the evaluations of the periods that have just ended (kept, so
    /performance/ and the API read them at once)."""
    report = sweep()
    today = timezone.localdate()
    for kind in ("month", "quarter", "year"):
        evaluation_for(Period.last_complete(kind, today), today=today)
    return {"today": report.today.isoformat(), "raised": report.raised,
            "cleared": report.cleared, "seconds": round(report.seconds, 1)}  # fmt: skip
