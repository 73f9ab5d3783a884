"""电子监察 watches every case event as it is written: what breaks a rule raises its warning in
the same transaction, through every path (the admin's services, a business system's single
push, its batch); what keeps to the flow raises nothing."""

import datetime

import pytest
from django.utils import timezone

from cases import services
from cases.applicants import Applicant
from cases.models import Case
from cases.services import Actor
from supervision.models import Alert, AlertRule, Level
from supervision.rules import forget
from tests.factories import bearer, publish_power, road_transport_licence

PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X"}
CASES = "/api/v3/cases/"


def ago(**delta) -> str:
    return (timezone.now() - datetime.timedelta(**delta)).isoformat()


def warnings(code=None):
    alerts = Alert.objects.all()
    return list(alerts.filter(rule__code=code) if code else alerts)


def push(client, url, body, system):
    return client.post(url, body, content_type="application/json", headers=system)


@pytest.fixture
def system(db):
    from tests.cases.conftest import holder

    return bearer(holder("transport-system", "窗口受理岗"), name="交通运输业务系统")


def pushed_case(client, licence, system, external_id="YW-1"):
    acceptance = {"handler": "王受理", "post": "窗口受理岗", "accepted_at": ago(hours=4)}
    body = {"power": licence.code, "external_id": external_id, "applicant": PERSON,
            "submitted_at": ago(hours=5), "acceptance": acceptance}  # fmt: skip
    response = push(client, CASES, body, system)
    assert response.status_code == 201, response.content
    return Case.objects.get(case_no=response.json()["case_no"])


def step(external_id, position, post="审核岗", **changes):
    return {"external_id": external_id, "kind": "complete_step", "position": position,
            "occurred_at": ago(hours=3), "handler": "李审核", "post": post, "opinion": "同意",
            **changes}  # fmt: skip


def test_a_step_a_system_records_under_another_post_is_flagged_at_once(client, licence, system):
    right = pushed_case(client, licence, system, "YW-1")
    response = push(client, f"{CASES}{right.case_no}/events/", step("E1", 2), system)
    assert response.status_code == 201
    assert warnings() == []  # the step's own post: nothing to say

    wrong = pushed_case(client, licence, system, "YW-2")
    response = push(client, f"{CASES}{wrong.case_no}/events/", step("E1", 2, post="窗口受理岗"),
                    system)  # fmt: skip
    assert response.status_code == 201  # recorded as it happened: supervision flags it
    (alert,) = warnings("outside_post")
    assert alert.case == wrong and alert.level == Level.YELLOW and alert.is_open
    assert alert.department_id == wrong.department_id and alert.step == 1
    assert alert.source == "event" and alert.event_seq == wrong.events.get(external_id="E1").seq
    assert "窗口受理岗" in alert.detail and "审核岗" in alert.detail


def test_a_batch_is_checked_like_single_pushes(client, licence, system):
    first = pushed_case(client, licence, system, "YW-1")
    second = pushed_case(client, licence, system, "YW-2")
    items = [
        {"case_no": first.case_no, "event": step("B1", 2)},
        {"case_no": second.case_no, "event": step("B2", 2, post="分管领导")},
    ]
    response = push(client, f"{CASES}batch/", {"items": items}, system)
    assert response.json()["created"] == 2
    assert [a.case_id for a in warnings("outside_post")] == [second.pk]
    # pushed again: recorded once, warned once
    push(client, f"{CASES}batch/", {"items": items}, system)
    assert len(warnings("outside_post")) == 1


def test_a_step_refused_for_its_order_is_recorded_as_a_flow_warning(client, licence, system):
    case = pushed_case(client, licence, system)
    response = push(client, f"{CASES}{case.case_no}/events/",
                    step("E3", 3, post="分管领导", result="granted"), system)  # fmt: skip
    assert response.status_code == 409  # refused: nothing of it is in the case
    case.refresh_from_db()
    assert case.current_step == 1
    (alert,) = warnings("flow_order")
    assert alert.case == case and "E3" in alert.detail and "顺序" in alert.detail
    assert alert.source == "push" and alert.event_seq is None
    # The system retries the same refused event: one warning, not two.
    push(client, f"{CASES}{case.case_no}/events/", step("E3", 3, post="分管领导", result="granted"),
         system)  # fmt: skip
    assert len(warnings("flow_order")) == 1


