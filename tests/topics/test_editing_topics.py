"""Who writes the life-event topics in the admin, and what the form refuses: an item that is not
a power, or a power twice."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from catalogue.models import DepartmentPage, PowerCatalogue
from tests.factories import (
    content_admin_user,
    department_editor,
    legal_office_user,
    make_topic,
    publish_power,
    road_transport_licence,
    site_admin_user,
    topic_admin_form,
)
from topics.models import TopicIndexPage, TopicPage
from topics.rules import NOT_A_POWER
from topics.services import TopicData, TopicError, TopicItemData, topic_upsert

pytestmark = pytest.mark.django_db


def add_url():
    return reverse(
        "wagtailadmin_pages:add", args=["topics", "topicpage", TopicIndexPage.objects.get().pk]
    )


def test_a_content_administrator_writes_and_publishes_a_topic_in_the_admin(client, power):
    client.force_login(content_admin_user())
    assert client.get(add_url()).status_code == 200
    other = publish_power(road_transport_licence(code="CONFIRM-1", title="从业资格注册", tags=[]))
    response = client.post(
        add_url(),
        topic_admin_form(
            (power.pk, "达到退休年龄时"), (other.pk, ""), **{"action-publish": "publish"}
        ),
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    topic = TopicPage.objects.get(slug="retirement")
    assert topic.live
    assert [(item.power_id, item.note) for item in topic.items.all()] == [
        (power.pk, "达到退休年龄时"),
        (other.pk, ""),
    ]
    assert topic.keyword_list == ["退休", "办退休", "领养老金"]  # separators made one: 、
    assert topic.keywords == "退休、办退休、领养老金"


def test_site_administrators_edit_topics_and_department_editors_and_the_legal_office_do_not(power):
    topic = make_topic((power.code, ""))
    index = TopicIndexPage.objects.get()
    for user in (site_admin_user(), content_admin_user()):
        assert index.permissions_for_user(user).can_add_subpage(), user
        assert topic.permissions_for_user(user).can_edit(), user
        assert topic.permissions_for_user(user).can_publish(), user
    for user in (department_editor(), legal_office_user()):
        assert not index.permissions_for_user(user).can_add_subpage(), user
        assert not topic.permissions_for_user(user).can_edit(), user


def test_a_department_editor_cannot_open_the_topic_form_nor_write_through_the_service(client):
    client.force_login(department_editor())
    response = client.get(add_url())
    assert response.status_code in (302, 403)
    with pytest.raises(PermissionDenied):
        topic_upsert(
            data=TopicData(title="退休一件事", slug="retirement", audience="职工", summary="…"),
            user=department_editor("APPROVAL"),
        )


def test_an_editor_cannot_add_a_page_that_is_not_a_power(client, power):
    client.force_login(content_admin_user())
    department = DepartmentPage.objects.get(code="TRANSPORT")
    for not_a_power in (department, PowerCatalogue.objects.get()):
        response = client.post(
            add_url(), topic_admin_form((power.pk, ""), (not_a_power.pk, "这不是事项"))
        )
        assert response.status_code == 200
        assert NOT_A_POWER in response.content.decode()
    assert not TopicPage.objects.exists()


def test_an_editor_cannot_add_the_same_power_twice_and_is_told_which(client, power):
    client.force_login(content_admin_user())
    other = publish_power(road_transport_licence(code="CONFIRM-1", title="从业资格注册", tags=[]))
    response = client.post(
        add_url(), topic_admin_form((power.pk, ""), (other.pk, ""), (power.pk, "又一次"))
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "“道路货物运输经营许可”已是本主题的第 1 项" in page
    assert not TopicPage.objects.exists()

    # the same rule on the service's path
    with pytest.raises(TopicError, match="已是本主题的第 1 项"):
        topic_upsert(
            data=TopicData(
                title="退休一件事",
                slug="retirement",
                audience="职工",
                summary="…",
                items=[TopicItemData(code=power.code), TopicItemData(code=power.code)],
            )
        )
