"""The background side of an import (django-tasks, backend "background": the database-backed
worker that `make run` starts). Each task runs a service of import_data.services, which records
the job's progress and outcome on its ImportJob row; the services start these tasks, so this
module imports services as a module (either may be imported first)."""

from django_tasks import task

from . import services


@task(backend="background")
def import_job_preview(job_id: str):
    services.import_job_preview_run(job_id=job_id)


@task(backend="background")
def import_job_apply(job_id: str):
    services.import_job_apply_run(job_id=job_id)
