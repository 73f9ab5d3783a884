"""A department's business system pushes its cases and their steps through /api/v3/cases/ with the
department's token, idempotent by its own ids; citizens read 办件公示 there without any personal
data, and the department's token reads the full record, masked."""

import datetime
import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.utils import timezone

from access.models import PersonalDataView
from cases.models import Case, CaseEvent, State
from tests.cases.conftest import holder
from tests.factories import bearer, publish_power, road_transport_licence

pytestmark = pytest.mark.django_db
PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X",
          "contact_phone": "13912345678", "address": "广安区滨河路 8 号"}  # fmt: skip
CASES = "/api/v3/cases/"


def ago(**delta) -> str:
    return (timezone.now() - datetime.timedelta(**delta)).isoformat()


def case_push(licence, external_id="YW-2026-0001", **changes):
    body = {
        "power": licence.code, "external_id": external_id, "applicant": PERSON,
        "submitted_at": ago(hours=5),
        "acceptance": {"handler": "王受理", "post": "窗口受理岗", "accepted_at": ago(hours=4)},
    }  # fmt: skip
    return {**body, **changes}


def step(external_id, position, when, **changes):
    return {"external_id": external_id, "kind": "complete_step", "position": position,
            "occurred_at": when, "handler": "李审核", "post": "审核岗", "opinion": "符合条件",
            **changes}  # fmt: skip


def post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def licence(db):
    """The transport bureau's road freight licence, published: 受理 (窗口受理岗) → 审查 (审核岗)
    → 决定 (分管领导)."""
    return publish_power(road_transport_licence(online_depth=4))


@pytest.fixture
def system():
    """The transport bureau's business system: an account of the bureau with an API token."""
    return bearer(holder("transport-system", "窗口受理岗"), name="交通运输业务系统")


def test_a_business_system_pushes_a_case_and_its_steps_to_the_end(client, licence, system):
    created = post(client, CASES, case_push(licence), system)
    assert created.status_code == 201, created.content
    receipt = created.json()
    assert receipt["created"] and receipt["password"] and receipt["state"]["label"] == "办理中"
    case_no = receipt["case_no"]
    events = f"{CASES}{case_no}/events/"

    reviewed = post(client, events, step("EV-1", 2, ago(hours=3)), system)
    assert reviewed.status_code == 201, reviewed.content
    assert reviewed.json()["current_step"] == 3
    decided = post(client, events, step("EV-2", 3, ago(hours=2), handler="赵局长",
                                        post="分管领导", result="granted"), system)  # fmt: skip
    assert decided.status_code == 201, decided.content
    assert decided.json()["state"]["code"] == "finished"

    case = Case.objects.get(case_no=case_no)
    assert case.state == State.FINISHED and case.result == "granted" and case.on_time
    assert [s.handler_name for s in case.steps_list] == ["王受理", "李审核", "赵局长"]
    # every change is in the log, the system's event ids with it
    assert list(case.events.values_list("external_id", flat=True)) == ["", "", "EV-1", "EV-2"]
    # and the public sees the finished case with its steps
    public = client.get(f"{CASES}{case_no}/").json()
    assert public["view"] == "public" and public["result"]["label"] == "准予"
    assert [s["handler_name"] for s in public["steps"]] == ["王受理", "李审核", "赵局长"]


def test_a_retried_push_changes_nothing(client, licence, system):
    first = post(client, CASES, case_push(licence), system)
    again = post(client, CASES, case_push(licence), system)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["case_no"] == first.json()["case_no"] and not again.json()["password"]
    events = f"{CASES}{first.json()['case_no']}/events/"
    body = step("EV-1", 2, ago(hours=3))
    assert post(client, events, body, system).status_code == 201
    counts = (Case.objects.count(), CaseEvent.objects.count())
    retried = post(client, events, body, system)
    assert retried.status_code == 200 and not retried.json()["created"]
    assert retried.json()["seq"] == CaseEvent.objects.get(external_id="EV-1").seq
    assert (Case.objects.count(), CaseEvent.objects.count()) == counts


def test_another_departments_token_is_refused_while_its_own_succeeds(client, licence, system):
    stranger = bearer(holder("approval-system", "受理岗", department="APPROVAL"))
    refused = post(client, CASES, case_push(licence), stranger)
    assert refused.status_code == 403 and "本部门" in refused.json()["detail"]
    assert not Case.objects.exists()
    created = post(client, CASES, case_push(licence), system)
    assert created.status_code == 201
    events = f"{CASES}{created.json()['case_no']}/events/"
    refused = post(client, events, step("EV-1", 2, ago(hours=3)), stranger)
    assert refused.status_code == 403 and "本部门" in refused.json()["detail"]
    assert post(client, events, step("EV-1", 2, ago(hours=3)), system).status_code == 201


