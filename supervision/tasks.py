"""The sweep as a django-tasks task, for the worker `make run` starts (backend "background"):
enqueue it once a day from a scheduler (cron, a systemd timer), e.g.
`manage.py shell -c "from supervision.tasks import sweep_task; sweep_task.enqueue()"`, or run
`manage.py supervision_sweep` directly."""

from django_tasks import task

from .sweep import sweep


@task(backend="background")
def sweep_task() -> dict:
    report = sweep()
    return {"today": report.today.isoformat(), "raised": report.raised,
            "cleared": report.cleared, "seconds": round(report.seconds, 1)}  # fmt: skip
