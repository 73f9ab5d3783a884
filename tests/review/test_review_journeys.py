"""Journeys through the legal office's review, with real users of every role."""

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import PageLogEntry, TaskState

from catalogue.models import DepartmentPage, PowerPage
from review.models import PowerPublication
from review.services import ReviewError, power_submit, review_approve, review_reject
from tests.factories import (
    department_editor,
    legal_office_user,
    make_user,
    power_admin_form,
    publish_power,
    road_transport_licence,
    site_admin_user,
    submit_change,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return legal_office_user("fzb")


def power_form(**overrides):
    return power_admin_form(**overrides)


def add_url(code="TRANSPORT"):
    department = DepartmentPage.objects.get(code=code)
    return reverse("wagtailadmin_pages:add", args=["catalogue", "powerpage", department.pk])


def workflow_action(client, power, action, comment=""):
    task_state = PowerPage.objects.get(pk=power.pk).current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[power.pk, action, task_state.pk])
    return client.post(url, {"comment": comment})


def test_an_editor_creates_and_submits_a_power_but_cannot_publish_it(client, reviewer):
    editor = department_editor()
    client.force_login(editor)
    response = client.post(add_url(), power_form(**{"action-publish": "action-publish"}))
    assert response.status_code == 302
    power = PowerPage.objects.get(code="NEW-CODE-1")
    assert not power.live  # "publish" from an editor saves a draft at most

    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[power.pk]),
        power_form(**{"action-submit": "action-submit", "slug": power.slug}),
    )
    assert response.status_code == 302
    power.refresh_from_db()
    assert power.workflow_in_progress and not power.live
    # the legal office is told by email
    assert any(reviewer.email in message.to for message in mail.outbox)


def test_an_editor_cannot_touch_another_department_or_the_department_page_only_its_powers(
    client,
):
    other = publish_power(road_transport_licence(code="OTHER-1", department_code="APPROVAL"))
    own = publish_power(road_transport_licence(code="OWN-1"))
    client.force_login(department_editor())
    assert client.get(reverse("wagtailadmin_pages:edit", args=[other.pk])).status_code in (
        302,
        403,
    )
    assert client.get(reverse("wagtailadmin_pages:edit", args=[own.pk])).status_code == 200
    assert client.post(add_url("APPROVAL"), power_form(code="SNEAKY-1")).status_code in (302, 403)
    assert not PowerPage.objects.filter(code="SNEAKY-1").exists()
    assert client.post(add_url("TRANSPORT"), power_form(code="OWN-2")).status_code == 302
    assert PowerPage.objects.get(code="OWN-2").get_parent().specific.code == "TRANSPORT"
    own_department = DepartmentPage.objects.get(code="TRANSPORT")
    edit_department = reverse("wagtailadmin_pages:edit", args=[own_department.pk])
    assert client.get(edit_department).status_code in (302, 403)
    assert not own_department.permissions_for_user(department_editor("TRANSPORT", "e2")).can_edit()
    # the department page is the site administrators' to edit
    client.force_login(site_admin_user("siteadmin"))
    assert client.get(edit_department).status_code == 200


def test_the_legal_office_rejects_with_a_comment_then_approves(client, reviewer):
    editor = department_editor()
    power = publish_power()
    submit_change(power, editor, promised_time_limit=3, change_note="压缩承诺办结时限")

    client.force_login(reviewer)
    mail.outbox.clear()
    workflow_action(client, power, "reject", comment="请补充压缩时限的依据")
    power.refresh_from_db()
    assert (
        power.promised_time_limit == 5
        and not TaskState.objects.filter(status="in_progress").exists()
    )
    rejection = [m for m in mail.outbox if editor.email in m.to]
    assert rejection and "请补充压缩时限的依据" in rejection[0].body

    # the editor explains and submits again; the legal office approves
    submit_change(power, editor, change_note="依据《优化营商环境条例》压缩承诺办结时限")
    workflow_action(client, power, "approve", comment="同意")
    power.refresh_from_db()
    assert power.live and power.promised_time_limit == 3
    record = PowerPublication.objects.filter(power=power).first()
    assert record.changed_fields == ["承诺办结时限"]
    assert record.note == "依据《优化营商环境条例》压缩承诺办结时限"
    approvals = PageLogEntry.objects.filter(page=power, action="wagtail.workflow.approve")
    assert approvals.get().user == reviewer


def test_approving_twice_or_submitting_twice_is_refused_with_a_message(client, reviewer):
    editor = department_editor()
    power = publish_power()
    submit_change(power, editor, result_name="道路运输经营许可证（电子证照）")
    with pytest.raises(ReviewError, match="已在法制办审核中"):
        power_submit(power=power, user=editor)

    task_state = PowerPage.objects.get(pk=power.pk).current_workflow_task_state
    review_approve(power=power, user=reviewer)
    with pytest.raises(ReviewError, match="没有待审核的提交"):
        review_approve(power=power, user=reviewer)
    # the same through the admin: a message, not an error page
    client.force_login(reviewer)
    url = reverse("wagtailadmin_pages:workflow_action", args=[power.pk, "approve", task_state.pk])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert TaskState.objects.filter(pk=task_state.pk, status="approved").exists()


def test_only_the_legal_office_may_decide(reviewer):
    editor = department_editor()
    power = publish_power()
    submit_change(power, editor, result_name="新证照")
    with pytest.raises(ReviewError, match="只有法制办审核人员"):
        review_approve(power=power, user=editor)
    with pytest.raises(ReviewError, match="请填写审核意见"):
        review_reject(power=power, user=reviewer, comment=" ")
    assert PowerPage.objects.get(pk=power.pk).result_name == "道路运输经营许可证"
    # the legal office decides
    review_approve(power=power, user=reviewer)
    assert PowerPage.objects.get(pk=power.pk).result_name == "新证照"


