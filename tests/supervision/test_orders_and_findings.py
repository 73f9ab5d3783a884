"""督办 and 过错责任追究 as the people involved meet them in the admin: the legal office sees a
late case's red card on 电子监察, drills down to it and issues a 督办单; the department answers;
the legal office sends it back, the department answers again, the legal office accepts and the
warning is cleared; 纪检监察 reads every department and records a finding. Each refusal beside
its permitted case."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases import services as case_services
from cases.applicants import Applicant
from cases.models import CaseStep
from cases.services import Actor
from supervision import services
from supervision.models import Alert, Finding, OrderEntry, OrderState, SupervisionOrder
from supervision.sweep import sweep
from tests.factories import department_editor, legal_office_user, supervisor_user

from .conftest import holder

PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X"}


@pytest.fixture
def late_case(licence, window):
    """A case whose 审查 step was due ten days ago: the sweep has shown its red card."""
    case = case_services.window_open(licence, Applicant.clean(PERSON), user=window).case
    CaseStep.objects.filter(case=case, position=1).update(
        due_on=timezone.localdate() - datetime.timedelta(days=10)
    )
    sweep()
    return case


def test_a_red_card_is_supervised_until_the_department_has_put_it_right(
    client, late_case, reviewer
):
    fzb = legal_office_user()
    client.force_login(fzb)
    dashboard = client.get("/admin/supervision/").content.decode()
    assert "办件与目录预警" in dashboard and "level=red" in dashboard
    listing = client.get("/admin/supervision/alerts/", {"level": "red"}).content.decode()
    alert = Alert.objects.get(rule__code="step_overdue")
    assert f"/admin/supervision/alerts/{alert.pk}/" in listing and late_case.case_no in listing
    page = client.get(f"/admin/supervision/alerts/{alert.pk}/").content.decode()
    assert f"/admin/cases/{late_case.pk}/" in page  # the drill-down to the case

    # Bad input comes back with its error, nothing issued.
    url = f"/admin/supervision/orders/new/?alert={alert.pk}"
    response = client.post(url, {"requirement": "", "days": "0"})
    assert response.status_code == 200 and SupervisionOrder.objects.count() == 0
    html = response.content.decode()
    assert "必需字段" in html and "大于或等于1" in html
    response = client.post(url, {"requirement": "立即办理审查环节并说明超期原因", "days": "3"})
    order = SupervisionOrder.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/orders/{order.pk}/")
    assert order.department_id == late_case.department_id and order.alert == alert
    assert order.issuer_role == "法制办" and order.state == OrderState.OPEN

    # The department's staff answer; the legal office cannot answer for them.
    denied = client.post(
        f"/admin/supervision/orders/{order.pk}/",
        {"action": "answer", "text": "已办理", "version": order.version},
    )
    order.refresh_from_db()
    assert denied.status_code == 302 and order.state == OrderState.OPEN
    client.force_login(reviewer)
    home = client.get("/admin/").content.decode()
    assert "待回复的督办单 1 件" in home and "红牌" in home  # on the admin's home page
    assert "回复督办" in client.get(f"/admin/supervision/orders/{order.pk}/").content.decode()
    client.post(
        f"/admin/supervision/orders/{order.pk}/",
        {"action": "answer", "text": "已完成审查，超期系系统故障", "version": 0},
    )
    order.refresh_from_db()
    assert order.state == OrderState.ANSWERED and order.answered_on_time

    # 纪检监察 do not review the legal office's 督办单: its issuer does.
    with pytest.raises(PermissionDenied, match="法制办"):
        services.order_accept(order, user=supervisor_user())
    # Sent back (a reason is required), answered again, accepted: the warning is cleared.
    client.force_login(fzb)
    client.post(
        f"/admin/supervision/orders/{order.pk}/",
        {"action": "return", "text": "", "version": order.version},
    )
    order.refresh_from_db()
    assert order.state == OrderState.ANSWERED  # no reason, not returned
    client.post(
        f"/admin/supervision/orders/{order.pk}/",
        {"action": "return", "text": "请附系统故障证明", "version": order.version},
    )
    order.refresh_from_db()
    assert order.state == OrderState.OPEN and order.returned_count == 1
    client.force_login(reviewer)
    client.post(
        f"/admin/supervision/orders/{order.pk}/",
        {"action": "answer", "text": "已补充故障记录", "version": order.version},
    )
    client.force_login(fzb)
    order.refresh_from_db()
    client.post(
        f"/admin/supervision/orders/{order.pk}/",
        {"action": "accept", "text": "同意", "version": order.version},
    )
    order.refresh_from_db()
    alert.refresh_from_db()
    assert order.state == OrderState.ACCEPTED and order.closed_at is not None
    assert not alert.is_open and alert.cleared_by == fzb and order.number in alert.cleared_reason
    kinds = list(order.entries.values_list("kind", flat=True))
    assert kinds == ["issued", "answered", "returned", "answered", "accepted"]
    with pytest.raises(TypeError):
        OrderEntry.objects.filter(order=order).delete()


def test_an_unanswered_order_becomes_a_red_card_and_the_answer_clears_it(late_case, reviewer):
    order = services.order_issue(
        user=legal_office_user(), case=late_case, requirement="说明超期原因", days=2
    )
    sweep(today=order.due_on)
    assert not Alert.objects.filter(rule__code="order_overdue").exists()
    sweep(today=order.due_on + datetime.timedelta(days=1))
    red = Alert.objects.get(rule__code="order_overdue")
    assert red.order == order and red.is_open and order.number in red.detail
    services.order_answer(order, user=reviewer, answer="已说明")
    red.refresh_from_db()
    assert not red.is_open
    # Sent back with a new date, and missed again: a second red card for the second round.
    services.order_return(order, user=legal_office_user("fzb2"), note="说明不充分")
    order.refresh_from_db()
    sweep(today=order.due_on + datetime.timedelta(days=1))
    assert Alert.objects.open().filter(rule__code="order_overdue").count() == 1
    assert Alert.objects.filter(rule__code="order_overdue").count() == 2


def test_supervisors_read_every_department_and_act_only_through_orders_and_findings(
    client, late_case, reviewer
):
    jjjc = supervisor_user()
    client.force_login(jjjc)
    assert client.get("/admin/supervision/").status_code == 200
    assert client.get(f"/admin/cases/{late_case.pk}/").status_code == 200  # read, masked
    # They handle nothing of the department's own: no step of the case.
    with pytest.raises(Exception, match="岗位|本部门"):
        case_services.step_complete(late_case, actor=Actor(user=jjjc), position=1)
    # They issue 督办 and record findings.
    order = services.order_issue(user=jjjc, case=late_case, requirement="限期办结", days=3)
    assert order.issuer_role == "纪检监察"
    from supervision.models import FaultKind, Measure

    form = {
        "post": "审核岗",
        "person": "李审核",
        "fault_kind": FaultKind.objects.get(name="超期办理").pk,
        "measure": Measure.objects.get(name="批评教育").pk,
        "facts": "审查环节超期 10 天",
        "decided_on": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
    }
    url = f"/admin/supervision/findings/new/?order={order.pk}"
    response = client.post(url, form)
    assert response.status_code == 200 and Finding.objects.count() == 0  # a date to come
    form["decided_on"] = timezone.localdate().isoformat()
    response = client.post(url, form)
    finding = Finding.objects.get()
    assert response.status_code == 302 and finding.case == late_case and finding.order == order
    assert finding.department_id == late_case.department_id

    # A department's editor may not issue 督办 or record findings; the other department's
    # staff do not even see the order.
    client.force_login(department_editor())
    for url in (
        f"/admin/supervision/orders/new/?case={late_case.pk}",
        f"/admin/supervision/findings/new/?order={order.pk}",
    ):
        refused = client.post(url, {"requirement": "越权督办", "days": "3", **form})
        assert refused.status_code == 302 and refused["Location"] == "/admin/"  # not permitted
    assert SupervisionOrder.objects.count() == 1 and Finding.objects.count() == 1
    stranger = holder("stranger", "审核岗", department="APPROVAL")
    client.force_login(stranger)
    assert client.get(f"/admin/supervision/orders/{order.pk}/").status_code == 404
    with pytest.raises(Exception, match="责任部门"):
        services.order_answer(order, user=stranger, answer="与我无关")
    services.order_answer(order, user=reviewer, answer="已办结")  # the department's own


def test_a_warning_is_cleared_by_a_supervisor_with_a_reason(client, late_case, reviewer):
    alert = Alert.objects.get(rule__code="step_overdue")
    client.force_login(reviewer)  # the department cannot clear its own warnings
    client.post(f"/admin/supervision/alerts/{alert.pk}/", {"reason": "已处理"})
    alert.refresh_from_db()
    assert alert.is_open
    client.force_login(legal_office_user())
    response = client.post(f"/admin/supervision/alerts/{alert.pk}/", {"reason": ""})
    assert response.status_code == 200
    alert.refresh_from_db()
    assert alert.is_open
    client.post(f"/admin/supervision/alerts/{alert.pk}/", {"reason": "申请人原因，已核实"})
    alert.refresh_from_db()
    assert not alert.is_open and alert.cleared_reason == "申请人原因，已核实"
    assert not alert.cleared_automatically


def test_the_daily_digest_tells_of_new_red_cards_and_due_orders(late_case, reviewer):
    from django.core import mail

    from supervision.digest import digest_send

    order = services.order_issue(user=legal_office_user(), case=late_case,
                                 requirement="说明超期原因", days=1)  # fmt: skip
    stranger = holder("stranger", "审核岗", department="APPROVAL")
    mail.outbox.clear()
    digest_send()
    sent = {message.to[0]: message for message in mail.outbox}
    body = sent[reviewer.email].body
    assert "办件新发红牌" in body and late_case.case_no in body and "环节超期" in body
    assert order.number in body and "办件新红牌 1 张" in sent[reviewer.email].subject
    assert stranger.email not in sent  # nothing of theirs to act on


def test_a_supervisor_trying_a_departments_own_actions_is_refused_without_an_error(
    client, late_case, reviewer
):
    """纪检监察 read everything; whatever they try of a department's own work (a step, a
    reply to a complaint, answering a 督办单) is refused with a message, and nothing changes;
    the department's own staff succeed."""
    from feedback.models import Feedback, Kind
    from feedback.services import Submission, feedback_submit

    jjjc = supervisor_user()
    client.force_login(jjjc)
    step = {"action": "step", "position": "1", "opinion": "同意", "version": late_case.version}
    page = client.post(f"/admin/cases/{late_case.pk}/", step)
    assert page.status_code in (200, 302)
    late_case.refresh_from_db()
    assert late_case.current_step == 1

    receipt = feedback_submit(
        Submission(kind=Kind.COMPLAINT, rating=None, comment="窗口人员态度差",
                   power=late_case.power, phone="13900001111"),
        ip="10.0.0.9",
    )  # fmt: skip
    complaint = Feedback.objects.get(tracking_no=receipt.tracking_no)
    response = client.post(f"/admin/feedback/{complaint.pk}/",
                           {"action": "reply", "reply": "已处理"})  # fmt: skip
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert not complaint.reply

    client.force_login(jjjc)
    page = client.get(f"/admin/feedback/{complaint.pk}/").content.decode()
    assert f"/admin/supervision/orders/new/?feedback={complaint.pk}" in page  # 督办此件
    order = services.order_issue(user=jjjc, feedback=complaint, requirement="核实并答复",
                                 days=3)  # fmt: skip
    assert order.number in client.get(f"/admin/feedback/{complaint.pk}/").content.decode()
    client.post(f"/admin/supervision/orders/{order.pk}/",
                {"action": "answer", "text": "我来回复", "version": order.version})  # fmt: skip
    order.refresh_from_db()
    assert order.state == OrderState.OPEN
    services.order_answer(order, user=reviewer, answer="已约谈窗口人员并答复投诉人")
    order.refresh_from_db()
    assert order.state == OrderState.ANSWERED

    # The department's own staff do what the supervisor could not.
    client.force_login(reviewer)
    client.post(f"/admin/cases/{late_case.pk}/", step)
    late_case.refresh_from_db()
    assert late_case.current_step == 2
    client.post(f"/admin/feedback/{complaint.pk}/", {"action": "reply", "reply": "已处理"})
    complaint.refresh_from_db()
    assert complaint.reply == "已处理"


