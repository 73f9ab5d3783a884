"""A case runs along its power's approved flow: accepted at the window, each step by its post,
补正 stops the clock, the head extends, the last step finishes it; every change is an event."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cases import services
from cases.applicants import Applicant, ApplicantError
from cases.models import Case, CaseEvent, ClockStop, EventKind, Result, State
from cases.services import Actor, CaseError
from tests.factories import department_editor, save_change

from .conftest import holder

PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X",
          "contact_phone": "13912345678"}  # fmt: skip


def applicant(**changes):
    return Applicant.clean({**PERSON, **changes})


def test_window_accepts_and_each_post_completes_its_step(licence, window, reviewer, head):
    opened = services.window_open(licence, applicant(), user=window,
                                  materials=["道路货物运输经营申请表"])  # fmt: skip
    case = Case.objects.get(pk=opened.case.pk)
    assert case.state == State.IN_PROGRESS
    assert case.applicant_public_name == "欧阳**"
    assert [step.name for step in case.steps_list] == ["受理", "审查", "决定"]
    assert case.current_step == 1 and case.current_posts == "审核岗"
    assert case.due_on is not None and case.due_on > timezone.localdate()
    assert case.materials.get().received

    # The window cannot do the reviewer's step; the reviewer can.
    with pytest.raises(PermissionDenied, match="审核岗"):
        services.step_complete(case, actor=Actor(user=window), position=1, opinion="同意")
    services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="材料齐全")
    # Steps are done in order, each once.
    with pytest.raises(CaseError, match="已由"):
        services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="再来")
    with pytest.raises(CaseError, match="办结结果"):
        services.step_complete(case, actor=Actor(user=head), position=2, opinion="同意")
    services.step_complete(case, actor=Actor(user=head), position=2, opinion="准予许可",
                           result=Result.GRANTED)  # fmt: skip

    case.refresh_from_db()
    assert case.state == State.FINISHED and case.result == Result.GRANTED
    assert case.on_time is True and case.working_days_used == 0
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == [EventKind.SUBMITTED, EventKind.ACCEPTED, EventKind.STEP_COMPLETED,
                     EventKind.FINISHED]  # fmt: skip
    assert list(case.events.values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_a_running_case_keeps_the_flow_it_was_accepted_with(licence, window, reviewer):
    case = services.window_open(licence, applicant(), user=window).case
    editor = department_editor()
    save_change(licence, editor, steps=[{"type": "step", "value": {
        "name": "一次办结", "post": "窗口受理岗", "description": "", "time_limit": 0,
        "supervision": ""}}])  # fmt: skip
    case.refresh_from_db()
    assert [step.name for step in case.steps_list] == ["受理", "审查", "决定"]


def test_staff_of_another_department_cannot_touch_the_case(licence, window):
    case = services.window_open(licence, applicant(), user=window).case
    stranger = holder("stranger", "审核岗", department="APPROVAL")
    with pytest.raises(PermissionDenied):
        services.step_complete(case, actor=Actor(user=stranger), position=1)
    with pytest.raises(PermissionDenied):
        services.window_open(licence, applicant(), user=stranger)


def test_correction_stops_the_clock_and_a_second_one_is_recorded(licence, window, reviewer):
    case = services.window_open(licence, applicant(), user=window).case
    due = case.due_on
    services.correction_request(case, actor=Actor(user=reviewer), items="车辆检测合格证明")
    case.refresh_from_db()
    assert case.state == State.CORRECTION and case.paused_since == timezone.localdate()
    with pytest.raises(CaseError, match="补正中"):
        services.step_complete(case, actor=Actor(user=reviewer), position=1)
    services.correction_received(case, actor=Actor(user=reviewer))
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and case.due_on == due  # same day: nothing stopped
    services.correction_request(case, actor=Actor(user=reviewer), items="驾驶员从业资格证")
    event = case.events.get(kind=EventKind.CORRECTION_REQUESTED, data__repeat=True)
    assert event.data["items"] == "驾驶员从业资格证"
    assert ClockStop.objects.filter(case=case).count() == 2


def test_extension_needs_the_head_a_reason_and_days(licence, window, reviewer, head):
    case = services.window_open(licence, applicant(), user=window).case
    with pytest.raises(PermissionDenied, match="负责人"):
        services.extension_grant(case, actor=Actor(user=reviewer), days=5, reason="现场核查")
    with pytest.raises(CaseError, match="理由"):
        services.extension_grant(case, actor=Actor(user=head), days=5, reason=" ")
    before = case.due_on
    services.extension_grant(case, actor=Actor(user=head), days=5, reason="需现场核查车辆")
    case.refresh_from_db()
    assert case.extension_days == 5 and case.due_on > before
    lines = services.due_explained(case).lines
    assert any("延期：5 个工作日" in line for line in lines)


def test_a_business_system_records_what_happened_earlier_in_order(licence):
    case = services.window_open(licence, applicant(), user=holder("w2", "窗口受理岗")).case
    now = timezone.now()
    official = Actor(name="李审核", post="审核岗", channel="system")
    with pytest.raises(CaseError, match="晚于现在"):
        official.occurred_at = now + datetime.timedelta(hours=2)
        services.step_complete(case, actor=official, position=1)
    with pytest.raises(CaseError, match="顺序"):
        official.occurred_at = now - datetime.timedelta(days=3)
        services.step_complete(case, actor=official, position=1)
    official.occurred_at = now
    services.step_complete(case, actor=official, position=1, opinion="同意")
    step = case.steps.get(position=1)
    assert step.handler_name == "李审核" and step.handler_post == "审核岗"


def test_rejection_needs_a_reason_and_ends_the_case(licence, window):
    case = services.application_submit(licence, applicant()).case
    assert case.state == State.SUBMITTED and not case.public
    with pytest.raises(CaseError, match="理由"):
        services.case_reject(case, actor=Actor(user=window), reason="")
    services.case_reject(case, actor=Actor(user=window), reason="不属于本部门职权范围")
    case.refresh_from_db()
    assert case.state == State.REJECTED and case.public


def test_the_log_cannot_be_rewritten(licence, window):
    case = services.window_open(licence, applicant(), user=window).case
    event = case.events.first()
    event.kind = EventKind.VOIDED
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).delete()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).update(kind="voided")
    assert case.events.count() == 2


def test_bad_identity_numbers_are_refused_by_field():
    with pytest.raises(ApplicantError) as refused:
        Applicant.clean({**PERSON, "id_no": "110105194912310021"})
    assert "校验码" in refused.value.errors["applicant_id_no"]
    organisation = Applicant.clean({"type": "organisation", "name": "广安顺达物流有限公司",
                                    "id_no": "91511602MA6234567B"})  # fmt: skip
    assert organisation.public_name == "广安顺达物流有限公司"


def test_the_applicant_looks_it_up_and_rates_it_once(licence, window, reviewer, head):
    opened = services.window_open(licence, applicant(), user=window)
    case = opened.case
    assert services.case_lookup(case.case_no, "000000" if opened.password != "000000" else "1",
                                ip="1.2.3.4") is None  # fmt: skip
    assert services.case_lookup(case.case_no.lower(), opened.password, ip="1.2.3.4") == case
    assert services.case_lookup(case.case_no, "5678", ip="1.2.3.4") == case
    with pytest.raises(CaseError, match="办结后"):
        services.case_rate(case, rating=5)
    services.step_complete(case, actor=Actor(user=reviewer), position=1)
    services.step_complete(case, actor=Actor(user=head), position=2, result=Result.GRANTED)
    case.refresh_from_db()
    receipt = services.case_rate(case, rating=5, comment="很快", ip="1.2.3.4", client="a")
    assert receipt.feedback.case_no == case.case_no and receipt.feedback.verified
    with pytest.raises(CaseError, match="只能评价一次"):
        services.case_rate(case, rating=1, ip="5.6.7.8", client="b")


def test_a_case_withheld_before_acceptance_stays_out_of_publicity(licence, window):
    case = services.application_submit(licence, applicant()).case
    services.publicity_set(case, actor=Actor(user=window), withhold=True, reason="trade_secret")
    services.case_accept(case, actor=Actor(user=window))
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and not case.public
    services.publicity_set(case, actor=Actor(user=window), withhold=False)
    case.refresh_from_db()
    assert case.public and case.published_at is not None


def test_a_power_without_a_promised_limit_has_no_due_date_and_is_never_late(window, head):
    from tests.factories import publish_power, road_transport_licence

    inspection = publish_power(road_transport_licence(
        code="511A0142000000-511602000000-000-TEST-9-00", title="道路运输经营行为检查",
        power_type="06", promised_time_limit=None, legal_time_limit=None))  # fmt: skip
    case = services.window_open(inspection, applicant(), user=window).case
    assert case.due_on is None
    assert "未公布承诺办结时限" in services.due_explained(case).lines[0]


def test_a_correction_before_acceptance_does_not_move_the_due_date(licence, window):
    case = services.application_submit(licence, applicant()).case
    services.correction_request(case, actor=Actor(user=window), items="申请表签字")
    services.correction_received(case, actor=Actor(user=window))
    services.case_accept(case, actor=Actor(user=window))
    case.refresh_from_db()
    plain = services.window_open(licence, applicant(), user=window).case
    assert case.due_on == plain.due_on
    assert not any("补正" in line for line in services.due_explained(case).lines)
