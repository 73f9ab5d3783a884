"""A business system pushes its step events in batches: they are checked by the same rules as
one event at a time (services._step_apply) and written set-based (services.steps_complete_many).
A batch leaves exactly what the same events pushed one by one leave; what the flow refuses is
refused item by item with the same message, the rest written; a retried id changes nothing; and
systems pushing overlapping batches at once lose nothing and duplicate nothing."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from cases import ingest, services
from cases.models import Case, CaseEvent, CaseStep, State
from cases.services import Actor, StepPush, StepPushed
from tests.factories import bearer, load_base_data, publish_power, road_transport_licence

from .conftest import holder

PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X"}
NOW = timezone.now().replace(microsecond=0)


def at(hours: float) -> datetime.datetime:
    return NOW - datetime.timedelta(hours=hours)


def case_push(power, external_id):
    return {
        "power": power.code, "external_id": external_id, "applicant": PERSON,
        "submitted_at": at(10),
        "acceptance": {"handler": "王受理", "post": "窗口受理岗", "accepted_at": at(9)},
    }  # fmt: skip


def step(event_id, position, hours, **changes):
    return {"external_id": event_id, "kind": "complete_step", "position": position,
            "occurred_at": at(hours), "handler": "李审核", "post": "审核岗",
            "opinion": f"符合条件（{event_id}）", **changes}  # fmt: skip


def decide(event_id, hours, **changes):
    return step(event_id, 3, hours, **{"handler": "赵局长", "post": "分管领导",
                                       "result": "granted", **changes})  # fmt: skip


@pytest.fixture
def system(db):
    """The transport bureau's business system (an account of the bureau)."""
    user = holder("transport-system", "窗口受理岗")
    bearer(user)
    return user


def open_cases(power, system, prefix, count):
    outcomes = ingest.push_batch(
        [{"case": case_push(power, f"{prefix}-{n}")} for n in range(count)], account=system
    )
    return [outcome.case for outcome in outcomes]


CASE_FIELDS = [f.name for f in Case._meta.fields if f.name not in
               ("id", "case_no", "external_id", "password_hash", "recorded_at")]  # fmt: skip
STEP_FIELDS = [f.name for f in CaseStep._meta.fields if f.name not in ("id", "case")]
EVENT_FIELDS = [f.name for f in CaseEvent._meta.fields if f.name not in
                ("id", "case", "recorded_at")]  # fmt: skip


def record(case: Case):
    """Everything a case holds, as values (its numbers and ids aside)."""
    case = Case.objects.get(pk=case.pk)
    return (
        {name: getattr(case, name) for name in CASE_FIELDS},
        [{name: getattr(s, name) for name in STEP_FIELDS} for s in case.steps_list],
        [{name: getattr(e, name) for name in EVENT_FIELDS} for e in case.events.order_by("seq")],
    )


def test_a_batch_leaves_what_the_same_events_pushed_one_by_one_leave(licence, system):
    """Three cases: one reviewed and decided, one decided 不予 with its reason, one only
    reviewed, their events interleaved in the batch as a system sends them."""
    batched = open_cases(licence, system, "B", 3)
    single = open_cases(licence, system, "S", 3)
    events = [
        (0, step("E0-2", 2, 8)),
        (1, step("E1-2", 2, 7.5)),
        (0, decide("E0-3", 7)),
        (2, step("E2-2", 2, 6)),
        (1, decide("E1-3", 5, result="denied", result_description="车辆检测不合格")),
    ]

    answers = ingest.push_batch(
        [{"case_no": batched[n].case_no, "event": event} for n, event in events], account=system
    )
    for n, event in events:
        ingest.push_event(Case.objects.get(pk=single[n].pk), event, account=system)

    assert all(answer.created for answer in answers), answers
    assert [answer.seq for answer in answers] == [3, 3, 4, 3, 4]
    for mine, theirs in zip(batched, single, strict=True):
        assert record(mine) == record(theirs)
    finished = Case.objects.get(pk=batched[1].pk)
    assert finished.state == State.FINISHED and finished.result == "denied"
    assert finished.working_days_used is not None and finished.on_time
    assert Case.objects.get(pk=batched[2].pk).current_step == 2


