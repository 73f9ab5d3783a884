"""A real Chromium (Debian's package) driven by Playwright, against a live server."""

import os
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip("没有找到 Chromium（/usr/bin/chromium）：请先 `make browser-deps`")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests touch the database only
    # before and after driving the browser, never concurrently with it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


# Recorded in every page the tests open: a Content-Security-Policy violation fails the test.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _watched_page(context):
    violations = []
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.on("console", lambda message: violations.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)  # fmt: skip
    return page, violations


@pytest.fixture
def phone(chromium):
    """A citizen's phone: narrow screen, touch, Chinese."""
    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    page, violations = _watched_page(context)
    yield page
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def desktop(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page, violations = _watched_page(context)
    yield page
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def open_page(chromium):
    """A new browser context and page, watched for CSP violations like phone and desktop:
    open_page(viewport=…, java_script_enabled=False, …)."""
    contexts, seen = [], []

    def open_(**options):
        context = chromium.new_context(**{"locale": "zh-CN", **options})
        page, violations = _watched_page(context)
        contexts.append(context)
        seen.append(violations)
        return page

    yield open_
    for context in contexts:
        context.close()
    found = [v for violations in seen for v in violations]
    assert not found, f"Content-Security-Policy violations: {found}"


def axe_violations(page, minimum=("serious", "critical")):
    # Evaluated through the browser's debugging protocol: the page's own CSP (no inline script)
    # does not apply to the test's tooling.
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]])
        for violation in result["violations"]
        if violation["impact"] in minimum
    ]


def login(open_page, live_server, username):
    """A member of staff signs in through the admin's form (password "pass", as made by
    tests.factories.make_user); returns the admin home page."""
    page = open_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(20000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass")
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    return page
