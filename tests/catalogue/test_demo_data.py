"""`make run` loads real demo data, and loading it again keeps what is there."""

import json

import pytest
from django.core.management import CommandError, call_command
from wagtail.models import Revision

from catalogue.choices import PowerType
from catalogue.models import DepartmentPage, PowerPage
from catalogue.selectors import power_citations
from demo.catalogue import FIXTURES, demo_catalogue_load

pytestmark = pytest.mark.django_db


def test_the_demo_catalogue_is_real_and_loading_it_twice_changes_nothing():
    first = demo_catalogue_load(items_limit=40)
    assert DepartmentPage.objects.filter(code__in=_department_codes()).count() == 34
    assert "政务服务事项：新增 40，更新 0，未变 0" in first.lines
    demo = json.loads((FIXTURES / "demo_powers.json").read_text(encoding="utf-8"))
    assert len(demo) >= 20
    assert len({entry["power_type"] for entry in demo}) >= 6

    revisions = Revision.objects.count()
    second = demo_catalogue_load(items_limit=40)
    assert "政务服务事项：新增 0，更新 0，未变 40" in second.lines
    assert f"完整示例事项：新增 0，更新 0，未变 {len(demo)}" in second.lines
    assert Revision.objects.count() == revisions


def test_every_demo_citation_of_a_library_law_shows_its_article_text():
    demo_catalogue_load(items_limit=0)
    codes = [entry["code"] for entry in json.loads((FIXTURES / "demo_powers.json").read_text())]
    powers = PowerPage.objects.live().filter(code__in=codes)
    assert powers.count() == len(codes)
    penalty = powers.filter(power_type=PowerType.PENALTY).first()
    assert len(penalty.discretion) >= 3
    for power in powers:
        assert power.flowchart_id, power.code
        assert len(power.steps) >= 3, power.code
        for citation in power_citations(power):
            if citation.law is not None:
                assert citation.cited_articles, (power.code, citation.title, citation.articles)


def test_the_demo_admin_is_never_created_outside_development_only_in_it(
    settings, monkeypatch, tmp_path, capsys
):
    from django.contrib.auth import get_user_model

    from demo.management.commands import ensure_demo_admin

    monkeypatch.setattr(ensure_demo_admin, "CREDENTIALS_FILE", tmp_path / ".demo-credentials")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="开发环境"):
        call_command("ensure_demo_admin")
    assert not get_user_model().objects.filter(username="admin").exists()

    settings.DEBUG = True
    call_command("ensure_demo_admin")
    assert get_user_model().objects.get(username="admin").is_superuser
    assert "超级管理员：用户名 admin" in capsys.readouterr().out


def _department_codes():
    return [d["code"] for d in json.loads((FIXTURES / "departments.json").read_text())]
