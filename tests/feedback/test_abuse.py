"""Evaluation stays open to anonymous citizens and cannot be flooded: one browser rates a power
once a day, one address a few times; a burst of bad ratings from few sources is held for the
legal office instead of counting and opening reply deadlines; a rating is an integer 1–5; a
stranger guessing a receipt cannot lock its owner out; limits hold exactly under concurrency."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from feedback.models import Feedback
from feedback.selectors import COUNTED
from feedback.services import hold_release
from tests.factories import (
    department_editor,
    legal_office_user,
    publish_power,
    road_transport_licence,
)

pytestmark = pytest.mark.django_db


def rate(power, rating="1", *, ip="10.0.0.1", browser=None, comment=""):
    client = Client()
    if browser:
        client.cookies["csrftoken"] = browser
    return client.post(reverse("feedback_submit"),
                       {"power": power.code, "kind": "evaluation", "rating": rating,
                        "comment": comment}, REMOTE_ADDR=ip)  # fmt: skip


def test_one_browser_rates_a_power_once_a_day_and_another_power_too(power):
    other = publish_power(road_transport_licence(code="OTHER-1", title="另一事项"))
    assert rate(power, "5", browser="b" * 32).status_code == 200
    refused = rate(power, "1", browser="b" * 32)
    assert refused.status_code == 429 and "每天可评价一次" in refused.content.decode()
    assert rate(other, "5", browser="b" * 32).status_code == 200
    assert rate(power, "4", browser="c" * 32).status_code == 200  # another browser, same address
    assert Feedback.objects.filter(power=power).count() == 2


def test_one_address_rates_one_power_a_few_times_a_day_other_addresses_still_can(power, settings):
    settings.FEEDBACK_RATE_LIMITS = {
        **settings.FEEDBACK_RATE_LIMITS,
        "ratings_per_target_ip_day": 3,
    }
    statuses = [rate(power, "4", browser=f"{n:032d}").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert rate(power, "4", ip="10.0.0.2", browser="z" * 32).status_code == 200
    assert Feedback.objects.count() == 4


def test_a_burst_of_bad_ratings_from_few_sources_is_held_not_counted(client, power):
    department = power.get_parent().specific
    for n in range(6):  # one person, two addresses, new browsers each time
        assert rate(power, "1", ip=f"10.9.9.{n % 2}", browser=f"{n:032d}").status_code == 200
    held = Feedback.objects.filter(power=power, held=True)
    assert held.count() >= 2 and all(f.due_on is None for f in held)  # no deadline, no cards
    assert "疑似集中刷评" in held.first().hold_reason
    counted = Feedback.objects.filter(COUNTED, power=power).count()
    assert counted == 6 - held.count()

    # the department does not get a red card for them; the legal office sees why
    reviewer = legal_office_user()
    client.force_login(reviewer)
    listing = client.get(reverse("feedback_admin:index"), {"state": "held"}).content.decode()
    assert held.first().tracking_no in listing and "待核实" in listing
    detail = client.get(reverse("feedback_admin:detail", args=[held.first().pk])).content.decode()
    assert "疑似集中刷评" in detail

    # releasing one counts it from today, with a deadline; removing one keeps it stored
    first, second = held[0], held[1]
    hold_release(first, user=reviewer, count_it=True, note="电话核实为真实评价")
    hold_release(second, user=reviewer, count_it=False)
    first.refresh_from_db()
    second.refresh_from_db()
    assert not first.held and first.due_on is not None and first in Feedback.objects.filter(COUNTED)
    assert second.excluded_from_statistics and Feedback.objects.filter(pk=second.pk).exists()
    # a department editor cannot decide
    with pytest.raises(Exception, match="权限"):
        hold_release(held.last(), user=department_editor(), count_it=True)
    assert department.pk


def test_many_citizens_bad_ratings_are_not_a_burst(power):
    for n in range(8):  # eight people, eight addresses
        assert rate(power, "1", ip=f"10.8.{n}.1", browser=f"{n:032d}").status_code == 200
    assert not Feedback.objects.filter(held=True).exists()
    assert Feedback.objects.filter(COUNTED, power=power).count() == 8
    assert all(f.due_on for f in Feedback.objects.filter(power=power))


@pytest.mark.parametrize("rating", [True, "4", 4.0, 0, 6, None])
def test_a_rating_through_the_api_is_an_integer_from_1_to_5(client, power, rating):
    url = "/api/v3/feedback/"
    refused = client.post(url, {"power": power.code, "kind": "evaluation", "rating": rating},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 422
    assert not Feedback.objects.exists()
    taken = client.post(url, {"power": power.code, "kind": "evaluation", "rating": 4},
                        content_type="application/json")  # fmt: skip
    assert taken.status_code == 201 and Feedback.objects.get().rating == 4


def lookup(number, verifier, ip):
    return Client().post(reverse("feedback_lookup"), {"tracking_no": number,
                         "verifier": verifier}, REMOTE_ADDR=ip)  # fmt: skip


def test_a_stranger_guessing_a_receipt_cannot_lock_its_owner_out(power, settings):
    response = Client().post(reverse("feedback_submit"), {"power": power.code,
                             "kind": "complaint", "comment": "窗口排队", "phone": "13800138000"},
                             REMOTE_ADDR="10.1.1.1")  # fmt: skip
    number = Feedback.objects.get().tracking_no
    assert response.status_code == 200
    answers = [lookup(number, f"{n:04d}", "203.0.113.7").status_code for n in range(12)]
    assert answers[-1] == 429  # the stranger is stopped
    # the owner, from their own address, still finds it
    assert "已受理" in lookup(number, "8000", "198.51.100.20").content.decode()


def test_a_tracking_number_typed_in_full_width_lower_case_or_with_spaces_is_found(power):
    Client().post(reverse("feedback_submit"), {"power": power.code, "kind": "complaint",
                  "comment": "窗口排队", "phone": "13800138000"})  # fmt: skip
    number = Feedback.objects.get().tracking_no
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in number)
    for typed in (full_width, number.lower(), " ".join(number), number.replace("-", "－")):
        assert "已受理" in lookup(typed, "８０００", "10.2.2.2").content.decode(), typed


@pytest.mark.django_db(transaction=True)
def test_thirty_posts_eight_at_a_time_accept_exactly_the_limit(settings):
    from tests.factories import load_base_data

    load_base_data()
    power = publish_power()
    settings.RATE_LIMIT_STORE = "database"  # exact without Redis
    settings.FEEDBACK_RATE_LIMITS = {**settings.FEEDBACK_RATE_LIMITS, "ip_per_minute": 10,
                                     "ratings_per_target_ip_day": 1000}  # fmt: skip
    statuses, lock = [], threading.Lock()

    def post(n):
        try:
            code = rate(power, "5", browser=f"{n:032d}", comment=f"第{n}条").status_code
        finally:
            connection.close()
        with lock:
            statuses.append(code)

    for start in range(0, 30, 8):
        threads = [
            threading.Thread(target=post, args=(n,)) for n in range(start, min(start + 8, 30))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(statuses).count(200) == 10 and statuses.count(429) == 20
    assert Feedback.objects.count() == 10


def test_a_hostile_client_hidden_among_honest_bad_ratings_is_still_held(power):
    for n in range(6):  # six citizens, each a bad rating of their own
        assert rate(power, "2", ip=f"10.8.{n}.1", browser=f"h{n:031d}").status_code == 200
    for n in range(5):  # one address, a new browser each time
        assert rate(power, "1", ip="10.66.6.6", browser=f"x{n:031d}").status_code == 200
    hostile = Feedback.objects.filter(power=power, rating=1)
    honest = Feedback.objects.filter(power=power, rating=2)
    assert hostile.count() == 5 and all(f.held for f in hostile)
    assert not honest.filter(held=True).exists() and honest.filter(COUNTED).count() == 6


def test_a_name_too_long_comes_back_beside_the_name_field(power):
    complaint = {"power": power.code, "kind": "complaint", "comment": "窗口排队"}
    response = Client().post(reverse("feedback_submit"), {**complaint, "name": "张" * 31})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="fb-name-error-page"' in page and "姓名最多 30 字" in page
    assert not Feedback.objects.exists()
    taken = Client().post(reverse("feedback_submit"), {**complaint, "name": "张" * 30})
    assert taken.status_code == 200 and Feedback.objects.get().name == "张" * 30
