"""办件公示: anyone sees the accepted cases of the district newest first, filtered by department,
power, state and month, each with its steps and the officials who handled them; nobody sees an
identity number, a phone, an address or a full personal name, nor a withheld or void case."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.applicants import Applicant
from cases.models import Case, Result, State, WithholdReason
from cases.services import Actor

ID_NO = "11010519491231002X"
PHONE = "13912345678"
PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": ID_NO, "contact_phone": PHONE,
          "address": "成华区建设北路二段4号"}  # fmt: skip


def applicant(**changes):
    return Applicant.clean({**PERSON, **changes})


def finished(licence, window, reviewer, head, **changes):
    case = services.window_open(licence, applicant(**changes), user=window).case
    services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="材料齐全")
    services.step_complete(case, actor=Actor(user=head), position=2, opinion="准予",
                           result=Result.GRANTED)  # fmt: skip
    return Case.objects.get(pk=case.pk)


def assert_no_personal_data(html):
    for secret in (ID_NO, PHONE, "欧阳娜娜", "建设北路", ID_NO[-4:] + "<", PHONE[-4:]):
        assert secret not in html


def test_a_citizen_sees_finished_cases_with_masked_applicants_and_their_steps(
    client, licence, window, reviewer, head
):
    reviewer.first_name, reviewer.last_name = "明", "李"
    reviewer.save()
    case = finished(licence, window, reviewer, head)

    listing = client.get("/cases/")
    html = listing.content.decode()
    assert listing.status_code == 200
    assert case.case_no in html and "欧阳**" in html and "准予" in html and "按期" in html
    assert_no_personal_data(html)

    page = client.get(f"/cases/{case.case_no}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "受理" in html and "审查" in html and "决定" in html
    assert "审核岗" in html  # the post of the step
    assert "期限是怎样计算的" in html and "起算" in html
    assert_no_personal_data(html)


def test_a_legal_persons_name_is_shown_in_full(client, licence, window):
    organisation = {"type": "organisation", "name": "成都顺达物流有限公司",
                    "id_no": "91510108MA6CGXXB2W", "contact_phone": PHONE}  # fmt: skip
    services.window_open(licence, Applicant.clean(organisation), user=window)
    assert "成都顺达物流有限公司" in client.get("/cases/").content.decode()


def test_withheld_void_and_waiting_cases_stay_out_of_public_display(
    client, licence, window, reviewer, head
):
    shown = finished(licence, window, reviewer, head)
    withheld = services.window_open(licence, applicant(), user=window).case
    services.publicity_set(withheld, actor=Actor(user=window), withhold=True,
                           reason=WithholdReason.PRIVACY)  # fmt: skip
    void = services.window_open(licence, applicant(), user=window).case
    services.case_close(void, actor=Actor(user=head), state=State.VOID, reason="重复录入")
    waiting = services.application_submit(licence, applicant()).case

    html = client.get("/cases/").content.decode()
    assert shown.case_no in html
    for hidden in (withheld, void, waiting):
        assert hidden.case_no not in html
        assert client.get(f"/cases/{hidden.case_no}/").status_code == 404
    assert client.get(f"/cases/{shown.case_no}/").status_code == 200


def test_filters_narrow_the_list_and_bad_values_are_ignored_with_a_message(
    client, licence, window, reviewer, head
):
    done = finished(licence, window, reviewer, head)
    running = services.window_open(licence, applicant(), user=window).case

    by_state = client.get("/cases/", {"state": "finished"}).content.decode()
    assert done.case_no in by_state and running.case_no not in by_state
    by_dept = client.get("/cases/", {"dept": "TRANSPORT", "power": licence.code}).content.decode()
    assert done.case_no in by_dept and running.case_no in by_dept
    month = done.accepted_at.strftime("%Y-%m")
    assert done.case_no in client.get("/cases/", {"month": month}).content.decode()
    assert done.case_no not in client.get("/cases/", {"month": "2001-01"}).content.decode()

    for params, message in (
        ({"state": "bogus"}, "没有这个办理状态"),
        ({"month": "2026-13"}, "月份的格式"),
        ({"dept": "NOWHERE"}, "没有这个部门"),
        ({"power": "x" * 500}, "参数过长"),
        ({"after": "9999999999999999999999-1"}, "翻页参数无效"),
    ):
        response = client.get("/cases/", params)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html and done.case_no in html  # the rest of the list still shows


def test_pages_follow_each_other_without_counting_every_row(
    client, licence, window, reviewer, head, monkeypatch
):
    monkeypatch.setattr("cases.views.PAGE_SIZE", 2)
    cases = [services.window_open(licence, applicant(), user=window).case for _ in range(5)]
    rejected = services.application_submit(licence, applicant()).case
    services.case_reject(rejected, actor=Actor(user=window), reason="不属于本部门管辖")
    seen, url = [], "/cases/"
    while url:
        response = client.get(url)
        page = response.context["cases"]
        seen += [case.case_no for case in page]
        url = "/cases/" + response.context["next_url"] if response.context["next_url"] else ""
    expected = [case.case_no for case in cases] + [rejected.case_no]
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    assert seen[0] in (cases[-1].case_no, rejected.case_no)  # newest first

    with CaptureQueriesContext(connection) as queries:
        client.get("/cases/", {"dept": "TRANSPORT"})
    counts = [q["sql"] for q in queries if "COUNT" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_the_power_page_shows_this_years_figures_and_the_way_to_apply_online(
    client, licence, window, reviewer, head
):
    finished(licence, window, reviewer, head)
    from django.core.cache import cache

    cache.clear()
    html = client.get(licence.url).content.decode()
    assert "办件情况" in html and "年受理" in html and "按期办结率" in html
    assert "100.0%" in html
    assert f"/cases/apply/{licence.code}/" in html


def test_cached_pages_show_a_completed_step_at_once(client, licence, window, reviewer):
    from django.core.cache import cache

    case = services.window_open(licence, applicant(), user=window).case
    cache.clear()
    for url in ("/cases/", licence.url):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    # A case's own page is always rendered live.
    page = f"/cases/{case.case_no}/"
    client.get(page)
    assert client.get(page).get("X-Page-Cache") != "hit"
    services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="材料齐全")
    for url in ("/cases/", licence.url):
        assert client.get(url)["X-Page-Cache"] == "miss"
    assert "已完成" in client.get(page).content.decode()