def refusals(licence, system, case_no, foreign_no):
    return [
        {"case_no": case_no, "event": decide("R-order", 8)},  # 审查 not done yet
        {"case_no": foreign_no, "event": step("R-foreign", 2, 8)},  # another department's
        {"case_no": case_no, "event": step("R-future", 2, -1)},  # an hour from now
        {"case_no": case_no, "event": step("R-nobody", 2, 8, handler="")},  # no handler named
        {"case_no": case_no, "event": step("R-before", 2, 9.5)},  # before its acceptance
        {"case_no": case_no, "event": step("OK-2", 2, 8)},  # permitted
        {"case_no": case_no, "event": decide("R-result", 7, result="")},  # no result
        {"case_no": case_no, "event": decide("OK-3", 7)},  # permitted
        {"case_no": case_no, "event": decide("R-closed", 6)},  # finished already
    ]


def test_refused_items_are_told_as_one_by_one_and_the_rest_written(licence, system):
    approval = publish_power(road_transport_licence(code="APPROVAL-POWER-1",
                                                    department_code="APPROVAL"))  # fmt: skip
    approval_system = holder("approval-system", "窗口受理岗", department="APPROVAL")
    foreign = open_cases(approval, approval_system, "F", 1)[0]
    batched, single = open_cases(licence, system, "B", 1)[0], open_cases(licence, system, "S", 1)[0]

    answers = ingest.push_batch(refusals(licence, system, batched.case_no, foreign.case_no),
                                account=system)  # fmt: skip
    one_by_one = []
    for item in refusals(licence, system, single.case_no, foreign.case_no):
        case = ingest.find_case(case_no=item["case_no"], account=system)
        try:
            one_by_one.append(ingest.push_event(case, item["event"], account=system))
        except (services.CaseError, PermissionDenied) as error:
            one_by_one.append(error)

    told = [str(a) if isinstance(a, Exception) else "written" for a in answers]
    assert told == [str(a) if isinstance(a, Exception) else "written" for a in one_by_one]
    assert told[5] == told[7] == "written"
    assert "环节须按顺序办理" in told[0] and "本部门" in told[1] and "晚于现在" in told[2]
    assert "办理人姓名" in told[3] and "早于该办件上一个事件" in told[4]
    assert "办结结果" in told[6] and "办结" in told[8]
    assert [type(a) for a in answers] == [type(a) for a in one_by_one]
    assert record(batched) == record(single)
    assert Case.objects.get(pk=batched.pk).state == State.FINISHED
    assert Case.objects.get(pk=foreign.pk).current_step == 1  # untouched


def test_a_step_needs_a_holder_of_its_post_in_a_batch_too(licence, window, reviewer, head):
    """Staff completing steps through the batch path: the reviewer cannot decide; the head can."""
    from cases.applicants import Applicant

    person = Applicant.clean(PERSON)
    case = services.window_open(licence, person, user=window).case
    reviewed, early = services.steps_complete_many([
        StepPush(case, Actor(user=reviewer), 1, opinion="符合"),
        StepPush(case, Actor(user=reviewer), 2, result="granted"),
    ])  # fmt: skip
    assert isinstance(reviewed, StepPushed) and reviewed.created
    assert isinstance(early, PermissionDenied)
    assert "“决定”环节由分管领导办理，您不在该岗位" in str(early)
    (decided,) = services.steps_complete_many([StepPush(case, Actor(user=head), 2,
                                                         result="granted")])  # fmt: skip
    assert decided.created and decided.case.state == State.FINISHED
    steps = Case.objects.get(pk=case.pk).steps_list
    assert [s.handler_post for s in steps] == ["窗口受理岗", "审核岗", "分管领导"]
    assert [s.completed_by for s in steps] == [window, reviewer, head]


