"""绩效评估, as the district publishes it: a department's cases this month give its indicators
(on time, early, time used, online, ratings, 督办 answered on time), red cards and findings
deduct, the weights a site administrator sets decide the score and the grade; /performance/
shows the ranking with charts and the same figures in tables, CSV and XLSX, and the API gives
the same numbers. A complete period is computed once and kept."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import services
from cases.applicants import Applicant
from cases.models import Case, Result
from cases.services import Actor
from supervision import services as supervision
from supervision.models import Evaluation, FaultKind, Measure, PerformanceSettings
from supervision.performance import Period, evaluate, evaluation_for
from tests.factories import legal_office_user

PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X"}


@pytest.fixture
def month(licence, window, reviewer, head):
    """This month at the transport bureau: three cases finished (one of them late), one more
    applied for online and waiting; two ratings; one 督办 answered on time; one finding."""
    finished = []
    for late in (False, False, True):
        case = services.window_open(licence, Applicant.clean(PERSON), user=window).case
        if late:
            Case.objects.filter(pk=case.pk).update(
                due_on=timezone.localdate() - datetime.timedelta(days=1))  # fmt: skip
        services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="同意")
        services.step_complete(case, actor=Actor(user=head), position=2, opinion="准予",
                               result=Result.GRANTED)  # fmt: skip
        finished.append(Case.objects.get(pk=case.pk))
    services.application_submit(licence, Applicant.clean(PERSON))
    services.case_rate(finished[0], rating=5)
    services.case_rate(finished[2], rating=1)
    fzb = legal_office_user()
    order = supervision.order_issue(user=fzb, case=finished[2], requirement="说明超期原因",
                                    days=3)  # fmt: skip
    supervision.order_answer(order, user=reviewer, answer="已说明")
    supervision.finding_record(
        user=fzb, case=finished[2], post="审核岗", person="李审核",
        fault_kind=FaultKind.objects.get(name="超期办理"),
        measure=Measure.objects.get(name="批评教育"), facts="超期一天",
        decided_on=timezone.localdate(),
    )  # fmt: skip
    return finished


def this_month():
    return Period("month", timezone.localdate().replace(day=1))


def test_a_departments_indicators_and_score_come_from_its_cases(month):
    (result,) = evaluate(this_month())
    assert result.title == "广安市广安区交通运输局" and result.rank == 1
    f, i = result.figures, result.indicators
    assert (f["finished"], f["on_time"], f["late"], f["submitted"], f["online"]) == (3, 2, 1, 4, 1)
    assert i["on_time"] == pytest.approx(2 / 3)
    assert i["online"] == pytest.approx(1 / 4)
    assert i["satisfaction"] == pytest.approx(1 / 2)  # 非常满意 and 非常不满意
    assert i["orders"] == 1.0 and f["findings"] == 1
    # Done the same day: no working day used, the time indicator full.
    assert i["speed"] == 1.0 and i["early"] == 1.0
    settings = PerformanceSettings.load()
    expected = sum(i[name] * weight for name, weight in settings.weights().items())
    red = f["red"] * 100 / 3 * float(settings.red_card_deduction)
    assert f["red"] >= 1  # the late case, at least
    assert result.score == pytest.approx(
        round(expected - min(20, red) - float(settings.finding_deduction), 1), abs=0.15
    )
    assert result.grade == settings.grade(result.score)


def test_the_weights_a_site_administrator_sets_decide_the_score(month):
    settings = PerformanceSettings.load()
    before = evaluate(this_month())[0].score
    settings.weight_on_time, settings.weight_satisfaction = 10, 50
    settings.full_clean()
    settings.save()
    after = evaluate(this_month())[0].score
    assert after < before  # satisfaction (50%) now weighs more than on time (67%)
    settings.weight_online = 50
    with pytest.raises(ValidationError, match="合计应为 100"):
        settings.full_clean()


def test_the_public_page_downloads_and_api_show_the_same_figures(client, month):
    period = this_month()
    (result,) = evaluate(period)
    page = client.get("/performance/", {"period": period.param})
    html = page.content.decode()
    assert page.status_code == 200
    assert "广安市广安区交通运输局" in html and f"{result.score:.1f}" in html
    assert "<svg" in html and "<title" in html and "计分方法" in html
    assert "66.7%" in html  # the on-time rate, in the table beside the chart
    csv_text = client.get("/performance/download.csv", {"period": period.param}).content
    assert "交通运输局" in csv_text.decode("utf-8-sig") and "66.7%" in csv_text.decode("utf-8-sig")
    from openpyxl import load_workbook

    xlsx = client.get("/performance/download.xlsx", {"period": period.param})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert (
        sheet.cell(2, 2).value == "广安市广安区交通运输局"
        and sheet.cell(2, 4).value == result.score
    )
    api = client.get("/api/v3/stats/performance/", {"period": period.param}).json()
    assert api["departments"][0]["score"] == result.score
    assert api["departments"][0]["figures"]["finished"] == 3 and not api["complete"]
    assert "超期办理" in html and api["findings"] == [
        {"department": "广安市广安区交通运输局", "fault_kind": "超期办理", "count": 1}
    ]
    # No names of officials in public: the finding counts, its person does not show.
    assert "李审核" not in html and "李审核" not in csv_text.decode("utf-8-sig")


def test_periods_not_begun_or_malformed_are_refused_in_chinese(client, db):
    future = client.get("/performance/", {"period": "2099-Q1"})
    assert future.status_code == 404
    assert client.get("/performance/", {"period": "去年"}).status_code == 404
    api = client.get("/api/v3/stats/performance/", {"period": "2026-Q9"})
    assert api.status_code == 400 and "无效" in api.json()["detail"]


def test_a_complete_period_is_kept_and_computed_again_when_the_weights_change(month):
    today = timezone.localdate()
    period = this_month()
    later = period.end + datetime.timedelta(days=3)  # the month is over
    first = evaluation_for(period, today=later)
    assert Evaluation.objects.filter(period=period.param).count() == 1
    kept = Evaluation.objects.get(period=period.param)
    assert float(kept.score) == first[0].score
    Case.objects.update(on_time=True)  # were the history to change, a kept result stays
    assert evaluation_for(period, today=later)[0].score == first[0].score
    settings = PerformanceSettings.load()
    settings.weight_on_time, settings.weight_online = 30, 20
    settings.save()
    again = evaluation_for(period, today=later)[0]
    assert again.score != first[0].score
    assert evaluation_for(period, today=today)[0].figures["late"] == 0  # running: live


def test_a_site_administrator_tunes_rules_and_weights_in_the_admin(client, db):
    from supervision.models import AlertRule
    from tests.factories import department_editor, site_admin_user

    client.force_login(site_admin_user())
    url = client.get("/admin/settings/supervision/performancesettings/")["Location"]
    assert client.get(url).status_code == 200
    form = {"weight_on_time": 50, "weight_early": 10, "weight_speed": 10, "weight_orders": 10,
            "weight_satisfaction": 20, "weight_online": 10, "red_card_deduction": "0.2",
            "finding_deduction": "2", "excellent": 90, "good": 80, "passing": 60}  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 200 and "合计应为 100" in response.content.decode()
    assert PerformanceSettings.load().weight_on_time == 40  # unchanged
    form["weight_on_time"] = 40
    form["weight_online"] = 10
    assert client.post(url, form).status_code == 302

    rule = AlertRule.objects.get(code="case_time_used")
    edit = f"/admin/snippets/supervision/alertrule/edit/{rule.pk}/"
    data = {"name": rule.name, "level": "red", "threshold": "150", "enabled": "on",
            "description": rule.description}  # fmt: skip
    refused = client.post(edit, data)
    assert refused.status_code == 200 and "阈值应在 1 到 99" in refused.content.decode()
    data["threshold"] = "70"
    assert client.post(edit, data).status_code == 302
    rule.refresh_from_db()
    assert rule.threshold == 70 and rule.level == "red"

    client.force_login(department_editor())  # a department does not tune its own supervision
    assert client.get(edit).status_code in (302, 403)
    assert client.get(url).status_code in (302, 403)
