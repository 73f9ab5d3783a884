"""A citizen rates a power from the city's mobile app: the same checks, limits and receipt as the
form on the power's page, and the same lookup."""

import pytest

from feedback.models import Feedback

pytestmark = pytest.mark.django_db
CODE = "511A0142000000-511602000000-000-TEST-1-00"


def post(client, key="", **body):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v3/feedback/", body, content_type="application/json",
                       REMOTE_ADDR="198.51.100.7", headers=headers)  # fmt: skip


def test_a_rating_from_the_app_gets_a_receipt_and_can_be_looked_up(client, power):
    response = post(client, power=CODE, kind="complaint", comment="窗口排队一个小时",
                    phone="13812345678", name="李四")  # fmt: skip
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["tracking_no"].startswith("PJ") and receipt["lookup_code"] == ""
    assert receipt["reply_due_on"]  # a complaint has a reply deadline
    stored = Feedback.objects.get(tracking_no=receipt["tracking_no"])
    assert stored.department.code == "TRANSPORT" and stored.phone == "13812345678"

    wrong = client.get(f"{receipt['lookup_url']}?verifier=0000")
    assert wrong.status_code == 404
    found = client.get(f"{receipt['lookup_url']}?verifier=5678").json()
    assert found["status"] == {"code": "received", "label": "已受理"}
    assert found["target"] == "道路货物运输经营许可" and found["comment"] == "窗口排队一个小时"
    assert "13812345678" not in str(found) and "李四" not in str(found)


def test_the_forms_checks_apply_in_chinese(client, power):
    missing = post(client, power=CODE, kind="evaluation").json()
    assert missing["code"] == "invalid_body" and "请选择满意程度" in missing["detail"]
    empty = post(client, power=CODE, kind="complaint").json()
    assert "投诉需要写明具体内容" in empty["detail"]
    phone = post(client, power=CODE, kind="evaluation", rating=4, phone="12345").json()
    assert "11 位手机号码" in phone["detail"]
    kind = post(client, power=CODE, kind="praise", rating=4).json()
    assert kind["errors"][0]["loc"] == ["kind"]
    unknown = post(client, power=CODE, kind="evaluation", rating=4, website="http://x").json()
    assert unknown["code"] == "invalid_body" and unknown["errors"][0]["loc"] == ["website"]
    assert Feedback.objects.count() == 0
    # corrected, the same rating is taken and stored
    fixed = post(client, power=CODE, kind="evaluation", rating=4, phone="13812345678")
    assert fixed.status_code == 201, fixed.content[:300]
    assert Feedback.objects.get().phone == "13812345678"


def test_a_double_tap_is_one_submission_and_a_flood_is_refused(client, power, settings):
    settings.FEEDBACK_RATE_LIMITS = {**settings.FEEDBACK_RATE_LIMITS, "ip_per_minute": 3}
    first = post(client, "app-7f3a", power=CODE, kind="evaluation", rating=5).json()
    again = post(client, "app-7f3a", power=CODE, kind="evaluation", rating=5).json()
    assert again["folded"] and again["tracking_no"] == first["tracking_no"]
    for rating in (4, 3):
        assert post(client, power=CODE, kind="evaluation", rating=rating).status_code == 201
    flood = post(client, power=CODE, kind="evaluation", rating=2)
    assert flood.status_code == 429 and flood.json()["code"] == "rate_limited"
    assert Feedback.objects.count() == 3


def test_a_neighbour_behind_the_same_address_never_gets_anothers_receipt(client, power):
    """Two citizens in one office (one address) give the same rating within a minute: each gets
    a receipt of their own — a shared one would show the other's reply."""
    mine = post(client, power=CODE, kind="evaluation", rating=1, name="张三").json()
    theirs = post(client, power=CODE, kind="evaluation", rating=1).json()
    assert not theirs["folded"] and theirs["tracking_no"] != mine["tracking_no"]
    assert theirs["lookup_code"] != mine["lookup_code"]
    assert Feedback.objects.count() == 2


def test_lookups_are_rate_limited_like_the_lookup_page(client, power, settings):
    settings.FEEDBACK_RATE_LIMITS = {**settings.FEEDBACK_RATE_LIMITS, "lookups_per_minute": 2}
    receipt = post(client, power=CODE, kind="inquiry", comment="需要带身份证吗？").json()
    mine = f"{receipt['lookup_url']}?verifier={receipt['lookup_code']}"
    # within the limit the citizen's own lookup answers, and a wrong one is not found
    assert client.get(mine).status_code == 200
    assert client.get("/api/v3/feedback/PJ20260101-ABCD/?verifier=1234").status_code == 404
    # over it, even the right one waits
    assert client.get(mine).status_code == 429


def test_guessing_a_numbers_four_digits_from_many_addresses_locks_the_number(
    client, power, settings
):
    limits = settings.FEEDBACK_RATE_LIMITS
    settings.FEEDBACK_RATE_LIMITS = {**limits, "failed_lookups_per_number": 3}
    receipt = post(client, power=CODE, kind="complaint", comment="窗口排队", phone="13812345678")
    url = receipt.json()["lookup_url"]
    assert client.get(f"{url}?verifier=5678", REMOTE_ADDR="198.51.100.9").status_code == 200
    answers = [
        client.get(f"{url}?verifier={guess:04}", REMOTE_ADDR=f"203.0.113.{guess}").status_code
        for guess in range(4)
    ]
    assert answers == [404, 404, 404, 429]
    # the right digits no longer help today: the citizen calls 12345 instead
    locked = client.get(f"{url}?verifier=5678", REMOTE_ADDR="198.51.100.9")
    assert locked.status_code == 429 and "12345" in locked.json()["detail"]
    # another citizen's number still answers its own digits
    other = post(client, power=CODE, kind="complaint", comment="无人接听", phone="13900001111")
    other_url = other.json()["lookup_url"]
    assert client.get(f"{other_url}?verifier=1111", REMOTE_ADDR="198.51.100.9").status_code == 200