def test_retried_event_ids_change_nothing(licence, system):
    (case,) = open_cases(licence, system, "B", 1)
    items = [
        {"case_no": case.case_no, "event": step("E-2", 2, 8)},
        {"case_no": case.case_no, "event": step("E-2", 2, 8)},  # repeated within the batch
        {"case_no": case.case_no, "event": decide("E-3", 7)},
    ]
    first = ingest.push_batch(items, account=system)
    assert [(a.created, a.seq) for a in first] == [(True, 3), (False, 3), (True, 4)]
    before = record(case)

    again = ingest.push_batch(items, account=system)

    assert [(a.created, a.seq, a.kind) for a in again] == [
        (False, 3, "complete_step"), (False, 3, "complete_step"), (False, 4, "complete_step")
    ]  # fmt: skip
    assert record(case) == before
    assert CaseEvent.objects.filter(case=case).count() == 4


def test_the_old_path_one_item_at_a_time_stays_available(licence, system, settings):
    """CASES_BATCH_STEPS = "item": the benchmark's baseline, the same answers."""
    settings.CASES_BATCH_STEPS = "item"
    (case,) = open_cases(licence, system, "B", 1)
    items = [{"case_no": case.case_no, "event": step("E-2", 2, 8)},
             {"case_no": case.case_no, "event": decide("E-3", 9.5)}]  # fmt: skip
    answers = ingest.push_batch(items, account=system)
    assert answers[0].created and "早于" in str(answers[1])


@pytest.mark.django_db(transaction=True)
def test_systems_pushing_overlapping_batches_at_once_lose_and_duplicate_nothing():
    """8 systems, two by two sending the same batches of steps for the same 10 cases at the
    same moment, every tenth item repeated, each batch sent twice: every event once."""
    load_base_data()
    power = publish_power(road_transport_licence())
    system = holder("transport-system", "窗口受理岗")
    cases = open_cases(power, system, "C", 40)
    failures, lock, start = [], threading.Lock(), threading.Barrier(8)

    def push(w):
        account = type(system).objects.get(pk=system.pk)
        mine = cases[(w // 2) * 10 : (w // 2) * 10 + 10]
        items = [{"case_no": c.case_no, "event": step(f"{c.case_no}-2", 2, 8)} for c in mine]
        items += [{"case_no": c.case_no, "event": decide(f"{c.case_no}-3", 7)} for c in mine]
        items += items[::10]
        try:
            start.wait()
            for _ in range(2):
                answers = ingest.push_batch(items, account=account)
                refused = [a for a in answers if isinstance(a, Exception)]
                # a rival's concurrent change may be answered "please retry": sent again
                if refused:
                    answers = ingest.push_batch(items, account=account)
                    refused = [a for a in answers if isinstance(a, Exception)]
                if refused:
                    with lock:
                        failures.append([str(a) for a in refused[:3]])
        finally:
            connection.close()

    threads = [threading.Thread(target=push, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures[:3]
    assert Case.objects.filter(state=State.FINISHED).count() == 40
    assert CaseEvent.objects.exclude(external_id="").count() == 80
    assert CaseEvent.objects.count() == 40 * 4
    for case in Case.objects.all():
        assert list(case.events.values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_a_batch_the_database_refuses_is_pushed_again_one_by_one(licence, system, monkeypatch):
    """A concurrent batch recorded one of the ids first (the unique constraint refuses the
    insert): nothing of the set-based write stays, and each item goes through the single path,
    which answers a recorded id as a retry."""
    from django.db import IntegrityError

    (case,) = open_cases(licence, system, "B", 1)
    ingest.push_event(case, step("E-2", 2, 8), account=system)  # the rival's, just before

    def refused(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(CaseEvent.objects, "bulk_create", refused)
    answers = ingest.push_batch([{"case_no": case.case_no, "event": step("E-2", 2, 8)},
                                 {"case_no": case.case_no, "event": decide("E-3", 7)}],
                                account=system)  # fmt: skip

    assert [(a.created, a.seq) for a in answers] == [(False, 3), (True, 4)]
    case.refresh_from_db()
    assert case.state == State.FINISHED and case.version == 4
    assert list(case.events.values_list("external_id", flat=True)) == ["", "", "E-2", "E-3"]