def test_refusals_for_a_missing_reason_or_approval_are_recorded(client, licence, system):
    case = pushed_case(client, licence, system)
    url = f"{CASES}{case.case_no}/events/"
    push(client, url, step("E2", 2), system)
    denied = step("E3", 3, post="分管领导", result="denied")  # 不予许可 without the reason
    assert push(client, url, denied, system).status_code == 422
    extend = {"external_id": "X1", "kind": "extend", "occurred_at": ago(hours=2), "days": 5,
              "reason": "需现场核查", "approver": {"name": "赵局长", "post": "审核岗"}}  # fmt: skip
    assert push(client, url, extend, system).status_code == 422
    special = {"external_id": "S1", "kind": "special_start", "occurred_at": ago(hours=2),
               "reason": "需要鉴定"}  # fmt: skip
    assert push(client, url, special, system).status_code == 422
    assert {a.rule.code for a in warnings()} == {
        "reason_missing", "extension_unapproved", "special_untyped"}  # fmt: skip


def test_a_second_correction_breaks_the_one_time_notice(licence, window, reviewer):
    case = services.window_open(licence, Applicant.clean(PERSON), user=window).case
    services.correction_request(case, actor=Actor(user=reviewer), items="车辆检测合格证明")
    assert warnings() == []
    services.correction_received(case, actor=Actor(user=reviewer))
    services.correction_request(case, actor=Actor(user=reviewer), items="驾驶员从业资格证")
    (alert,) = warnings("correction_repeat")
    assert "第 2 次补正" in alert.detail and alert.level == Level.YELLOW


def test_fees_on_a_free_item_or_above_the_published_standard_are_red_cards(
    licence, window, reviewer
):
    case = services.window_open(licence, Applicant.clean(PERSON), user=window).case
    services.fee_record(case, actor=Actor(user=window), due=0, paid=0)
    assert warnings() == []
    services.fee_record(case, actor=Actor(user=window), due=50, paid=50)
    (alert,) = warnings("fee_on_free")
    assert alert.level == Level.RED and "50" in alert.detail

    charged = publish_power(road_transport_licence(
        code="511A0142000000-511602000000-000-TEST-9-00", title="道路运输证配发",
        fee_free=False, fee_standard="每证工本费 10 元，加急 20 元"))  # fmt: skip
    other = services.window_open(charged, Applicant.clean(PERSON), user=window).case
    services.fee_record(other, actor=Actor(user=window), due=20, paid=20)
    assert warnings("fee_above_standard") == []
    services.fee_record(other, actor=Actor(user=window), due=35, paid=35)
    (alert,) = warnings("fee_above_standard")
    assert "35" in alert.detail and "20" in alert.detail


def test_a_rule_switched_off_or_retuned_is_followed(licence, window, reviewer):
    AlertRule.objects.filter(code="correction_repeat").update(enabled=False)
    forget()
    case = services.window_open(licence, Applicant.clean(PERSON), user=window).case
    for items in ("车辆检测合格证明", "驾驶员从业资格证"):
        services.correction_request(case, actor=Actor(user=reviewer), items=items)
        services.correction_received(case, actor=Actor(user=reviewer))
    assert warnings() == []

    AlertRule.objects.filter(code="correction_repeat").update(enabled=True, level=Level.RED)
    forget()
    services.correction_request(case, actor=Actor(user=reviewer), items="营业执照")
    (alert,) = warnings("correction_repeat")
    assert alert.level == Level.RED and "第 3 次补正" in alert.detail


def test_a_late_step_is_a_red_card_counted_and_cleared_when_done(licence, window, reviewer):
    case = services.window_open(licence, Applicant.clean(PERSON), user=window).case
    review = case.steps_list[1]
    # The review step was due three days ago (as if the case had waited).
    type(review).objects.filter(pk=review.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=3))  # fmt: skip
    services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="同意")
    (alert,) = warnings("step_overdue")
    assert alert.level == Level.RED and alert.step == 1
    assert not alert.is_open and alert.cleared_automatically and "超期" in alert.cleared_reason
