"""The manual (使用手册) in the admin: every member of staff reads every page, their own roles'
tasks first; each page shows the screenshots it names, and they are all there, and only they.
The browser test (tests/browser/test_manual.py) takes those screenshots on the real screens."""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

import manual
from access.posts import posts_assign
from catalogue.models import DepartmentPage
from manual.selectors import roles_of, sections_for
from manual.tasks import ROLE_LABELS, ROLES, SCREENS_DIR, TASKS
from tests.factories import (
    content_admin_user,
    department_editor,
    legal_office_user,
    make_user,
    supervisor_user,
)

pytestmark = pytest.mark.django_db
SCREENS = Path(manual.__file__).parent / "static" / SCREENS_DIR
INDEX = reverse("manual:index")
# The file formats and the office suite as the admin's own screens name them (批量导入).
NAMES_AS_THE_ADMIN_WRITES_THEM = {"Excel", "WPS", "CSV", "XLSX"}


def section_labels(response):
    return [section.role.label for section in response.context["sections"]]


def test_the_manual_is_for_signed_in_staff_only(client):
    for url in (INDEX, reverse("manual:task", args=["review"])):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_editor_finds_their_own_tasks_first_and_may_read_every_other_page(client):
    client.force_login(department_editor())
    response = client.get(INDEX)
    assert response.status_code == 200
    assert section_labels(response)[0] == "部门编辑"
    assert [s.own for s in response.context["sections"]] == [True] + [False] * (
        len(response.context["sections"]) - 1
    )
    page = response.content.decode()
    assert page.index("新增一个事项并提交审核") < page.index("审核事项的新增和修改")
    for task in TASKS:  # the legal office's and the superuser's pages too
        assert client.get(reverse("manual:task", args=[task.slug])).status_code == 200


def test_each_role_sees_its_own_section_first(client):
    people = {
        "法制办审核": legal_office_user("fzb"),
        "内容管理员": content_admin_user("nrgl"),
        "纪检监察": supervisor_user("jjjc"),
        "超级管理员": make_user("admin", superuser=True),
    }
    for label, user in people.items():
        client.force_login(user)
        assert section_labels(client.get(INDEX))[0] == label, label


def test_an_editor_who_also_holds_a_post_sees_both_roles_first(client):
    editor = department_editor()
    posts_assign(editor, DepartmentPage.objects.get(code="TRANSPORT").pk, ["窗口受理岗"])
    assert [role.label for role in roles_of(editor)] == ["部门编辑", "承办人员"]
    client.force_login(editor)
    response = client.get(INDEX)
    assert section_labels(response)[:2] == ["部门编辑", "承办人员"]
    mine = "您的角色：<strong>部门编辑</strong>、<strong>承办人员</strong>"
    assert mine in response.content.decode()


def test_someone_without_a_role_reads_every_role_in_the_manuals_order(client):
    nobody = make_user("nobody")
    assert roles_of(nobody) == []
    sections = sections_for(nobody)
    assert [section.role for section in sections] == [
        role for role in ROLES if any(role.key in task.roles for task in TASKS)
    ]
    assert not any(section.own for section in sections)


def test_every_task_is_listed_once_on_the_index():
    for user in (make_user("nobody"), make_user("admin", superuser=True)):
        listed = [task.slug for section in sections_for(user) for task in section.tasks]
        assert sorted(listed) == sorted(task.slug for task in TASKS)


def test_an_unknown_page_of_the_manual_is_not_found(client):
    client.force_login(department_editor())
    assert client.get(reverse("manual:task", args=["no-such-task"])).status_code == 404


def test_a_task_page_shows_its_steps_and_its_screens(client):
    client.force_login(legal_office_user("fzb"))
    task = next(task for task in TASKS if task.slug == "review")
    page = client.get(reverse("manual:task", args=[task.slug])).content.decode()
    assert "适用角色：法制办审核" in page
    for step in task.steps:
        assert step.text in page
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sources == [f"/static/{SCREENS_DIR}/{name}.jpg" for name in task.screens]


def test_the_help_menu_and_the_dashboard_lead_to_the_manual_not_outside(client):
    client.force_login(department_editor())
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert home.count(f'"{INDEX}"') + home.count(f'href="{INDEX}"') >= 2  # menu and dashboard
    assert "wagtail.org" not in home


def test_every_screenshot_the_manual_shows_is_there_and_nothing_else():
    referenced = [name for task in TASKS for name in task.screens]
    assert len(referenced) == len(set(referenced)), "each screenshot shows one step"
    stored = sorted(path.stem for path in SCREENS.glob("*"))
    assert stored == sorted(referenced), "run `make manual` to take the screenshots again"
    for path in SCREENS.glob("*.jpg"):
        with Image.open(path) as image:
            assert (image.format, image.size) == ("JPEG", (1280, 800)), path.name
    total = sum(path.stat().st_size for path in SCREENS.glob("*"))
    assert total < 3 * 1024 * 1024, f"the screenshots weigh {total / 1e6:.1f} MB"


def test_the_manual_is_written_in_chinese_for_known_roles():
    assert len({task.slug for task in TASKS}) == len(TASKS)
    for task in TASKS:
        assert task.roles and set(task.roles) <= set(ROLE_LABELS), task.slug
        texts = [task.title, task.summary, *task.notes]
        texts += [text for step in task.steps for text in (step.text, step.alt)]
        for text in texts:
            words = set(re.findall(r"[A-Za-z]{2,}", text))
            assert words <= NAMES_AS_THE_ADMIN_WRITES_THEM, (task.slug, text)
        assert all(step.alt for step in task.steps if step.screen), task.slug
    assert all(any(role.key in task.roles for task in TASKS) for role in ROLES)