def test_steps_out_of_order_or_in_the_future_are_refused_in_chinese(client, licence, system):
    case_no = post(client, CASES, case_push(licence), system).json()["case_no"]
    events = f"{CASES}{case_no}/events/"
    skipped = post(client, events, step("EV-9", 3, ago(hours=3), result="granted"), system)
    assert skipped.status_code == 409 and "按顺序" in skipped.json()["detail"]
    future = post(client, events, step("EV-8", 2, ago(hours=-3)), system)
    assert future.status_code == 422 and "晚于现在" in future.json()["detail"]
    earlier = post(client, events, step("EV-7", 2, ago(days=3)), system)
    assert earlier.status_code == 409 and "顺序" in earlier.json()["detail"]
    assert Case.objects.get().version == 2  # submitted, accepted: nothing else written
    assert post(client, events, step("EV-1", 2, ago(hours=3)), system).status_code == 201


def test_correction_special_procedure_fee_and_withdrawal_pushed_as_they_happened(
    client, licence, system
):
    case_no = post(client, CASES, case_push(licence), system).json()["case_no"]
    events = f"{CASES}{case_no}/events/"
    pushes = [
        {"kind": "correction_request", "items": "补交车辆检测报告", "handler": "李审核",
         "post": "审核岗"},
        {"kind": "correction_received", "note": "已补交"},
        {"kind": "special_start", "procedure": "expert_review", "reason": "需专家评审",
         "handler": "李审核", "post": "审核岗"},
        {"kind": "special_end", "result": "评审通过"},
        {"kind": "fee", "fee_due": "100.00", "fee_paid": "80", "fee_waived": "20"},
        {"kind": "withdraw", "reason": "申请人主动撤回"},
    ]  # fmt: skip
    states = []
    for n, push in enumerate(pushes):
        body = {"external_id": f"EV-{n}", "occurred_at": ago(hours=3, minutes=-n), **push}
        response = post(client, events, body, system)
        assert response.status_code == 201, (push["kind"], response.content)
        states.append(response.json()["state"]["label"])
    assert states == ["补正中", "办理中", "特别程序中", "办理中", "办理中", "撤回"]
    case = Case.objects.get()
    assert case.correction_count == 1 and case.clock_stops.count() == 2
    assert str(case.fee_paid) == "80.00" and case.state == State.WITHDRAWN
    # a withdrawn case takes no further step
    late = post(client, events, step("EV-9", 2, ago(minutes=1)), system)
    assert late.status_code == 409 and "撤回" in late.json()["detail"]


def test_an_extension_names_the_head_who_approved_it(client, licence, system):
    holder("head", "分管领导", heads=("分管领导",))
    case_no = post(client, CASES, case_push(licence), system).json()["case_no"]
    events = f"{CASES}{case_no}/events/"
    extend = {
        "external_id": "EX-1",
        "kind": "extend",
        "occurred_at": ago(hours=3),
        "days": 5,
        "reason": "需现场核查车辆",
        "approver": {"name": "赵局长", "post": "审核岗"},
    }
    refused = post(client, events, extend, system)
    assert refused.status_code == 422 and "负责人" in refused.json()["detail"]
    extend["approver"]["post"] = "分管领导"
    granted = post(client, events, extend, system)
    assert granted.status_code == 201, granted.content
    assert Case.objects.get().extension_days == 5


def test_the_public_view_has_no_personal_data_and_the_department_sees_it_masked(
    client, licence, system
):
    case_no = post(client, CASES, case_push(licence), system).json()["case_no"]
    secrets = ("11010519491231002X", "13912345678", "欧阳娜娜", "滨河路")
    for url in (CASES, f"{CASES}{case_no}/", f"{CASES}?dept=TRANSPORT"):
        text = client.get(url).content.decode()
        assert "欧阳**" in text and not any(secret in text for secret in secrets), url
    stranger = bearer(holder("approval-clerk", "受理岗", department="APPROVAL"))
    assert client.get(f"{CASES}{case_no}/", headers=stranger).json()["view"] == "public"

    full = client.get(f"{CASES}{case_no}/", headers=system).json()
    assert full["view"] == "full" and full["external_id"] == "YW-2026-0001"
    applicant = full["applicant_detail"]
    assert applicant["masked"] and applicant["id_no"] == "1101**********002X"
    assert applicant["contact_phone"] == "139****5678" and applicant["name"] == "欧***"
    assert [e["kind"]["label"] for e in full["events"]] == ["提交申请", "受理"]
    assert not PersonalDataView.objects.exists()

    officer = holder("officer", "审核岗")
    officer.user_permissions.add(Permission.objects.get(codename="view_personal_data"))
    revealed = client.get(f"{CASES}{case_no}/", headers=bearer(officer)).json()
    assert revealed["applicant_detail"]["id_no"] == "11010519491231002X"
    assert not revealed["applicant_detail"]["masked"]
    assert PersonalDataView.objects.filter(user=officer).count() == 1


