"""A citizen on a phone searches the hall: suggestions while typing, results with the words
marked, a filter, and a way on when nothing matches; then the same without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from catalogue.services import CitationData
from tests.browser.conftest import login
from tests.factories import (
    content_admin_user,
    load_base_data,
    make_department,
    publish_power,
    road_transport_licence,
)


@pytest.fixture
def hall(transactional_db):
    load_base_data()
    publish_power(road_transport_licence())  # 道路货物运输经营许可
    publish_power(
        road_transport_licence(
            code="PENALTY-1",
            title="对未取得道路运输经营许可擅自从事道路运输经营的行政处罚",
            power_type="02",
            citations=[CitationData(law_title="道路运输条例", articles="第六十三条")],
            tags=[],
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_citizen_searches_filters_and_is_helped_when_nothing_matches(live_server, phone, hall):
    phone.goto(live_server.url + "/search/")
    box = phone.get_by_label("关键词")
    box.press_sequentially("道路运", delay=60)
    # the suggestions list fills with power names as the citizen types
    options = phone.locator("#search-suggestions option")
    expect(options).to_have_count(2)
    assert "道路货物运输经营许可" in options.evaluate_all("os => os.map(o => o.value)")

    box.fill("道路运输经营")
    box.press("Enter")
    expect(phone).to_have_url(re.compile(r"/search/\?q="))
    main = phone.locator("main")
    expect(main.locator(".results__count")).to_contain_text("找到 2 个")
    expect(main.locator(".search-hits mark").first).to_have_text(re.compile("道路运输|经营"))

    main.get_by_role("link", name=re.compile(r"行政处罚（1）")).click()
    expect(phone).to_have_url(re.compile(r"type=02"))
    hits = main.locator(".search-hits > li")
    expect(hits).to_have_count(1)
    expect(hits).to_contain_text("擅自从事道路运输经营的行政处罚")
    # the selected filter says so and takes itself away again
    main.get_by_role("link", name=re.compile("行政处罚（1）.*已选中")).click()
    expect(main.locator(".search-hits > li")).to_have_count(2)

    box = phone.get_by_label("关键词")
    box.fill("量子计算")
    box.press("Enter")
    expect(main).to_contain_text("没有找到")
    main.get_by_role("link", name="职权目录").click()
    expect(phone.locator("h1")).to_have_text(re.compile("职权目录"))


@pytest.mark.django_db(transaction=True)
def test_the_search_form_works_without_javascript(live_server, open_page, hall):
    page = open_page(java_script_enabled=False)
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox").first.fill("货物运输")
    page.get_by_role("button", name="搜索").first.click()
    first = page.locator(".search-hits > li").first
    expect(first).to_contain_text("道路货物运输经营许可")
    expect(first.locator("mark").first).to_have_text("货物运输")


@pytest.mark.django_db(transaction=True)
def test_a_content_administrator_confirms_how_the_search_read_a_saying(live_server, phone,
                                                                        open_page):  # fmt: skip
    """A citizen asks 转外地医院看病; no phrase of the lexicon is in it, the search reads it as
    异地就医 on its own and says so. In 搜索词学习 the administrator sees that reading with the
    words filled in and confirms it with one click; the next citizen's search is understood,
    not guessed."""
    load_base_data()
    make_department(code="LABOUR", short_name="区人社局", title="广安市广安区人力资源和社会保障局")
    publish_power(road_transport_licence(code="MED-REFERRAL", title="异地转诊人员备案",
                                         department_code="LABOUR", citations=[], tags=[],
                                         result_name=""))  # fmt: skip
    content_admin_user()

    phone.goto(live_server.url + "/search/?q=" + "转外地医院看病")
    main = phone.locator("main")
    expect(main).to_contain_text("已把“外地医院看病”按“异地就医”“异地转诊”“外出就医”等说法查找。")
    expect(main.locator(".search-hits > li")).to_contain_text("异地转诊人员备案")

    admin = login(open_page, live_server, "content")
    admin.goto(live_server.url + "/admin/search-learning/")
    table = admin.get_by_role("table", name="按猜测读懂的说法")
    row = table.locator("tr", has_text="外地医院看病")
    expect(row.get_by_label("“外地医院看病”在目录里的说法")).to_have_value(
        re.compile("^异地就医、异地转诊")
    )
    row.get_by_role("button", name="确认为意图").click()
    expect(admin.locator(".messages")).to_contain_text("已设为搜索意图")
    expect(admin.get_by_role("table", name="按猜测读懂的说法")).to_contain_text("暂无记录")

    phone.goto(live_server.url + "/search/?q=" + "转外地医院看病")
    expect(main.locator(".search-hits > li")).to_contain_text("异地转诊人员备案")
    expect(main).not_to_contain_text("已把")
