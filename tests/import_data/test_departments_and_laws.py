"""A site administrator imports the department list: the preview writes nothing, applying
creates the departments, and a department listed without a short name is known by its title."""

import pytest

from catalogue.models import DepartmentPage
from import_data.departments_and_laws import departments_import
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_department_without_a_short_name_gets_its_title_as_far_as_the_field_holds(tmp_path):
    long_title = "广安市广安区" + "数据和政务服务管理" * 6 + "局"
    path = tmp_path / "部门.csv"
    path.write_text(
        f"部门编码,部门名称,简称\nDATA,{long_title},\nGOV,广安市广安区政务服务中心,区政务中心\n",
        encoding="utf-8",
    )
    admin = make_user("site-admin", superuser=True)

    preview = departments_import(path, user=admin, apply=False)
    assert preview.ok, preview.errors
    assert not DepartmentPage.objects.filter(code__in=["DATA", "GOV"]).exists()

    result = departments_import(path, user=admin, apply=True)
    assert result.ok and result.applied, result.errors
    short_name_max = DepartmentPage._meta.get_field("short_name").max_length
    assert len(long_title) > short_name_max
    assert DepartmentPage.objects.get(code="DATA").short_name == long_title[:short_name_max]
    assert DepartmentPage.objects.get(code="GOV").short_name == "区政务中心"