def test_a_batch_answers_item_by_item(client, licence, system):
    items = [
        {"case": case_push(licence, "YW-1")},
        {"case_external_id": "YW-1", "event": step("EV-1", 2, ago(hours=3))},
        {"case_external_id": "YW-1", "event": step("EV-2", 2, ago(hours=2))},  # done already
        {"case": case_push(licence, "YW-2", power="NO-SUCH-POWER")},
        {"case_external_id": "YW-1", "event": step("EV-1", 2, ago(hours=3))},  # a retry
    ]
    response = post(client, f"{CASES}batch/", {"items": items}, system)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["status"] for r in body["results"]] == [201, 201, 409, 422, 200]
    assert (body["created"], body["retried"], body["refused"]) == (2, 1, 2)
    assert "NO-SUCH-POWER" in body["results"][3]["detail"]
    assert body["results"][0]["password"] and not body["results"][1]["password"]
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 3
    # the same batch again changes nothing
    again = post(client, f"{CASES}batch/", {"items": items}, system).json()
    assert [r["status"] for r in again["results"]] == [200, 200, 409, 422, 200]
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 3


def test_a_batch_of_steps_reads_each_case_once(client, licence, system):
    """No query per item beyond the step's own work: the batch reads its cases and their
    recorded event ids at once, and the working calendar once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cases = [{"case": case_push(licence, f"YW-{n}")} for n in range(20)]
    assert post(client, f"{CASES}batch/", {"items": cases}, system).json()["created"] == 20
    steps = [{"case_external_id": f"YW-{n}", "event": step(f"EV-{n}", 2, ago(hours=3))}
             for n in range(20)]  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        body = post(client, f"{CASES}batch/", {"items": steps}, system).json()
    assert body["created"] == 20
    # per step: lock the case, read its steps and its last event, two steps, the case, the log
    # (and a savepoint's two statements here, inside the test's transaction)
    assert len(queries) <= 20 * 10 + 10, len(queries)
    calendars = [q for q in queries.captured_queries if "workdays_calendarday" in q["sql"]]
    assert len(calendars) == 1


def test_the_public_list_shows_a_push_at_once(client, licence, system):
    assert client.get(CASES).json()["count"] == 0
    assert client.get(CASES)["X-Page-Cache"] == "hit"  # kept for the next caller
    post(client, CASES, case_push(licence), system)
    assert client.get(CASES).json()["count"] == 1


@pytest.mark.parametrize(
    "body",
    ["[]", "null", "1", '"x"', {"power": 1}, {"external_id": "\x00"},
     {"items": [{"case": {"power": "x" * 1000}}]}],
)  # fmt: skip
def test_malformed_pushes_are_refused_naming_the_fields(client, licence, system, body):
    for url in (CASES, f"{CASES}batch/"):
        response = post(client, url, body, system)
        assert response.status_code in (400, 422), response.content
        assert response["Content-Type"].startswith("application/problem+json")
    assert not Case.objects.exists()


def test_control_characters_anywhere_in_a_push_are_refused(client, licence, system):
    passport = {**PERSON, "id_type": "passport", "id_no": "E\x0012345"}
    response = post(client, CASES, case_push(licence, applicant=passport), system)
    assert response.status_code == 422 and "applicant.id_no" in response.json()["detail"]
    case_no = post(client, CASES, case_push(licence), system).json()["case_no"]
    for body in (
        {"items": [{"case_no": "\x00", "event": step("E", 2, ago(hours=3))}]},
        {"items": [{"case_no": case_no, "event": step("E\x00", 2, ago(hours=3))}]},
    ):
        result = post(client, f"{CASES}batch/", body, system).json()["results"][0]
        assert result["status"] in (404, 422), result
    assert Case.objects.count() == 1 and CaseEvent.objects.count() == 2


def test_a_case_push_names_what_is_wrong(client, licence, system):
    bad = case_push(licence, applicant={**PERSON, "id_no": "110105194912310021"},
                    submitted_at=10**30)  # fmt: skip
    response = post(client, CASES, bad, system)
    assert response.status_code == 422
    assert "submitted_at" in response.json()["detail"]
    bad = case_push(licence, applicant={**PERSON, "id_no": "110105194912310021"})
    response = post(client, CASES, bad, system)
    assert response.status_code == 422 and "身份证" in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["applicant", "applicant_id_no"]
    assert post(client, CASES, case_push(licence), system).status_code == 201


def test_the_public_list_filters_and_refuses_unknown_filters(client, licence, system):
    post(client, CASES, case_push(licence), system)
    month = timezone.localdate().strftime("%Y-%m")
    for query in (f"dept=TRANSPORT&month={month}", f"power={licence.code}", "state=办理中"):
        assert client.get(f"{CASES}?{query}").json()["count"] == 1, query
    assert client.get(f"{CASES}?dept=APPROVAL").json()["count"] == 0
    assert client.get(f"{CASES}?month=2026-13").status_code == 400
    assert client.get(f"{CASES}?department=TRANSPORT").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_eight_systems_pushing_with_retries_lose_nothing_and_duplicate_nothing():
    """8 threads push 5 cases each and their two remaining steps, every tenth push sent twice
    (some at the same moment): afterwards every case and event is there exactly once."""
    _eight_systems_push()


@pytest.mark.django_db(transaction=True)
def test_eight_systems_pushing_batches_committed_once_lose_nothing(settings):
    """The same in batches committed once each (CASES_BATCH_COMMIT = "batch"), every tenth
    item repeated, two systems sending overlapping batches at the same moment."""
    settings.CASES_BATCH_COMMIT = "batch"
    _eight_systems_push(batches=True)


def _eight_systems_push(batches=False):
    from tests.factories import load_base_data

    load_base_data()
    power = publish_power(road_transport_licence(online_depth=4))
    headers = bearer(holder("transport-system", "窗口受理岗"))
    from django.test import Client

    failures, lock = [], threading.Lock()
    counter = iter(range(10**6))

    def send(http, url, body):
        n = next(counter)
        for _ in range(2 if n % 10 == 0 else 1):
            response = post(http, url, body, headers)
            if response.status_code not in (200, 201):
                with lock:
                    failures.append((url, response.status_code, response.content[:300]))
        return response

    def batch_worker(w):
        http = Client()
        try:
            # systems w and w^1 send the same cases: every push meets a rival
            pair = w // 2
            items = [{"case": case_push(power, f"P{pair}-C{c}")} for c in range(5)]
            for position, hours in ((2, 3), (3, 2)):
                items += [
                    {"case_external_id": f"P{pair}-C{c}",
                     "event": step(f"P{pair}-C{c}-E{position}", position, ago(hours=hours),
                                   result="granted")}
                    for c in range(5)
                ]  # fmt: skip
            items += items[::10]
            response = post(http, f"{CASES}batch/", {"items": items}, headers)
            refused = [r for r in response.json()["results"] if r["status"] >= 400]
            # a rival's concurrent change may be answered 409 "please retry": retried, it is a 200
            if refused:
                response = post(http, f"{CASES}batch/", {"items": items}, headers)
                refused = [r for r in response.json()["results"] if r["status"] >= 400]
            if response.status_code != 200 or refused:
                with lock:
                    failures.append(refused[:3] or response.content[:300])
        finally:
            connection.close()

    def worker(w):
        http = Client()
        try:
            for c in range(5):
                ext = f"W{w}-C{c}"
                case_no = send(http, CASES, case_push(power, ext)).json()["case_no"]
                events = f"{CASES}{case_no}/events/"
                send(http, events, step(f"{ext}-E2", 2, ago(hours=3)))
                send(http, events, step(f"{ext}-E3", 3, ago(hours=2), result="granted"))
        finally:
            connection.close()

    target = batch_worker if batches else worker
    threads = [threading.Thread(target=target, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    total = 20 if batches else 40
    assert Case.objects.count() == total
    assert Case.objects.filter(state=State.FINISHED).count() == total
    assert CaseEvent.objects.exclude(external_id="").count() == total * 2
    assert CaseEvent.objects.count() == total * 4


def test_the_legal_office_token_reads_the_public_record_and_cannot_push(client, licence,
                                                                       system):  # fmt: skip
    """Only the department's own staff read the full record or push its events; the legal
    office sees 公示 through the API (and every case, masked, in the admin)."""
    from tests.factories import legal_office_user

    case_no = post(client, CASES, case_push(licence), system).json()["case_no"]
    office = bearer(legal_office_user("fzb-api"))
    record = client.get(f"{CASES}{case_no}/", headers=office).json()
    assert record["view"] == "public" and record["applicant_detail"] is None
    assert record["applicant"] == "欧阳**" and not record["events"]
    pushed = post(client, f"{CASES}{case_no}/events/", step("EV-9", 2, ago(hours=3)), office)
    assert pushed.status_code == 403
    own = client.get(f"{CASES}{case_no}/", headers=system).json()
    assert own["view"] == "full" and own["applicant_detail"]["masked"] is True
    assert post(client, f"{CASES}{case_no}/events/", step("EV-9", 2, ago(hours=3)),
                system).status_code == 201  # fmt: skip
