"""The edges of each role, found in review: nobody publishes around the legal office."""

import datetime
import shutil

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from access import roles
from catalogue.models import DepartmentPage, PowerCatalogue, PowerPage
from home.models import HomePage
from laws.models import Law
from review.models import AdjustmentRequirement
from review.services import ReviewError, law_supersede, power_submit, review_approve
from tests.factories import (
    LAWS,
    content_admin_user,
    department_editor,
    legal_office_user,
    make_department,
    make_user,
    publish_power,
    save_change,
    site_admin_user,
)

pytestmark = pytest.mark.django_db


def test_a_site_administrator_cannot_delete_the_hall_with_everything_in_it(client):
    power = publish_power()
    client.force_login(site_admin_user("siteadmin"))
    home = HomePage.objects.get()
    client.post(reverse("wagtailadmin_pages:delete", args=[home.pk]), follow=True)
    assert HomePage.objects.filter(pk=home.pk).exists()
    assert PowerPage.objects.filter(pk=power.pk, live=True).exists()
    # the same view deletes what they may: a department that holds nothing
    empty = make_department(code="EMPTY", short_name="区空局", title="广安市广安区空局")
    client.post(reverse("wagtailadmin_pages:delete", args=[empty.pk]), follow=True)
    assert not DepartmentPage.objects.filter(pk=empty.pk).exists()


def test_a_site_administrator_cannot_create_a_superuser_or_a_reviewer_but_an_editor(client):
    client.force_login(site_admin_user("siteadmin"))
    from django.contrib.auth.models import Group

    legal_office = Group.objects.get(name=roles.LEGAL_OFFICE)
    editors = DepartmentPage.objects.get(code="TRANSPORT").editors.group

    def add_user(username, **extra):
        client.post(
            reverse("wagtailusers_users:add"),
            {"username": username, "email": f"{username}@example.com", "first_name": "e",
             "last_name": "v", "password1": "Xk9!longpassword", "password2": "Xk9!longpassword",
             **extra},
        )  # fmt: skip

    for extra in ({"is_superuser": "on"}, {"groups": [legal_office.pk]}):
        add_user("evil", **extra)
    assert not get_user_model().objects.filter(username="evil").exists()

    add_user("jtj-editor", groups=[editors.pk])
    editor = get_user_model().objects.get(username="jtj-editor")
    assert not editor.is_superuser and list(editor.groups.all()) == [editors]


def test_powers_and_departments_cannot_be_copied_into_duplicate_codes_but_are_edited(client):
    power = publish_power()
    editor = department_editor()
    assert not power.permissions_for_user(editor).can_copy()
    assert power.permissions_for_user(editor).can_edit()
    department = DepartmentPage.objects.get(code="TRANSPORT")
    admin = site_admin_user("siteadmin")
    assert not department.permissions_for_user(admin).can_copy()
    assert department.permissions_for_user(admin).can_edit()


def test_an_editor_can_withdraw_a_submission(client):
    power = publish_power()
    editor = department_editor()
    draft = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
    draft.result_name = "新证照"
    draft.save_revision(user=editor)
    power_submit(power=power, user=editor)
    from tests.review.test_review_journeys import power_form

    client.force_login(editor)
    form = power_form(code=power.code, slug=power.slug, title=power.title, result_name="新证照")
    client.post(
        reverse("wagtailadmin_pages:edit", args=[power.pk]),
        {**form, "action-cancel-workflow": "true"},
    )
    assert not PowerPage.objects.get(pk=power.pk).workflow_in_progress


def test_an_editor_cannot_submit_another_departments_power_its_own_editor_can():
    other = publish_power()
    with pytest.raises(ReviewError, match="没有修改该事项的权限"):
        power_submit(power=other, user=department_editor("APPROVAL"))
    assert not PowerPage.objects.get(pk=other.pk).workflow_in_progress
    own = department_editor("TRANSPORT")
    save_change(other, own, result_name="新证照")
    power_submit(power=other, user=own)
    assert PowerPage.objects.get(pk=other.pk).workflow_in_progress


def test_saving_an_amended_law_again_does_not_reopen_a_done_adjustment():
    power = publish_power()
    law = Law.objects.find_by_title("道路运输条例").first()
    law_supersede(law=law, changed_on=datetime.date(2026, 9, 21))
    assert AdjustmentRequirement.objects.open().count() == 1  # opened the first time
    editor = department_editor()
    draft = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
    draft.change_note = "已按新版条例调整"
    draft.save_revision(user=editor)
    power_submit(power=power, user=editor)
    review_approve(power=power, user=legal_office_user("fzb"))
    from review.services import adjustments_open_for_law

    assert adjustments_open_for_law(law=Law.objects.get(pk=law.pk)) == []
    assert AdjustmentRequirement.objects.open().count() == 0


def test_loading_a_new_version_of_a_law_opens_adjustments(tmp_path):
    from django.core.management import call_command

    power = publish_power()  # cites 道路运输条例 (2023)
    shutil.copytree(LAWS, tmp_path / "laws")
    newest = tmp_path / "laws" / "行政法规" / "道路运输条例(2023-07-20).md"
    (tmp_path / "laws" / "行政法规" / "道路运输条例(2026-09-21).md").write_text(
        newest.read_text(encoding="utf-8"), encoding="utf-8"
    )
    call_command("load_laws", str(tmp_path / "laws"))
    requirement = AdjustmentRequirement.objects.get(power=power)
    assert requirement.changed_on == datetime.date(2026, 9, 21)


def test_a_deleted_departments_editors_do_not_inherit_a_new_one(client):
    department = make_department(code="GONE", short_name="区旧局", title="广安市广安区旧局")
    old_editor = make_user("old")
    old_editor.groups.add(department.editors.group)
    client.force_login(make_user("root", superuser=True))
    client.post(reverse("wagtailadmin_pages:delete", args=[department.pk]))
    assert not DepartmentPage.objects.filter(code="GONE").exists()
    new = make_department(code="NEW", short_name="区旧局", title="广安市广安区旧局（新设）")
    # editors add powers to their department (the department page itself is the hall's)
    old_editor = get_user_model().objects.get(pk=old_editor.pk)
    assert not new.permissions_for_user(old_editor).can_add_subpage()
    new_editor = make_user("new")
    new_editor.groups.add(new.editors.group)
    assert new.permissions_for_user(new_editor).can_add_subpage()


def test_content_administrators_cannot_create_departments_only_powers_in_them():
    content_admin = content_admin_user("importer")
    catalogue = PowerCatalogue.objects.get()
    assert not catalogue.permissions_for_user(content_admin).can_add_subpage()
    for department in DepartmentPage.objects.all():
        assert department.permissions_for_user(content_admin).can_add_subpage()


def test_the_admin_explorer_costs_the_same_queries_however_many_powers(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import road_transport_licence

    editor = department_editor()
    client.force_login(editor)
    department = DepartmentPage.objects.get(code="TRANSPORT")
    url = reverse("wagtailadmin_explore", args=[department.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    publish_power(road_transport_licence(code="E-0", citations=[], tags=[]))
    queries()
    few = queries()
    for n in range(1, 9):
        publish_power(road_transport_licence(code=f"E-{n}", citations=[], tags=[]))
    assert queries() <= few + 2
