"""The admin is protected: repeated wrong passwords lock the account and the address out for a
while (the right password included), staff sessions end after a working day and when idle,
passwords follow a government's rules, and every page sends a Content-Security-Policy that
allows nothing from another host."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from access.sessions import SEEN, STARTED
from tests.factories import make_user

pytestmark = pytest.mark.django_db
GOOD = "Dept-editor-2026"


def sign_in(client, username, password, ip="10.3.3.3"):
    return client.post(reverse("wagtailadmin_login"), {"username": username,
                       "password": password}, REMOTE_ADDR=ip)  # fmt: skip


@pytest.fixture
def official(db):
    user = make_user("jtj-official")
    user.set_password(GOOD)
    user.save()
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    return user


def test_the_right_password_signs_in(client, official):
    response = sign_in(client, "jtj-official", GOOD)
    assert response.status_code == 302
    assert client.get(reverse("wagtailadmin_home")).status_code == 200


def test_wrong_passwords_lock_the_account_out_even_with_the_right_one_then(client, official):
    statuses = [sign_in(client, "jtj-official", f"wrong-{n}").status_code for n in range(5)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    locked = sign_in(client, "jtj-official", GOOD)
    assert locked.status_code == 429 and "登录已暂停" in locked.content.decode()
    # from another address too: the account is locked, not only the address
    assert sign_in(client, "jtj-official", GOOD, ip="10.4.4.4").status_code == 429
    # another official is not locked out from another address
    other = make_user("spj-official")
    other.set_password(GOOD)
    other.save()
    assert sign_in(client, "spj-official", GOOD, ip="10.5.5.5").status_code == 302


def test_an_address_guessing_many_accounts_is_locked_out(client, official):
    for n in range(5):
        sign_in(client, f"nobody-{n}", "guess", ip="10.6.6.6")
    assert sign_in(client, "jtj-official", GOOD, ip="10.6.6.6").status_code == 429
    assert sign_in(client, "jtj-official", GOOD, ip="10.7.7.7").status_code == 302


def test_an_idle_session_ends_and_so_does_one_older_than_a_working_day(client, official, settings):
    client.force_login(official)
    home = reverse("wagtailadmin_home")
    assert client.get(home).status_code == 200
    session = client.session
    session[SEEN] = int(time.time()) - settings.STAFF_IDLE_MINUTES * 60 - 5
    session.save()
    idle = client.get(home)
    assert idle.status_code == 302 and reverse("wagtailadmin_login") in idle["Location"]
    assert client.get(home).status_code == 302  # signed out

    client.force_login(official)
    session = client.session
    session[STARTED] = int(time.time()) - settings.STAFF_SESSION_HOURS * 3600 - 5
    session.save()
    assert client.get(home).status_code == 302
    client.force_login(official)
    assert client.get(home).status_code == 200  # a fresh sign-in works


WEAK = ["short-1A", "jtj-official-2026", "1234567890123", "alllowercaseletters", "password12345"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_in_chinese_a_strong_one_is_taken(official, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, official)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(refused.value.messages))
    validate_password("Zhengwu-Gongkai-2026", official)


def test_every_kind_of_page_sends_a_policy_that_allows_nothing_external(client, power):
    admin = make_user("root", superuser=True)
    for url in ["/", power.url, "/search/?q=许可", "/api/v3/docs/", reverse("wagtailadmin_login")]:
        policy = client.get(url).headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "script-src 'self'" in policy, url
        assert "http" not in policy and "*" not in policy, url
    client.force_login(admin)
    assert (
        "default-src 'self'" in client.get(reverse("wagtailadmin_home"))["Content-Security-Policy"]
    )
