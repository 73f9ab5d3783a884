"""An integrator opens the API's interactive documentation in a browser, finds the catalogue's
endpoints in Chinese and tries one: the answer is the live catalogue, from this server alone
(the documentation's scripts and styles are served here, no CDN)."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import load_base_data, publish_power


@pytest.fixture
def catalogue(transactional_db):
    load_base_data()
    publish_power()  # 道路货物运输经营许可


@pytest.mark.django_db(transaction=True)
def test_an_integrator_tries_the_powers_endpoint_in_the_docs(live_server, desktop, catalogue):
    outside = []
    desktop.on("request", lambda request: outside.append(request.url)
               if not request.url.startswith(live_server.url) else None)  # fmt: skip
    desktop.goto(live_server.url + "/api/v3/docs/")
    expect(desktop.get_by_text("行政权力网上公开透明运行平台 开放接口").first).to_be_visible()
    operation = desktop.locator("#operations-powers-powers_list")
    expect(operation).to_be_visible()
    operation.locator(".opblock-summary").click()
    desktop.get_by_role("button", name="Try it out").click()
    operation.locator("input[placeholder='type']").fill("01")
    desktop.get_by_role("button", name="Execute").click()
    body = operation.locator(".responses-wrapper .highlight-code").first
    expect(body).to_contain_text("道路货物运输经营许可")
    expect(body).to_contain_text(re.compile(r'"count":\s*1'))
    assert outside == [], outside
