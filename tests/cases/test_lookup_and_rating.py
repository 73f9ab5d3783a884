"""The applicant looks their case up with the number and password on the receipt (or the
phone's last four digits): where it stands, each step done, what they must bring (补正), the due
date; once it is finished they rate it, once. Guessing locks the number out, as for feedback."""

from cases import services
from cases.applicants import Applicant
from cases.models import Result
from cases.services import Actor
from feedback.models import Feedback

PERSON = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X",
          "contact_phone": "13912345678"}  # fmt: skip


def opened(licence, window):
    return services.window_open(licence, Applicant.clean(PERSON), user=window)


def look_up(client, case_no, verifier):
    return client.post("/cases/lookup/", {"case_no": case_no, "verifier": verifier})


def test_the_applicant_sees_the_steps_and_what_to_bring_for_a_correction(
    client, licence, window, reviewer
):
    case_opened = opened(licence, window)
    case = case_opened.case
    services.correction_request(case, actor=Actor(user=reviewer),
                                items="请补充：车辆行驶证复印件（加盖公章）")  # fmt: skip

    form = client.get("/cases/lookup/", {"no": case.case_no})
    assert form.status_code == 200 and case.case_no in form.content.decode()
    assert "no-cache" in form["Cache-Control"] or "max-age=0" in form["Cache-Control"]

    response = look_up(client, case.case_no.lower(), case_opened.password)
    html = response.content.decode()
    assert response.status_code == 200
    assert "补正中" in html and "车辆行驶证复印件" in html and "需要您补正的材料" in html
    assert "窗口受理岗" in html and "承诺办结日期" in html
    assert "评价本次办理" not in html  # not finished yet

    # The last four digits of the phone work too; a wrong password finds nothing.
    assert "补正中" in look_up(client, case.case_no, "5678").content.decode()
    wrong = look_up(client, case.case_no, "000000").content.decode()
    assert "没有找到" in wrong and "补正中" not in wrong


def test_a_malformed_number_is_told_its_format(client, db):
    response = look_up(client, "12345", "123456")
    assert response.status_code == 400 and "办件编号的格式" in response.content.decode()


def test_guessing_a_password_locks_that_number_out_from_that_address(client, licence, window):
    case_opened = opened(licence, window)
    for attempt in range(10):  # ten wrong answers are answered "not found"
        assert look_up(client, case_opened.case.case_no, f"{attempt:06d}").status_code == 200
    assert look_up(client, case_opened.case.case_no, "999999").status_code == 429
    locked = look_up(client, case_opened.case.case_no, case_opened.password)
    assert locked.status_code == 429 and "核对失败的次数过多" in locked.content.decode()
    # Another address still gets its answer.
    other = client.post("/cases/lookup/", {"case_no": case_opened.case.case_no,
                                           "verifier": case_opened.password},
                        REMOTE_ADDR="10.0.0.9")  # fmt: skip
    assert other.status_code == 200 and "办理中" in other.content.decode()


def test_the_applicant_rates_a_finished_case_once_and_it_counts_as_verified(
    client, licence, window, reviewer, head
):
    case_opened = opened(licence, window)
    case = case_opened.case
    services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="材料齐全")
    services.step_complete(case, actor=Actor(user=head), position=2, opinion="准予",
                           result=Result.GRANTED)  # fmt: skip

    found = look_up(client, case.case_no, case_opened.password)
    assert "评价本次办理" in found.content.decode()
    token = found.context["rating_form"]["token"].value()

    # No level chosen: told so, nothing recorded.
    missing = client.post("/cases/lookup/", {"token": token, "comment": "很快"})
    assert missing.status_code == 400 and "请选择满意程度" in missing.content.decode()
    assert not Feedback.objects.exists()

    rated = client.post("/cases/lookup/", {"token": token, "rating": "5", "comment": "办得很快"})
    assert rated.status_code == 200 and "感谢您的评价" in rated.content.decode()
    feedback = Feedback.objects.get()
    assert feedback.case_no == case.case_no and feedback.rating == 5 and feedback.verified
    assert feedback.power_id == licence.pk

    again = client.post("/cases/lookup/", {"token": token, "rating": "1"})
    assert again.status_code == 400 and "只能评价一次" in again.content.decode()
    assert Feedback.objects.count() == 1
    later = look_up(client, case.case_no, case_opened.password).content.decode()
    assert "已评价" in later and "评价本次办理" not in later


def test_a_forged_rating_token_is_refused(client, licence, window):
    response = client.post("/cases/lookup/", {"token": "forged:abc", "rating": "1"})
    assert response.status_code == 400 and "评价页面已过期" in response.content.decode()
    assert not Feedback.objects.exists()


def test_evaluation_results_show_case_ratings_apart_from_anonymous_ones(
    client, licence, window, reviewer, head
):
    from feedback.models import Kind
    from feedback.services import Submission, feedback_submit

    case = opened(licence, window).case
    services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="材料齐全")
    services.step_complete(case, actor=Actor(user=head), position=2, opinion="准予",
                           result=Result.GRANTED)  # fmt: skip
    case.refresh_from_db()
    services.case_rate(case, rating=5, ip="10.0.0.1")
    feedback_submit(Submission(kind=Kind.EVALUATION, rating=1, comment="", power=licence),
                    ip="10.0.0.2")  # fmt: skip

    from django.utils import timezone

    response = client.get("/evaluation/", {"period": f"{timezone.localdate():%Y-%m}"})
    total = response.context["results"].total
    assert (total.ratings, total.verified, total.anonymous) == (2, 1, 1)
    assert total.verified_rate_percent == "100.0%" and total.anonymous_rate_percent == "0.0%"
    html = response.content.decode()
    assert "办件评价" in html and "其他评价（未核验身份）" in html
