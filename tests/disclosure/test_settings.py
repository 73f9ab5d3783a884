"""Production settings are safe: the deploy checklist is clean and secrets are required."""

import os
import secrets
import subprocess
import sys

from django.conf import settings


def run_manage(*args, env_overrides):
    env = {**os.environ, **env_overrides}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env["DJANGO_SETTINGS_MODULE"] = "disclosure.settings.production"
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_checklist_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "quanli.example.gov.cn",
            "WAGTAILADMIN_BASE_URL": "https://quanli.example.gov.cn",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage(
        "check", env_overrides={"DJANGO_SECRET_KEY": "", "DJANGO_ALLOWED_HOSTS": "x.gov.cn"}
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_base_settings_are_safe_by_default():
    from disclosure.settings import base

    assert base.DEBUG is False
    assert base.SECRET_KEY == os.environ.get("DJANGO_SECRET_KEY", "")
    assert base.LANGUAGE_CODE == "zh-hans"
    assert base.TIME_ZONE == "Asia/Shanghai"


def test_public_pages_cannot_be_framed_but_admin_previews_can(client, db):
    assert client.get("/").headers["X-Frame-Options"] == "DENY"
    assert client.get("/admin/login/").headers["X-Frame-Options"] == "SAMEORIGIN"
