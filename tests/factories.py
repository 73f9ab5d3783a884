"""Building blocks for tests: the real site structure, laws and powers, made through services."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from access import roles
from catalogue.models import DepartmentPage, PowerPage
from catalogue.services import CitationData, PowerData, department_upsert, power_upsert
from home.services import site_structure_ensure
from laws.services import law_library_load
from review.setup import review_setup_ensure

FIXTURES = Path(settings.BASE_DIR) / "disclosure" / "fixtures"
LAWS = FIXTURES / "laws"


def load_base_data():
    """The site, the whole law library and two departments, as a fresh `make run` has them."""
    home, catalogue = site_structure_ensure()
    law_library_load(root=LAWS)
    make_department(code="TRANSPORT", short_name="区交通运输局", title="广安市广安区交通运输局")
    make_department(code="APPROVAL", short_name="区行政审批局", title="广安市广安区行政审批局")
    review_setup_ensure()
    return home, catalogue


def make_department(*, code, short_name, title, **values) -> DepartmentPage:
    page, _outcome = department_upsert(
        code=code,
        values={"title": title, "short_name": short_name, "complaint_phone": "12345", **values},
    )
    return page


def make_user(username="editor", *, superuser=False, groups=()):
    from django.contrib.auth.models import Group

    User = get_user_model()
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.com", "pass")
    user = User.objects.create_user(username, f"{username}@example.com", "pass")
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def legal_office_user(username="fzb"):
    """A reviewer of the legal office (法制办审核)."""
    return make_user(username, groups=[roles.LEGAL_OFFICE])


def supervisor_user(username="jjjc"):
    """A member of 纪检监察 (discipline inspection and supervision)."""
    return make_user(username, groups=[roles.SUPERVISORS])


def site_admin_user(username="site-admin"):
    """A site administrator (站点管理员)."""
    return make_user(username, groups=[roles.SITE_ADMINS])


def content_admin_user(username="content"):
    """A content administrator (内容管理员), who imports spreadsheets."""
    return make_user(username, groups=[roles.CONTENT_ADMINS])


def bearer(user, name="系统对接") -> dict:
    """The headers of an API call with a new Wagtail API token of `user`."""
    from wagtail.models import APIToken

    return {"Authorization": f"Bearer {APIToken.create_token(user=user, name=name)[1]}"}


def department_editor(department_code="TRANSPORT", username=None):
    """A member of the department's editors' group (部门编辑)."""
    department = DepartmentPage.objects.get(code=department_code)
    user = make_user(username or f"editor-{department_code.lower()}")
    user.groups.add(department.editors.group)
    return user


def road_transport_licence(**overrides) -> PowerData:
    """A real-looking 行政许可 of the transport bureau, citing the road transport regulation."""
    values = {
        "code": "511A0142000000-511602000000-000-TEST-1-00",
        "department_code": "TRANSPORT",
        "title": "道路货物运输经营许可",
        "power_type": "01",
        "handling_agency": "运输管理股",
        "acceptance_conditions": (
            "有与其经营业务相适应并经检测合格的车辆；\n有符合规定条件的驾驶人员。"
        ),
        "legal_time_limit": 20,
        "promised_time_limit": 5,
        "result_name": "道路运输经营许可证",
        "staff": [{"post": "窗口受理岗", "name": "", "phone": "12345"}],
        "materials": [
            {
                "name": "道路货物运输经营申请表",
                "form": "original",
                "copies": 1,
                "required": True,
                "note": "",
            },
        ],  # fmt: skip
        "steps": [
            {
                "name": "受理",
                "post": "窗口受理岗",
                "description": "核对材料",
                "time_limit": 1,
                "supervision": "一次性告知",
            },
            {
                "name": "审查",
                "post": "审核岗",
                "description": "审查条件",
                "time_limit": 3,
                "supervision": "限时办结",
            },
            {
                "name": "决定",
                "post": "分管领导",
                "description": "作出决定",
                "time_limit": 1,
                "supervision": "集体研究",
            },
        ],  # fmt: skip
        "citations": [
            CitationData(law_title="中华人民共和国道路运输条例", articles="第二十一条、第二十四条"),
            CitationData(law_title="中华人民共和国行政许可法", articles="第四十二条第一款"),
        ],
        "tags": ["道路运输", "货运"],
    }
    values.update(overrides)
    return PowerData(**values)


def publish_power(data: PowerData | None = None, user=None) -> PowerPage:
    result = power_upsert(data=data or road_transport_licence(), user=user, publish=True)
    return PowerPage.objects.get(pk=result.page.pk)


def publish_latest_revision(code: str) -> PowerPage:
    """A power's latest revision (a draft, or a change awaiting review) goes live, as when the
    legal office approves it."""
    PowerPage.objects.get(code=code).latest_revision.publish()
    return PowerPage.objects.get(code=code)


def power_admin_form(**overrides):
    """The POST data of the power editing form in the admin (empty lists unless given)."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

    values = {
        "title": "公路超限运输许可",
        "slug": "gonglu-chaoxian",
        "code": "NEW-CODE-1",
        "power_type": "01",
        "status": "in_force",
        "exercise_level": "county",
        "power_source": "statutory",
        "fee_free": "on",
        "right_to_state": "on",
        "right_to_review": "on",
        "right_to_litigate": "on",
        "promised_time_limit": "5",
        "legal_time_limit": "20",
        "online_depth": "1",
        "change_note": "",
        "staff": streamfield([]),
        "materials": streamfield([]),
        "steps": streamfield([]),
        "discretion": streamfield([]),
        "legal_bases": inline_formset([]),
        "comments": inline_formset([]),
    }
    values.update(overrides)
    return nested_form_data(values)


def save_change(power, editor, **changes) -> PowerPage:
    """An editor's draft change of a power (a new revision), not yet submitted."""
    draft = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
    for name, value in changes.items():
        setattr(draft, name, value)
    draft.save_revision(user=editor)
    return draft


def submit_change(power, editor, **changes):
    """An editor changes a power and submits it to the legal office."""
    from review.services import power_submit

    save_change(power, editor, **changes)
    return power_submit(power=power, user=editor)


def make_topic(*items, title="新生儿出生一件事", slug="newborn", **values):
    """A published life-event topic (一件事) whose items are (power code, note) pairs, in order."""
    from topics.models import TopicPage
    from topics.services import TopicData, TopicItemData, topic_upsert

    data = TopicData(
        title=title,
        slug=slug,
        audience=values.pop("audience", "新生儿的父母或其他监护人"),
        summary=values.pop("summary", "孩子出生后依次办理的事项。"),
        keywords=values.pop("keywords", "孩子出生、生孩子、新生儿"),
        items=[TopicItemData(code=code, note=note) for code, note in items],
    )
    result = topic_upsert(data=data, **values)
    return TopicPage.objects.get(pk=result.page.pk)


def topic_admin_form(*items, **overrides):
    """The POST data of the topic editing form in the admin; `items` are (page id, note)."""
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    values = {
        "title": "退休一件事",
        "slug": "retirement",
        "audience": "即将达到法定退休年龄的企业职工",
        "summary": "申请退休、核定养老金。",
        "keywords": "退休，办退休 领养老金",
        "items": inline_formset([{"power": pk, "note": note} for pk, note in items]),
        "comments": inline_formset([]),
    }
    values.update(overrides)
    return nested_form_data(values)
