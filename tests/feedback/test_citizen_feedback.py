"""Citizens rate powers, complain and look their submissions up; the hall shows the results."""

import re

import pytest
from django.urls import reverse

from feedback.models import Feedback, Kind
from feedback.services import feedback_moderate, feedback_reply

pytestmark = pytest.mark.django_db


def submit(client, on, **fields):
    data = {"power": on.code, "kind": "evaluation", "rating": "5", "comment": ""}
    data.update(fields)
    return client.post(reverse("feedback_submit"), data, REMOTE_ADDR=fields.pop("ip", "10.0.0.1"))


def tracking_no(response):
    return re.search(r"PJ\d{8}-[0-9A-Z]{4}", response.content.decode()).group(0)


def test_an_anonymous_citizen_rates_a_power_and_looks_it_up_with_the_receipt_code(client, power):
    before = client.get(power.url)
    assert "还没有评价" in before.content.decode()

    response = submit(client, power, rating="4", comment="窗口服务很耐心")
    assert response.status_code == 200
    page = response.content.decode()
    number = tracking_no(response)
    code = re.search(r"receipt__code\">([0-9A-Z]{6})<", page).group(1)

    # the rating counts at once, on the page the citizen came from (even though it was cached)
    after = client.get(power.url).content.decode()
    assert "满意率 <strong>100.0%</strong>（1 条评价）" in after
    # the comment waits for moderation
    assert "窗口服务很耐心" not in after

    found = client.post(reverse("feedback_lookup"), {"tracking_no": number, "verifier": code})
    assert "已受理" in found.content.decode() and power.title in found.content.decode()
    wrong = client.post(reverse("feedback_lookup"), {"tracking_no": number, "verifier": "ABCDEF"})
    unknown = client.post(
        reverse("feedback_lookup"), {"tracking_no": "PJ20200101-AAAA", "verifier": code}
    )
    for answer in (wrong, unknown):
        assert "没有找到：请核对受理编号" in answer.content.decode()
        assert power.title not in answer.content.decode().split("查询结果")[1]

    # once the department publishes the comment, it is on the page
    from tests.factories import department_editor

    feedback_moderate(Feedback.objects.get(tracking_no=number), user=department_editor(),
                      publish=True)  # fmt: skip
    assert "窗口服务很耐心" in client.get(power.url).content.decode()


def test_a_real_name_complaint_is_routed_answered_and_shown_after_moderation(client, power):
    from tests.factories import department_editor

    response = submit(client, power, kind="complaint", rating="1", comment="窗口多次让我补材料",
                      name="张三", phone="138 0013 8000", consent_to_contact="on")  # fmt: skip
    feedback = Feedback.objects.get(tracking_no=tracking_no(response))
    assert feedback.department.code == "TRANSPORT"
    assert feedback.phone == "13800138000" and feedback.masked_phone == "138****8000"
    # 15 working days for a complaint, from the calendar (a weekend or holiday never counts)
    from workdays.calendar import WorkCalendar

    created = feedback.created_at.astimezone().date()
    assert WorkCalendar.load().working_days_between(created, feedback.due_on) == 15

    editor = department_editor("TRANSPORT")
    feedback_reply(feedback, user=editor, text="已约谈窗口负责人，一次性告知材料清单。")
    feedback_moderate(feedback, user=editor, publish=True)
    page = client.get(power.url).content.decode()
    assert "窗口多次让我补材料" in page and "已约谈窗口负责人" in page
    assert "张三" not in page and "13800138000" not in page and "8000" not in page

    found = client.post(reverse("feedback_lookup"),
                        {"tracking_no": feedback.tracking_no, "verifier": "8000"})  # fmt: skip
    assert "已约谈窗口负责人" in found.content.decode()


