"""The rules about pages hold whichever way a change comes in: the admin's page views, its bulk
actions, Wagtail's pages API and code calling Wagtail's actions. Each refusal is shown beside
the permitted case, so a rule that held only because a form broke would fail here."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.actions.delete_page import DeletePageAction
from wagtail.models import Page

from catalogue.models import DepartmentPage, PowerCatalogue, PowerPage
from catalogue.services import CatalogueError, power_upsert
from review.services import power_submit, review_approve
from tests.factories import (
    bearer,
    department_editor,
    legal_office_user,
    make_department,
    make_user,
    publish_power,
    road_transport_licence,
    site_admin_user,
)

pytestmark = pytest.mark.django_db


def admin_delete(client, user, page):
    client.force_login(user)
    return client.post(reverse("wagtailadmin_pages:delete", args=[page.pk]))


def bulk_delete(client, user, page):
    client.force_login(user)
    url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "delete"))
    return client.post(f"{url}?id={page.pk}")


def api_delete(client, user, page):
    return client.delete(f"/api/v3/pages/{page.pk}/", headers=bearer(user))


def code_delete(client, user, page):
    try:
        DeletePageAction(Page.objects.get(pk=page.pk), user=user).execute()
    except PermissionDenied:
        return "refused"
    return "deleted"


PATHS = {"admin": admin_delete, "bulk action": bulk_delete, "API": api_delete, "code": code_delete}


@pytest.mark.parametrize("path", PATHS)
def test_a_department_with_powers_is_not_deleted_an_empty_one_is_with_its_group(client, path):
    delete = PATHS[path]
    site_admin = site_admin_user("site-admin")
    publish_power()  # the transport bureau holds a power
    transport = DepartmentPage.objects.get(code="TRANSPORT")
    assert not transport.permissions_for_user(site_admin).can_delete()
    delete(client, site_admin, transport)
    assert DepartmentPage.objects.filter(code="TRANSPORT").exists()
    assert PowerPage.objects.filter(code=road_transport_licence().code).exists()

    empty = make_department(code="EMPTY", short_name="区空局", title="广安市广安区空局")
    group_id = empty.editors.group_id
    member = make_user("member-of-empty")
    member.groups.add(empty.editors.group)
    assert empty.permissions_for_user(site_admin).can_delete()
    delete(client, site_admin, empty)
    assert not DepartmentPage.objects.filter(code="EMPTY").exists()
    # its editors' group went with it, whichever path deleted it
    assert not Group.objects.filter(pk=group_id).exists()
    assert not member.groups.exists()


@pytest.mark.parametrize("path", ["admin", "API", "code"])
def test_the_hall_and_the_catalogue_are_never_deleted_while_they_hold_pages(client, path):
    root = make_user("root", superuser=True)
    catalogue = PowerCatalogue.objects.get()
    hall = catalogue.get_parent()
    for page in (hall, catalogue):
        assert not page.specific.permissions_for_user(root).can_delete()
        PATHS[path](client, root, page)
        assert Page.objects.filter(pk=page.pk).exists()
    # A page that holds nothing may go: a department without powers, even for a superuser.
    empty = make_department(code="EMPTY2", short_name="区空二局", title="广安市广安区空二局")
    PATHS[path](client, root, empty)
    assert not Page.objects.filter(pk=empty.pk).exists()


def test_powers_and_departments_are_never_copied_other_pages_rules_still_apply(client):
    root = make_user("root", superuser=True)
    power = publish_power()
    department = DepartmentPage.objects.get(code="TRANSPORT")
    client.force_login(root)
    for page in (power, department, PowerCatalogue.objects.get()):
        assert not page.permissions_for_user(root).can_copy()
        response = client.post(reverse("wagtailadmin_pages:copy", args=[page.pk]),
                               {"new_title": "副本", "new_slug": "copy", "new_parent_page":
                                page.get_parent().pk})  # fmt: skip
        assert response.status_code in (302, 403)
    assert (
        PowerPage.objects.count() == 1 and not DepartmentPage.objects.filter(title="副本").exists()
    )
    # The API does not mount copy at all.
    assert client.post(f"/api/v3/pages/{power.pk}/actions/copy/", {},
                       content_type="application/json",
                       headers=bearer(root)).status_code == 404  # fmt: skip
    # Editing, which the same tester allows, still works for the superuser.
    assert power.permissions_for_user(root).can_edit()


def test_an_editor_publishes_through_no_path_the_legal_office_does(client):
    editor = department_editor("TRANSPORT")
    reviewer = legal_office_user("fzb")
    result = power_upsert(data=road_transport_licence(code="DRAFT-1"), user=editor)
    draft = PowerPage.objects.get(pk=result.page.pk)
    assert not draft.live

    # the admin's publish button: the editor's form offers submitting only; so does the legal
    # office's (four eyes: they publish by approving someone else's submission); a holder of
    # the right to publish directly gets the button on the same form
    client.force_login(editor)
    edit = reverse("wagtailadmin_pages:edit", args=[draft.pk])
    form = client.get(edit)
    assert form.status_code == 200 and 'name="action-submit"' in form.content.decode()
    assert 'name="action-publish"' not in form.content.decode()
    client.force_login(reviewer)
    assert 'name="action-publish"' not in client.get(edit).content.decode()
    client.force_login(make_user("root", superuser=True))
    assert 'name="action-publish"' in client.get(edit).content.decode()
    # the API's publish action
    assert client.post(f"/api/v3/pages/{draft.pk}/actions/publish/", {},
                       content_type="application/json",
                       headers=bearer(editor)).status_code == 403  # fmt: skip
    # the service with publish=True
    with pytest.raises(CatalogueError, match="直接发布"):
        power_upsert(data=road_transport_licence(code="DRAFT-1", title="改名"), user=editor,
                     publish=True)  # fmt: skip
    assert not PowerPage.objects.get(pk=draft.pk).live

    # The legal office does, by approving the editor's submission.
    power_submit(power=draft, user=editor)
    review_approve(power=PowerPage.objects.get(pk=draft.pk), user=reviewer)
    assert PowerPage.objects.get(pk=draft.pk).live


def test_a_public_power_is_moved_only_by_someone_who_may_publish(client):
    other = DepartmentPage.objects.get(code="APPROVAL")
    power = publish_power()
    editor = department_editor("TRANSPORT")
    assert not power.permissions_for_user(editor).can_move()
    moved = road_transport_licence(department_code="APPROVAL")
    with pytest.raises(CatalogueError, match="变更实施主体"):
        power_upsert(data=moved, user=editor)
    client.force_login(editor)
    response = client.post(reverse("wagtailadmin_pages:move_confirm", args=[power.pk, other.pk]))
    assert response.status_code in (302, 403)
    assert PowerPage.objects.get(pk=power.pk).get_parent().pk != other.pk

    # Someone who may publish moves it through the same admin view, and back through the service.
    root = make_user("root", superuser=True)
    client.force_login(root)
    client.post(reverse("wagtailadmin_pages:move_confirm", args=[power.pk, other.pk]))
    assert PowerPage.objects.get(pk=power.pk).get_parent().pk == other.pk
    power_upsert(data=road_transport_licence(), user=root, publish=True)
    assert PowerPage.objects.get(pk=power.pk).get_parent().specific.code == "TRANSPORT"
