"""The department's side in the admin: the window accepts an application and prints the
receipt, each post holder finds the case in their to-do list and completes their step, the head
extends; staff of another department see nothing; the head keeps the department's posts."""

import pytest
from django.urls import reverse

from access.models import Post
from cases import services
from cases.applicants import Applicant
from cases.models import Case, State
from tests.factories import make_user, site_admin_user

from .conftest import holder

APPLICANT = {"applicant_type": "person", "applicant_name": "张三", "applicant_id_type": "id_card",
             "applicant_id_no": "11010519491231002X", "contact_phone": "13912345678"}  # fmt: skip


def test_window_accepts_prints_receipt_and_the_steps_follow(client, licence, window, reviewer,
                                                            head):  # fmt: skip
    client.force_login(window)
    page = client.get(reverse("cases_admin:window"), {"power": licence.pk})
    assert "道路货物运输经营申请表" in page.content.decode()
    response = client.post(reverse("cases_admin:window"), {
        "power": licence.pk, **APPLICANT, "materials": ["道路货物运输经营申请表"]})  # fmt: skip
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases_admin:receipt", args=[case.pk])
    receipt = client.get(response["Location"]).content.decode()
    assert case.case_no in receipt and "查询密码</dt>" in receipt and "<svg" in receipt
    # The password is shown once.
    assert "查询密码</dt>" not in client.get(response["Location"]).content.decode()

    client.force_login(reviewer)
    todo = client.get(reverse("cases_admin:index"), {"tab": "todo"}).content.decode()
    assert case.case_no in todo and "张*" in todo and "11010519491231002X" not in todo
    detail = reverse("cases_admin:case", args=[case.pk])
    assert "1101**********002X" in client.get(detail).content.decode()
    client.post(detail, {"action": "step", "position": 1, "opinion": "符合条件",
                         "version": case.version})  # fmt: skip
    case.refresh_from_db()
    assert case.current_step == 2

    client.force_login(head)
    stale = case.version - 1
    response = client.post(detail, {"action": "step", "position": 2, "result": "granted",
                                    "version": stale}, follow=True)  # fmt: skip
    assert "刚刚已被他人处理" in response.content.decode()
    response = client.post(detail, {"action": "step", "position": 2, "result": "",
                                    "version": case.version}, follow=True)  # fmt: skip
    assert "办结结果" in response.content.decode()
    client.post(detail, {"action": "step", "position": 2, "result": "granted",
                         "opinion": "准予许可", "version": case.version})  # fmt: skip
    case.refresh_from_db()
    assert case.state == State.FINISHED


def test_a_bad_identity_number_comes_back_beside_its_field(client, licence, window):
    client.force_login(window)
    response = client.post(reverse("cases_admin:window"), {
        "power": licence.pk, **APPLICANT, "applicant_id_no": "110105194912310021"})  # fmt: skip
    assert response.status_code == 200
    assert "校验码" in response.content.decode()
    assert not Case.objects.exists()


def test_staff_of_another_department_cannot_open_the_case(client, licence, window):
    person = Applicant.clean({"type": "person", "name": "李四", "id_no": "11010519491231002X"})
    case = services.window_open(licence, person, user=window).case
    stranger = holder("stranger", "窗口受理岗", department="APPROVAL")
    client.force_login(stranger)
    assert client.get(reverse("cases_admin:case", args=[case.pk])).status_code == 404
    client.force_login(window)
    assert client.get(reverse("cases_admin:case", args=[case.pk])).status_code == 200
    citizen = make_user("citizen")
    client.force_login(citizen)
    assert client.get(reverse("cases_admin:index")).status_code in (302, 403)


def test_the_head_keeps_the_posts_of_the_department_only(client, licence, head, window):
    client.force_login(window)
    assert client.get(reverse("cases_admin:posts")).status_code in (302, 403)
    client.force_login(head)
    department_id = Post.objects.get(name="分管领导").department_id
    response = client.post(reverse("cases_admin:posts"), {
        "department": department_id, "name": "稽查岗", "members": [window.pk]})  # fmt: skip
    assert response.status_code == 302
    assert Post.objects.get(name="稽查岗").members.get() == window
    approval = holder("approval-window", "窗口受理岗", department="APPROVAL")
    foreign = Post.objects.get(department__code="APPROVAL", name="窗口受理岗")
    posts_url = reverse("cases_admin:posts")
    data = {"department": foreign.department_id, "members": [approval.pk]}
    response = client.post(posts_url, {**data, "name": "冒名岗"})
    assert response.status_code == 200 and not Post.objects.filter(name="冒名岗").exists()
    client.force_login(site_admin_user())
    client.post(posts_url, {**data, "name": "审批岗"})
    assert Post.objects.filter(name="审批岗", department__code="APPROVAL").exists()


@pytest.mark.parametrize("action", ["reveal"])
def test_personal_data_is_revealed_only_with_the_right_and_logged(client, licence, window, action):
    from django.contrib.auth.models import Permission

    from access.models import PersonalDataView

    person = Applicant.clean({"type": "person", "name": "王五", "id_no": "11010519491231002X"})
    case = services.window_open(licence, person, user=window).case
    client.force_login(window)
    detail = reverse("cases_admin:case", args=[case.pk])
    client.post(detail, {"action": action}, follow=True)
    assert not PersonalDataView.objects.exists()
    window.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    client.force_login(window)
    page = client.post(detail, {"action": action}).content.decode()
    assert "11010519491231002X" in page and "王五" in page
    assert PersonalDataView.objects.get().user == window


def test_a_case_withheld_from_publicity_needs_a_reason_and_supervision_sees_it(client, licence,
                                                                             window):  # fmt: skip
    from cases.services import Actor, CaseError

    person = Applicant.clean({"type": "person", "name": "孙七", "id_no": "11010519491231002X"})
    case = services.window_open(licence, person, user=window).case
    with pytest.raises(CaseError, match="原因"):
        services.publicity_set(case, actor=Actor(user=window), withhold=True, reason="")
    services.publicity_set(case, actor=Actor(user=window), withhold=True, reason="privacy",
                           note="涉及未成年人")  # fmt: skip
    case.refresh_from_db()
    assert case.withheld and not case.public
    client.force_login(site_admin_user())
    dashboard = client.get(reverse("supervision:dashboard")).content.decode()
    assert case.case_no in dashboard and "涉及个人隐私" in dashboard and "涉及未成年人" in dashboard


def test_the_legal_office_sees_every_case_but_never_the_identity_number_whole(client, licence,
                                                                            window):  # fmt: skip
    from django.contrib.auth.models import Permission

    from access.models import PersonalDataView
    from tests.factories import legal_office_user

    person = Applicant.clean({"type": "person", "name": "周八", "id_no": "11010519491231002X"})
    case = services.window_open(licence, person, user=window).case
    reviewer = legal_office_user()
    reviewer.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    client.force_login(reviewer)
    detail = reverse("cases_admin:case", args=[case.pk])
    page = client.get(detail).content.decode()
    assert "1101**********002X" in page and "显示完整信息" not in page
    refused = client.post(detail, {"action": "reveal"}, follow=True).content.decode()
    assert "11010519491231002X" not in refused and "只有本部门" in refused
    assert not PersonalDataView.objects.exists()