def test_another_departments_editor_cannot_handle_the_complaint_its_own_editor_can(power):
    from django.core.exceptions import PermissionDenied

    from feedback.selectors import feedback_for
    from tests.factories import department_editor

    feedback = Feedback.objects.create(tracking_no="PJ20261128-AAAA", power=power,
                                       department=power.get_parent().specific, kind=Kind.COMPLAINT,
                                       comment="投诉", phone="13800138000")  # fmt: skip
    outsider = department_editor("APPROVAL")
    assert not feedback_for(outsider).exists()
    with pytest.raises(PermissionDenied):
        feedback_reply(feedback, user=outsider, text="不是我们的")

    own_editor = department_editor("TRANSPORT")
    assert list(feedback_for(own_editor)) == [feedback]
    feedback_reply(feedback, user=own_editor, text="已核实并约谈窗口负责人")
    feedback.refresh_from_db()
    assert feedback.reply == "已核实并约谈窗口负责人" and feedback.replied_by == own_editor


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"rating": ""}, "请选择满意程度"),
        ({"comment": "长" * 501}, "最多 500 字"),
        ({"phone": "12345"}, "11 位手机号码"),
        ({"kind": "praise"}, "请选择有效的类别"),
        ({"rating": "6"}, "请选择有效的满意程度"),
        ({"kind": "report", "comment": ""}, "举报需要写明具体内容"),
        ({"power": "NO-SUCH-CODE"}, "没有找到要评议的事项"),
        ({"website": "http://spam.example"}, "提交未成功"),
    ],
)
def test_bad_input_comes_back_in_chinese_and_stores_nothing_corrected_input_is_stored(
    client, power, fields, message
):
    response = submit(client, power, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Feedback.objects.exists()
    corrected = submit(client, power, comment="办事很顺利")
    assert corrected.status_code == 200
    assert Feedback.objects.get(tracking_no=tracking_no(corrected)).comment == "办事很顺利"


def test_a_double_click_is_stored_once_and_a_flood_is_refused(client, power, settings):
    first = submit(client, power, comment="同样的内容")
    second = submit(client, power, comment="同样的内容")
    assert tracking_no(first) == tracking_no(second)
    assert "没有重复记录" in second.content.decode()
    assert Feedback.objects.count() == 1

    settings.FEEDBACK_RATE_LIMITS = {**settings.FEEDBACK_RATE_LIMITS, "ip_per_minute": 3}
    statuses = [submit(client, power, comment=f"第{i}条").status_code for i in range(5)]
    assert statuses == [200, 200, 429, 429, 429]  # the first submission above counted too
    assert "提交过于频繁" in submit(client, power, comment="再来").content.decode()
    assert Feedback.objects.count() == 3


def test_two_people_in_one_office_get_receipts_of_their_own(power):
    """Same address, same rating, a few seconds apart, two browsers: two submissions — folding
    them would hand one person the other's receipt and, with it, the reply."""
    from django.test import Client

    receipts = []
    for cookie in ("a" * 32, "b" * 32):
        browser = Client()
        browser.cookies["csrftoken"] = cookie
        receipts.append(tracking_no(submit(browser, power, rating="1")))
    assert receipts[0] != receipts[1]
    assert Feedback.objects.count() == 2


def test_the_form_needs_the_visitors_own_csrf_token_even_on_a_cached_page(power):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(power.url)
    page = second.get(power.url)
    assert page["X-Page-Cache"] == "hit"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert token != "__csrf_token_hole__" and "csrftoken" in page.cookies
    data = {"power": power.code, "kind": "evaluation", "rating": "5"}
    assert (
        Client(enforce_csrf_checks=True).post(reverse("feedback_submit"), data).status_code == 403
    )
    data["csrfmiddlewaretoken"] = token
    assert second.post(reverse("feedback_submit"), data).status_code == 200


def test_the_published_results_show_the_rates_of_a_known_set_of_ratings(client, power):
    from django.utils import timezone

    department = power.get_parent().specific
    now = timezone.now()
    for rating in [5, 5, 4, 3, 2, 1, 1, 5]:  # 5 satisfied of 8
        Feedback.objects.create(tracking_no=f"PJ{now:%Y%m%d}-{rating}{Feedback.objects.count():03d}",
                                power=power, department=department, power_type="01",
                                kind=Kind.EVALUATION, rating=rating)  # fmt: skip
    malicious = Feedback.objects.filter(rating=1).first()
    malicious.excluded_from_statistics = True  # granted appeal: stored, not counted
    malicious.save()

    month = {"period": f"{timezone.localdate():%Y-%m}"}
    page = client.get(reverse("evaluation"), month).content.decode()
    assert "评价 7 条，满意率 <strong>71.4%</strong>，差评 2 条" in page
    assert "广安市广安区交通运输局" in page and "行政许可" in page
    assert "<svg" in page and "各部门满意率" in page  # the chart, beside its table
    # Without a choice the page opens on the last complete month: not these ratings.
    assert "评价 7 条" not in client.get(reverse("evaluation")).content.decode()

    csv = client.get(reverse("evaluation_csv"), month).content.decode("utf-8-sig")
    assert "部门,广安市广安区交通运输局" in csv and ",7,5,71.4%,2," in csv
    xlsx = client.get(reverse("evaluation_xlsx"), month)
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_a_department_page_takes_feedback_for_the_department(client, power):
    department = power.get_parent().specific
    page = client.get(department.url).content.decode()
    assert 'name="dept" value="TRANSPORT"' in page and "我要评价、咨询或投诉" in page
    data = {"dept": "TRANSPORT", "kind": "suggestion", "comment": "希望延长午间办公"}
    response = client.post(reverse("feedback_submit"), data)
    feedback = Feedback.objects.get(tracking_no=tracking_no(response))
    assert feedback.department == department and feedback.power is None
    assert feedback.due_on is None  # a suggestion has no reply deadline


def lookup(client, number, verifier, ip="127.0.0.1"):
    return client.post(reverse("feedback_lookup"), {"tracking_no": number, "verifier": verifier},
                       REMOTE_ADDR=ip)  # fmt: skip


def test_guessing_lookups_from_one_address_is_slowed_down(client, power, settings):
    settings.FEEDBACK_RATE_LIMITS = {**settings.FEEDBACK_RATE_LIMITS, "lookups_per_minute": 3}
    receipt = submit(client, power, kind="complaint", comment="窗口排队", phone="13800138000")
    number = tracking_no(receipt)
    # within the limit the citizen's own lookup finds it
    assert "已受理" in lookup(client, number, "8000").content.decode()
    answers = [lookup(client, "PJ20261128-AAAA", f"{n:04d}").status_code for n in range(4)]
    assert answers == [200, 200, 429, 429]
    # over it, even the right digits wait
    assert lookup(client, number, "8000").status_code == 429


def test_guessing_one_numbers_digits_from_many_addresses_locks_that_number(client, power, settings):
    settings.FEEDBACK_RATE_LIMITS = {**settings.FEEDBACK_RATE_LIMITS,
                                     "failed_lookups_per_number": 2}  # fmt: skip
    number = tracking_no(submit(client, power, kind="complaint", comment="窗口排队",
                                phone="13800138000"))  # fmt: skip
    assert "已受理" in lookup(client, number, "8000", ip="198.51.100.9").content.decode()
    answers = [lookup(client, number, f"{n:04d}", ip=f"203.0.113.{n}") for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "12345" in answers[-1].content.decode()
    # the right digits no longer open this number today; another citizen's number still opens
    assert lookup(client, number, "8000", ip="198.51.100.9").status_code == 429
    other = tracking_no(submit(client, power, kind="complaint", comment="无人接听",
                               phone="13900001111"))  # fmt: skip
    assert "已受理" in lookup(client, other, "1111", ip="198.51.100.9").content.decode()


def test_a_department_made_private_leaves_the_published_results(client, power):
    from django.utils import timezone
    from wagtail.models import PageViewRestriction

    department = power.get_parent().specific
    Feedback.objects.create(tracking_no=f"PJ{timezone.now():%Y%m%d}-PRIV", power=power,
                            department=department, power_type="01", kind=Kind.EVALUATION,
                            rating=5)  # fmt: skip
    month = {"period": f"{timezone.localdate():%Y-%m}"}
    assert department.title in client.get(reverse("evaluation"), month).content.decode()

    PageViewRestriction.objects.create(page=department, restriction_type="login")
    assert department.title not in client.get(reverse("evaluation"), month).content.decode()