def test_bad_orders_and_findings_are_refused_in_chinese_and_nothing_is_written(late_case, reviewer):
    from supervision.models import FaultKind, Measure
    from supervision.services import SupervisionError

    fzb = legal_office_user()
    alert = Alert.objects.get(rule__code="step_overdue")
    cases = {"requirement": "限期整改", "days": 3}
    with pytest.raises(SupervisionError, match="请指明督办的对象"):
        services.order_issue(user=fzb, **cases)
    with pytest.raises(SupervisionError, match="请指明督办的对象"):
        services.order_issue(user=fzb, case=late_case, alert=alert, **cases)
    for days, message in ((0, "1 到 30"), (31, "1 到 30"), ("三天", "工作日数")):
        with pytest.raises(SupervisionError, match=message):
            services.order_issue(user=fzb, case=late_case, requirement="限期整改", days=days)
    with pytest.raises(SupervisionError, match="整改要求"):
        services.order_issue(user=fzb, case=late_case, requirement="  ", days=3)
    with pytest.raises(PermissionDenied):
        services.order_issue(user=reviewer, case=late_case, **cases)
    assert SupervisionOrder.objects.count() == 0

    order = services.order_issue(user=fzb, alert=alert, **cases)  # the permitted one
    assert order.case == late_case and order.due_on > timezone.localdate()
    with pytest.raises(SupervisionError, match="已回复的督办单"):
        services.order_accept(order, user=fzb)
    with pytest.raises(SupervisionError, match="整改情况"):
        services.order_answer(order, user=reviewer, answer="")
    stale = order.version
    services.order_answer(order, user=reviewer, answer="已整改")
    with pytest.raises(SupervisionError, match="刚刚已被他人处理"):
        services.order_return(order, user=fzb, note="再改", version=stale)

    kind, measure = FaultKind.objects.first(), Measure.objects.first()
    good = {"post": "审核岗", "person": "李审核", "fault_kind": kind, "measure": measure,
            "facts": "超期", "decided_on": timezone.localdate()}  # fmt: skip
    with pytest.raises(SupervisionError, match="督办单或一个办件"):
        services.finding_record(user=fzb, **good)
    for field, value, message in (("post", "", "责任岗位"), ("person", " ", "责任人"),
                                  ("facts", "", "过错事实")):  # fmt: skip
        with pytest.raises(SupervisionError, match=message):
            services.finding_record(user=fzb, case=late_case, **{**good, field: value})
    FaultKind.objects.filter(pk=kind.pk).update(active=False)
    kind.refresh_from_db()
    with pytest.raises(SupervisionError, match="过错种类"):
        services.finding_record(user=fzb, case=late_case, **good)
    assert not Finding.objects.exists()
    with pytest.raises(SupervisionError, match="解除预警的原因"):
        services.alert_clear(alert, user=fzb, reason="")
    services.alert_clear(alert, user=fzb, reason="已督办")
    with pytest.raises(SupervisionError, match="已经解除"):
        services.alert_clear(alert, user=fzb, reason="再解除一次")


def test_a_supervisor_who_works_in_a_department_exports_only_its_cases(client, late_case):
    """纪检监察 read every department's cases, masked; the 补录 export (which unmasks for holders
    of the right) is only ever of the departments one records for."""
    from django.contrib.auth.models import Permission

    other = services_open_other_department_case()
    jjjc = supervisor_user()
    jjjc.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    from access.posts import posts_assign

    posts_assign(jjjc, other.department_id, ["窗口受理岗"])
    client.force_login(jjjc)
    exported = client.get("/admin/import/cases/export/?format=csv").content.decode("utf-8-sig")
    assert other.case_no in exported and late_case.case_no not in exported


def services_open_other_department_case():
    """A case of the approval bureau, opened at its window."""
    from tests.factories import publish_power, road_transport_licence

    power = publish_power(road_transport_licence(
        code="511A0142000000-511602000000-000-TEST-7-00", department_code="APPROVAL"))  # fmt: skip
    clerk = holder("approval-window", "窗口受理岗", department="APPROVAL")
    return case_services.window_open(power, Applicant.clean(PERSON), user=clerk).case
