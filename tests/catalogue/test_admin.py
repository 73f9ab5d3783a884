"""Editors in the Wagtail admin: Chinese interface, tabs, and field errors in Chinese."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import streamfield

from catalogue.models import DepartmentPage, PowerPage
from tests.factories import make_user, power_admin_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("siteadmin", superuser=True))
    return client


def power_form(**overrides):
    step = {"name": "受理", "post": "窗口", "description": "", "time_limit": "1", "supervision": ""}
    return power_admin_form(**{"steps": streamfield([("step", step)]), **overrides})


def add_url():
    department = DepartmentPage.objects.get(code="TRANSPORT")
    return reverse("wagtailadmin_pages:add", args=["catalogue", "powerpage", department.pk])


def test_the_admin_speaks_chinese(admin_client):
    html = admin_client.get(reverse("wagtailadmin_home")).content.decode()
    assert "首页" in html and "Dashboard" not in html


def test_a_department_editors_home_names_the_platform_not_its_host(client):
    """Wagtail names the site an editor works in by its name, or else by its host: the site
    made by Wagtail's first migration (localhost) is named by the platform's setup."""
    from tests.factories import department_editor

    client.force_login(department_editor())
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "行政权力网上公开透明运行平台" in html and "localhost" not in html
    assert "行政权力公开平台" in html  # our name, not Wagtail's, in the title
    assert 'lang="zh-hans"' in html.lower()


def test_power_editing_is_organised_in_tabs(admin_client):
    html = admin_client.get(add_url()).content.decode()
    positions = [
        html.find(tab) for tab in ("基本信息", "行使依据", "办理流程", "流程图", "裁量基准")
    ]
    assert -1 not in positions and positions == sorted(positions)


def test_an_editor_can_create_a_power_as_a_draft(admin_client):
    response = admin_client.post(add_url(), power_form())
    assert response.status_code == 302
    page = PowerPage.objects.get(code="NEW-CODE-1")
    assert not page.live
    assert page.get_latest_revision_as_object().steps[0].value["name"] == "受理"


def test_a_duplicate_code_comes_back_with_a_chinese_field_error(admin_client, power):
    response = admin_client.post(add_url(), power_form(code=power.code))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "code" in errors
    assert "已存在" in errors["code"][0]
    assert PowerPage.objects.filter(code=power.code).count() == 1
    # the same form with a code of its own is saved
    assert admin_client.post(add_url(), power_form(code="NEW-CODE-2")).status_code == 302
    assert PowerPage.objects.filter(code="NEW-CODE-2").exists()


def test_a_missing_required_field_comes_back_with_a_chinese_error(admin_client):
    response = admin_client.post(add_url(), power_form(code="", title=""))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["code"] == ["必需字段"]
    assert "title" in errors
    assert not PowerPage.objects.filter(title="").exists()
    # filled in, the same form is saved
    assert admin_client.post(add_url(), power_form()).status_code == 302
    assert PowerPage.objects.filter(code="NEW-CODE-1").exists()


def test_the_code_of_a_power_cannot_be_changed_later_its_other_fields_can(admin_client, power):
    url = reverse("wagtailadmin_pages:edit", args=[power.pk])
    response = admin_client.post(url, power_form(code="CHANGED", title=power.title,
                                                 slug=power.slug))  # fmt: skip
    assert response.status_code == 200
    assert "不可修改" in response.context["form"].errors["code"][0]
    # the same edit keeping the code is saved as a draft
    kept = power_form(code=power.code, title=power.title, slug=power.slug, promised_time_limit="3")
    response = admin_client.post(url, kept)
    assert response.status_code == 302
    draft = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
    assert (draft.code, draft.promised_time_limit) == (power.code, 3)


def test_the_law_library_is_managed_as_snippets_with_articles(admin_client):
    from laws.models import Law

    law = Law.objects.get(title="中华人民共和国行政许可法")
    listing = admin_client.get(reverse("wagtailsnippets_laws_law:list"), {"level": "law"})
    assert listing.status_code == 200
    assert "中华人民共和国行政许可法" in listing.content.decode()
    edit = admin_client.get(reverse("wagtailsnippets_laws_law:edit", args=[law.pk]))
    assert "下列事项可以设定行政许可" in edit.content.decode()


def test_a_law_that_powers_cite_cannot_be_deleted_one_nobody_cites_can(admin_client, power):
    law = power.legal_bases.first().law
    url = reverse("wagtailsnippets_laws_law:delete", args=[law.pk])
    page = admin_client.get(url)
    assert "存在一处或多处引用，因此无法删除" in page.content.decode()
    response = admin_client.post(url, follow=True)
    assert response.status_code == 200
    assert type(law).objects.filter(pk=law.pk).exists()
    assert power.legal_bases.first().law == law

    uncited = type(law).objects.exclude(pk__in=power.legal_bases.values("law")).order_by("pk")[0]
    url = reverse("wagtailsnippets_laws_law:delete", args=[uncited.pk])
    assert admin_client.post(url).status_code == 302
    assert not type(law).objects.filter(pk=uncited.pk).exists()


def test_the_login_page_names_the_platform(client):
    html = client.get(reverse("wagtailadmin_login")).content.decode()
    assert "登录行政权力网上公开透明运行平台" in html
