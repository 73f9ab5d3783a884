"""The demo's cases are generated in bulk, not through cases.services; they must still be cases
the services would have made: the same due dates, steps in order, a contiguous log, figures on
closing, and the services must be able to carry a running one on. The demo also gives every
department of the filled powers its posts and staff, so that every step has someone to do it."""

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from access.models import Post
from cases import services
from cases.applicants import Applicant
from cases.models import Case, Channel, ClockStop, EventKind, State, post_names
from cases.services import Actor
from catalogue.models import PowerPage
from demo.cases import generate_cases
from demo.catalogue import demo_catalogue_load
from demo.users import CASE_DEPARTMENTS, demo_users_ensure
from workdays.calendar import WorkCalendar

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_catalogue_load(items_limit=0)
    demo_users_ensure()


def test_every_step_of_a_filled_demo_power_has_a_post_and_someone_holding_it(demo):
    powers = [power for power in PowerPage.objects.live() if power.steps]
    assert len(powers) == 27
    for power in powers:
        department = power.get_parent().specific
        held = set(Post.objects.filter(department=department, members__isnull=False)
                   .values_list("name", flat=True))  # fmt: skip
        for block in power.steps:
            names = [n for n in post_names(block.value["post"]) if n != "申请人"]
            assert not names or set(names) <= held, (power.title, block.value["post"])
        assert Post.objects.filter(department=department, is_head=True).exists()
    # A window clerk, a reviewer and a head in each department; the head's post is a head's.
    for short_name, (prefix, *_names) in CASE_DEPARTMENTS.items():
        head = Post.objects.filter(members__username=f"{prefix}-head")
        assert head.filter(is_head=True).exists(), short_name
        assert Post.objects.filter(members__username=f"{prefix}-window").exists(), short_name
    # The applicant's own step (网上申报) is no department's post.
    assert not Post.objects.filter(name="申请人").exists()

    posts = Post.objects.count()
    demo_users_ensure()
    assert Post.objects.count() == posts


def test_demo_powers_offered_online_accept_online_applications(demo):
    online = PowerPage.objects.live().filter(service_mode__contains="网上办理")
    assert online.exists()
    assert all(power.online_depth >= 3 for power in online)
    window_only = PowerPage.objects.live().filter(service_mode="窗口办理").first()
    assert window_only.online_depth < 3


def test_generated_cases_are_what_the_services_would_have_made(demo):
    made = generate_cases(200, seed=7)
    assert made.cases == 200
    cases = Case.objects.prefetch_related("steps", "clock_stops", "events")
    assert cases.count() == 200 and all(case.generated for case in cases)
    calendar = WorkCalendar.load()
    for case in cases:
        events = list(case.events.all())
        # The log: seq 1..n, n the case's version, in the order things happened, nothing ahead.
        assert [event.seq for event in events] == list(range(1, case.version + 1)), case.case_no
        times = [event.occurred_at for event in events]
        assert times == sorted(times) and times[-1] <= timezone.now()
        assert events[0].kind == EventKind.SUBMITTED
        # The applicant: valid identity numbers, shown in public by surname only.
        applicant = Applicant.clean({"type": case.applicant_type, "name": case.applicant_name,
                                     "id_type": case.applicant_id_type,
                                     "id_no": case.applicant_id_no,
                                     "contact_phone": case.contact_phone})  # fmt: skip
        assert case.applicant_public_name == applicant.public_name
        # Steps in order: the done ones first, each after the one before.
        steps = case.steps_list
        done = [step for step in steps if step.completed_at is not None]
        assert done == steps[: len(done)]
        assert [s.completed_at for s in done] == sorted(s.completed_at for s in done)
        if case.accepted_at is None:
            continue
        # The promised date as the services compute it, stops and extension included.
        assert case.due_on == services.due_explained(case).on, case.case_no
        if case.state == State.FINISHED:
            end = timezone.localdate(case.finished_at)
            start = timezone.localdate(case.accepted_at)
            stopped = sum(calendar.working_days_between(s.started_on - datetime.timedelta(1),
                                                        s.ended_on - datetime.timedelta(1))
                          for s in case.clock_stops.all())  # fmt: skip
            assert case.working_days_used == calendar.working_days_between(start, end) - stopped
            assert case.on_time == (end <= case.due_on)
            assert case.current_step == len(steps) and case.current_posts == ""
        elif case.state in (State.IN_PROGRESS, State.CORRECTION, State.SPECIAL):
            assert case.current_posts == steps[case.current_step].posts
            assert steps[case.current_step].started_at is not None
    states = Counter(case.state for case in cases)
    finished = [case for case in cases if case.state == State.FINISHED]
    late = sum(1 for case in finished if not case.on_time)
    assert 0.03 < late / len(finished) < 0.25
    assert states[State.REJECTED] and all(c.rejection_reason for c in cases
                                          if c.state == State.REJECTED)  # fmt: skip
    assert states[State.IN_PROGRESS] + states[State.CORRECTION] + states[State.SUBMITTED]
    assert ClockStop.objects.filter(kind=ClockStop.Kind.CORRECTION).exists()
    assert any(case.correction_count for case in cases)
    assert len({case.channel for case in cases}) == 4
    assert made.samples


def test_the_services_carry_a_generated_running_case_on(demo):
    # A month up to a fixed Thursday evening: many still running, and the same cases whatever
    # the day the test runs (from a Saturday, the online applications still waiting are fewer).
    thursday = datetime.datetime(2026, 12, 3, 19, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    generate_cases(200, months=1, seed=11, now=thursday)
    running = (
        Case.objects.filter(state=State.IN_PROGRESS, channel__in=[Channel.WINDOW, Channel.ONLINE])
        .order_by("-accepted_at").first()
    )  # fmt: skip
    step = running.current
    holder = Post.objects.get(department=running.department_id,
                              name=step.post_names[0]).members.first()  # fmt: skip
    # Somebody not holding the post cannot do the step; its holder can.
    stranger = Post.objects.exclude(department=running.department_id).first().members.first()
    with pytest.raises(services.PermissionDenied):
        services.step_complete(running, actor=Actor(user=stranger), position=step.position)
    version = running.version
    services.step_complete(running, actor=Actor(user=holder), position=step.position,
                           opinion="同意", result="granted", result_description="")  # fmt: skip
    running.refresh_from_db()
    assert running.version == version + 1
    assert running.events.order_by("-seq").first().seq == running.version
    assert running.steps_list[step.position].completed_by == holder

    # An online application of the last days waits for the window, which accepts it.
    waiting = Case.objects.filter(state=State.SUBMITTED).first()
    assert waiting.channel == Channel.ONLINE and not waiting.public
    accepting = waiting.steps_list[services.acceptance_position(waiting)]
    assert waiting.current_posts == accepting.posts
    clerk = Post.objects.get(department=waiting.department_id,
                             name=accepting.post_names[0]).members.first()  # fmt: skip
    services.case_accept(waiting, actor=Actor(user=clerk), version=waiting.version)
    waiting.refresh_from_db()
    assert waiting.state == State.IN_PROGRESS and waiting.public
    assert waiting.due_on == services.due_explained(waiting).on


def test_generating_twice_adds_other_cases_and_the_command_says_how_long(demo, capsys):
    call_command("generate_demo_cases", count=30, seed=3)
    call_command("generate_demo_cases", count=30, seed=3)
    assert Case.objects.filter(generated=True).count() == 60
    assert Case.objects.values("case_no").distinct().count() == 60
    out = capsys.readouterr().out
    assert "演示办件（生成，非真实办件）：30 件" in out and "查询示例" in out
