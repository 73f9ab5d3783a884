"""An import job as the admin's 批量导入 keeps it: the upload is checked, waits for the content
administrator's confirmation, and always ends with a status a person can read, whatever goes
wrong in the background."""

import pytest

from access import roles
from import_data import services
from import_data.models import ImportJob
from tests.factories import make_user
from tests.import_data.test_admin_import import upload
from tests.import_data.test_import import row

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer():
    return make_user("content", groups=[roles.CONTENT_ADMINS])


def test_a_job_is_confirmed_only_once_it_has_been_checked(importer):
    job = services.import_job_create(
        user=importer,
        kind=ImportJob.Kind.POWERS,
        file=upload([row("JOB-1", "道路旅客运输经营许可")]),
    )
    assert job.status == ImportJob.Status.CHECKING  # the worker has not checked it yet
    assert services.import_job_confirm(job=job) is False
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKING

    services.import_job_preview_run(job_id=str(job.pk))  # what the worker runs
    job.refresh_from_db()
    assert job.status == ImportJob.Status.READY, job.preview
    assert job.preview["counts"]["created"] == 1
    assert services.import_job_confirm(job=job) is True
    assert services.import_job_confirm(job=job) is False  # a second click changes nothing
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLYING


def test_a_crash_while_checking_ends_the_job_with_a_message_for_the_administrator(
    importer, monkeypatch
):
    job = services.import_job_create(
        user=importer,
        kind=ImportJob.Kind.POWERS,
        file=upload([row("JOB-2", "道路旅客运输经营许可")]),
    )

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "import_preview", crash)
    services.import_job_preview_run(job_id=str(job.pk))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED  # not left "checking" for ever
    assert job.message == "导入时发生内部错误，没有写入任何内容；请联系系统管理员查看日志。"