def test_a_site_administrator_cannot_publish_a_power_around_the_legal_office_a_superuser_can(
    client,
):
    publish = {"action-publish": "action-publish"}
    client.force_login(site_admin_user("siteadmin"))
    client.post(add_url(), power_form(code="ADMIN-1", **publish))
    assert not PowerPage.objects.get(code="ADMIN-1").live
    # the same form from the holder of the right to publish directly goes live
    client.force_login(make_user("root", superuser=True))
    client.post(add_url(), power_form(code="ADMIN-2", slug="admin-2", **publish))
    assert PowerPage.objects.get(code="ADMIN-2").live


def test_creating_a_department_creates_its_editors_group(client):
    from tests.factories import make_department

    department = make_department(code="NEW-DEPT", short_name="区新设局", title="广安市广安区新设局")
    group = department.editors.group
    assert group.name == "部门编辑：区新设局"
    editor = make_user("newbie")
    editor.groups.add(group)
    assert PowerPage.can_create_at(department)
    assert department.permissions_for_user(editor).can_add_subpage()
    assert not department.permissions_for_user(editor).can_publish_subpage()


def test_a_change_submitted_without_saying_why_comes_back_with_an_error(client):
    power = publish_power()
    client.force_login(department_editor())
    url = reverse("wagtailadmin_pages:edit", args=[power.pk])
    form = power_form(code=power.code, slug=power.slug, title=power.title, promised_time_limit="3")
    response = client.post(url, {**form, "action-submit": "action-submit"})
    assert response.status_code == 200
    assert "请说明本次调整了什么" in response.context["form"].errors["change_note"][0]
    assert not PowerPage.objects.get(pk=power.pk).workflow_in_progress
    # saving a draft needs no note; submitting with one goes to the legal office
    assert client.post(url, form).status_code == 302
    form = power_form(code=power.code, slug=power.slug, title=power.title,
                      promised_time_limit="3", change_note="压缩承诺时限")  # fmt: skip
    assert client.post(url, {**form, "action-submit": "action-submit"}).status_code == 302
    assert PowerPage.objects.get(pk=power.pk).workflow_in_progress


def test_the_legal_office_may_open_powers_but_not_manage_departments(reviewer):
    power = publish_power()
    department = DepartmentPage.objects.get(code="TRANSPORT")
    assert power.permissions_for_user(reviewer).can_edit()
    assert not department.permissions_for_user(reviewer).can_edit()
    assert not department.permissions_for_user(reviewer).can_delete()
    admin = site_admin_user("siteadmin")
    assert department.permissions_for_user(admin).can_edit()
    assert not power.permissions_for_user(admin).can_publish()
    # the legal office publishes by approving in the workflow (four eyes), not directly; taking
    # a public power down is theirs
    assert not power.permissions_for_user(reviewer).can_publish()
    assert power.permissions_for_user(reviewer).can_unpublish()


def test_resubmitting_a_page_already_in_review_is_refused_in_chinese_after_a_decision_not(
    client, reviewer
):
    power = publish_power()
    editor = department_editor()
    submit_change(power, editor, promised_time_limit=3, change_note="压缩承诺时限")
    client.force_login(editor)
    form = power_form(code=power.code, slug=power.slug, title=power.title,
                      promised_time_limit="4", change_note="再次修改")  # fmt: skip
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[power.pk]),
        {**form, "action-submit": "action-submit"},
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("已提交法制办审核" in m for m in messages)
    assert (
        PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object().promised_time_limit == 3
    )
    # sent back by the legal office, the same submission goes to review again
    review_reject(power=power, user=reviewer, comment="请核实时限")
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[power.pk]),
        {**form, "action-submit": "action-submit"},
    )
    assert response.status_code == 302
    power = PowerPage.objects.get(pk=power.pk)
    assert power.workflow_in_progress
    assert power.get_latest_revision_as_object().promised_time_limit == 4


def test_a_rejection_without_a_comment_is_not_taken_one_with_a_comment_is(client, reviewer):
    editor = department_editor()
    power = publish_power()
    submit_change(power, editor, result_name="新证照")
    client.force_login(reviewer)
    response = workflow_action(client, power, "reject", comment="")
    assert response.status_code in (200, 302)
    assert PowerPage.objects.get(pk=power.pk).current_workflow_task_state.status == "in_progress"
    task_state = PowerPage.objects.get(pk=power.pk).current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[power.pk, "reject", task_state.pk])
    modal = client.post(url, {"comment": ""}, headers={"x-requested-with": "XMLHttpRequest"})
    assert "退回修改时请填写审核意见" in modal.json()["html"]
    workflow_action(client, power, "reject", comment="请补充证照样式")
    assert TaskState.objects.get(pk=task_state.pk).status == "rejected"


def test_the_editor_hears_of_an_approval_with_the_reviewers_comment(reviewer):
    editor = department_editor()
    power = publish_power()
    submit_change(power, editor, result_name="新证照", change_note="更新结果名称")
    mail.outbox.clear()
    review_approve(power=power, user=reviewer, comment="同意，请同步更新窗口告知单")
    message = next(m for m in mail.outbox if editor.email in m.to)
    assert "审核通过并发布" in message.body
    assert "同意，请同步更新窗口告知单" in message.body
