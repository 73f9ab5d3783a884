"""The flowchart the platform draws from a power's approved steps: on its page (wide and stacked),
as a file (/p/<code>/flowchart.svg and .png), in the legal office's preview beside the live one,
on a case's page with its path marked, and on the printed guide (/p/<code>/guide.pdf)."""

import re

import pytest
from defusedxml import ElementTree as ET
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from cases import services as case_services
from cases.applicants import Applicant
from cases.services import Actor
from catalogue import flowchart, guide
from catalogue.models import PowerPage
from catalogue.selectors import step_changes
from catalogue.services import CatalogueError, power_upsert
from review.services import power_submit
from tests.cases.conftest import holder as make_holder
from tests.factories import (
    department_editor,
    legal_office_user,
    publish_power,
    road_transport_licence,
    save_change,
)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"

STEPS = [
    {"name": "受理", "post": "窗口受理岗", "description": "核对申请材料是否齐全", "time_limit": 1,
     "supervision": "材料不全的一次性告知", "outcomes": ["approve", "refuse", "correction"]},
    {"name": "审查", "post": "审核岗", "description": "审查经营条件", "time_limit": 3,
     "supervision": "审查人员与申请人有利害关系的回避", "outcomes": []},
    {"name": "决定", "post": "分管领导", "description": "作出准予或者不予许可的决定",
     "time_limit": 1, "supervision": "审批分离，集体研究", "outcomes": ["approve", "refuse"]},
]  # fmt: skip


def licence(**overrides):
    return publish_power(road_transport_licence(**{"steps": STEPS, **overrides}))


def stream(steps):
    return [("step", step) for step in steps]


def svg_texts(markup: str) -> list[str]:
    root = ET.fromstring(markup)  # well-formed XML, or this raises
    return [node.text or "" for node in root.iter(f"{SVG}text")]


def chart_on_page(html: str, variant: str) -> str:
    match = re.search(
        rf'<div class="flowchart__svg flowchart__svg--{variant}[^"]*">(<svg.*?</svg>)</div>',
        html,
        re.S,
    )
    assert match, f"no {variant} chart on the page"
    return match.group(1)


def test_a_power_page_shows_the_chart_drawn_from_its_steps_with_real_text(client):
    power = licence()
    html = client.get(power.url).content.decode()

    wide = chart_on_page(html, "wide")
    texts = "".join(svg_texts(wide))  # lines of a wrapped text run on
    # Every step with its post and limit, its supervision point, and the decisions it declares.
    for words in (
        "受理",
        "承办岗位：窗口受理岗",
        "审查经营条件",
        "3 个工作日",
        "审批分离，集体研究",
    ):
        assert words in texts
    assert "监督制约" in texts and "不予受理" in texts and "补正" in texts and "准予" in texts
    assert "不予许可" in texts  # the refusal at 决定 (a licence) is named as such
    # Start, end with the result, the counterpart's rights and the complaint channel.
    assert "开始：申请人提出申请" in texts and "办结：出具道路运输经营许可证" in texts
    assert "申请行政复议" in texts and "投诉举报途径及方式" in texts
    # The narrow chart for phones says the same, stacked; the steps list is the text alternative.
    narrow = chart_on_page(html, "narrow")
    assert 'viewBox="0 0 340 ' in narrow and "审批分离，集体研究" in " ".join(svg_texts(narrow))
    assert 'role="img"' in wide and "<title" in wide and "<desc" in wide
    assert 'id="steps-list"' in html and 'href="#flowchart"' in html


def test_the_chart_files_are_kept_per_revision_and_follow_each_publication(client):
    power = licence()
    svg_url = reverse("power_flowchart_svg", args=[power.code])
    response = client.get(svg_url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    first = response.content.decode()
    assert first.startswith("<?xml") and "受理" in " ".join(svg_texts(first.split("?>", 1)[1]))
    etag = response["ETag"]
    assert client.get(svg_url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    png = client.get(reverse("power_flowchart_png", args=[power.code]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n") and len(png.content) > 5000

    # A new step goes live: the files change with the revision, the old ETag no longer matches.
    steps = [*STEPS, {"name": "送达", "post": "窗口发证岗", "description": "送达许可证",
                      "time_limit": 1, "supervision": "", "outcomes": []}]  # fmt: skip
    power_upsert(data=road_transport_licence(steps=steps), publish=True)
    response = client.get(svg_url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag
    assert "送达" in response.content.decode()


def test_no_chart_of_a_draft_a_power_without_steps_or_a_code_that_does_not_exist(client):
    draft = power_upsert(data=road_transport_licence(code="DRAFT-ONLY", steps=STEPS)).page
    no_steps = publish_power(road_transport_licence(code="NO-STEPS", steps=[]))
    for code in (draft.code, no_steps.code, "NOPE", "<script>"):
        for name in ("power_flowchart_svg", "power_flowchart_png", "power_guide_pdf"):
            if name == "power_guide_pdf" and code == no_steps.code:
                continue  # a guide without steps still exists (see below)
            assert client.get(reverse(name, args=[code])).status_code == 404
    # A live power without steps has no chart on its page but still a guide.
    assert 'class="flowchart__svg' not in client.get(no_steps.url).content.decode()
    assert client.get(reverse("power_guide_pdf", args=[no_steps.code])).status_code == 200


def test_a_draft_change_of_the_steps_stays_out_of_the_public_chart(client):
    power = licence()
    editor = department_editor()
    secret = [*STEPS, {"name": "内部会签草稿", "post": "", "description": "", "time_limit": None,
                       "supervision": "", "outcomes": []}]  # fmt: skip
    save_change(power, editor, steps=stream(secret))
    for url in (power.url, reverse("power_flowchart_svg", args=[power.code])):
        assert "内部会签草稿" not in client.get(url).content.decode()


def test_hostile_text_in_a_step_is_escaped_and_the_svg_stays_well_formed(client):
    steps = [{"name": '<script>alert(1)</script>&"受理"', "post": "窗口\x0b岗",
              "description": "]]><svg onload=alert(2)>", "time_limit": 1,
              "supervision": "</text><text>伪造", "outcomes": ["correction"]}]  # fmt: skip
    power = licence(code="HOSTILE-1", steps=steps)
    markup = client.get(reverse("power_flowchart_svg", args=[power.code])).content.decode()
    body = markup.split("?>", 1)[1]
    texts = svg_texts(body)
    assert any("<script>alert(1)</script>" in text for text in texts)  # shown as text
    assert "<script" not in body and "onload=" not in body.replace("onload=alert", "")
    assert "\x0b" not in body
    assert not ET.fromstring(body).findall(f".//{SVG}script")


def test_the_uploaded_picture_is_an_addition_never_instead_of_the_generated_chart(client):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    image = Image.objects.create(title="部门扫描件", file=get_test_image_file())
    power = licence()
    page = PowerPage.objects.get(pk=power.pk)
    page.flowchart = image
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert chart_on_page(html, "wide")
    assert "部门提供的流程图（补充）" in html

    bare = publish_power(road_transport_licence(code="SCAN-ONLY", steps=[]))
    page = PowerPage.objects.get(pk=bare.pk)
    page.flowchart = image
    page.save_revision().publish()
    html = client.get(page.url).content.decode()
    assert "flowchart__img" in html and "flowchart__svg" not in html


def test_the_legal_office_reviews_the_chart_of_the_change_beside_the_live_one(client):
    power = licence()
    editor = department_editor()
    changed = [
        {**STEPS[0], "time_limit": 2},  # a changed limit
        STEPS[2],  # 审查 removed
        {"name": "送达", "post": "窗口发证岗", "description": "送达许可证", "time_limit": 1,
         "supervision": "当场送达", "outcomes": []},  # a new step
    ]  # fmt: skip
    save_change(power, editor, steps=stream(changed))
    power_submit(power=PowerPage.objects.get(pk=power.pk), user=editor)

    client.force_login(legal_office_user())
    page = PowerPage.objects.get(pk=power.pk)
    revision = page.latest_revision
    url = reverse("wagtailadmin_pages:revisions_view", args=[page.pk, revision.pk])
    html = client.get(url).content.decode()
    assert "审核预览" in html
    assert "新增</span>送达" in html
    assert "修改</span>受理（时限（工作日））" in html
    assert "删除</span>审查" in html
    # The chart under review is the revision's own, its new and changed steps marked…
    wide = chart_on_page(html, "wide")
    assert "送达" in " ".join(svg_texts(wide)) and "is-added" in wide and "is-changed" in wide
    # …and the live chart is there to compare, still with 审查.
    live = re.search(r'flowchart__svg--live">(<svg.*?</svg>)', html, re.S).group(1)
    assert "审查" in " ".join(svg_texts(live)) and "送达" not in " ".join(svg_texts(live))


def test_step_changes_match_steps_by_name():
    class Stub:
        def __init__(self, steps):
            self.steps = [type("B", (), {"value": s})() for s in steps]

    live = Stub([{"name": "受理", "time_limit": 1}, {"name": "决定", "time_limit": 1}])
    same = step_changes(live, Stub([{"name": "受理", "time_limit": 1},
                                    {"name": "决定", "time_limit": 1}]))  # fmt: skip
    assert same["marks"] == {} and not same["removed"] and not same["moved"]
    swapped = step_changes(live, Stub([{"name": "决定", "time_limit": 1},
                                       {"name": "受理", "time_limit": 1}]))  # fmt: skip
    assert swapped["moved"] and swapped["marks"] == {}
    inserted = step_changes(live, Stub([{"name": "受理", "time_limit": 1}, {"name": "公示"},
                                        {"name": "决定", "time_limit": 1}]))  # fmt: skip
    assert inserted["marks"] == {1: "added"} and not inserted["moved"]


def test_a_case_page_marks_the_path_steps_done_current_and_late(client):
    power = licence(online_depth=4)
    window = make_holder("window-fc", "窗口受理岗")
    reviewer = make_holder("reviewer-fc", "审核岗")
    person = {"type": "person", "name": "张三", "id_no": "11010519491231002X",
              "contact_phone": "13912345678"}  # fmt: skip
    case = case_services.window_open(power, Applicant.clean(person), user=window).case
    case_services.step_complete(case, actor=Actor(user=reviewer), position=1, opinion="符合")
    html = client.get(reverse("cases:detail", args=[case.case_no])).content.decode()
    wide = chart_on_page(html, "wide")
    assert 'class="step step-1 is-done"' in wide
    assert 'class="step step-2 is-done"' in wide
    assert 'class="step step-3 is-current"' in wide
    assert "当前环节" in " ".join(svg_texts(wide))

    # The step at hand goes past its date: it is marked late.
    case.steps.filter(position=2).update(due_on="2000-01-03")
    html = client.get(reverse("cases:detail", args=[case.case_no])).content.decode()
    assert 'class="step step-3 is-late"' in chart_on_page(html, "wide")


def test_the_printed_guide_is_one_a4_page_with_the_chart_and_a_qr_code(client):
    power = licence()
    html = client.get(power.url).content.decode()
    # The browser's print: the chart across the page and the QR code of the permanent link.
    printed = chart_on_page(html, "print")
    assert "flowchart-svg--print" in printed and "受理" in " ".join(svg_texts(printed))
    assert 'class="print-only share__qr"><svg' in html
    assert reverse("power_guide_pdf", args=[power.code]) in html

    response = client.get(reverse("power_guide_pdf", args=[power.code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    # Made once per revision: the second copy is the same bytes from the cache.
    assert client.get(reverse("power_guide_pdf", args=[power.code])).content == pdf

    # One A4 page, with the chart drawn in it.
    from weasyprint import HTML

    request = RequestFactory().get("/")
    context = guide.guide_context(request, PowerPage.objects.get(pk=power.pk))
    markup = render_to_string("catalogue/guide.html", context)
    assert "flowchart-svg--print" in markup and 'class="qr"' in markup
    document = HTML(string=markup).render()
    assert len(document.pages) == 1
    assert round(document.pages[0].width * 25.4 / 96) == 210  # A4, in millimetres


def test_wrapping_never_starts_a_line_with_closing_punctuation():
    lines = flowchart.wrap("受理申请材料，审查条件。决定", 13, 13 * 6)
    assert all(line[0] not in flowchart.NO_LINE_START for line in lines)
    assert "".join(lines) == "受理申请材料，审查条件。决定"
    cut = flowchart.wrap("长" * 50, 13, 13 * 10, max_lines=2)
    assert len(cut) == 2 and cut[-1].endswith("…")
    assert flowchart.wrap("https://example.gov.cn/a/very/long/path", 13, 60)  # a long token is cut


@pytest.mark.parametrize("variant", [flowchart.WIDE, flowchart.NARROW, flowchart.PRINT])
def test_ten_steps_with_every_branch_lay_out_without_overlapping(variant):
    steps = tuple(
        flowchart.Step(f"第{i}环节" + "很长的名称" * (i % 3), "岗位" * (i % 4), "办理内容" * i,
                       i, "监督" * (i * 3), ("approve", "refuse", "correction")[: i % 4])
        for i in range(10)
    )  # fmt: skip
    flow = flowchart.Flow("测试事项", "CODE-1", "01", "测试局", steps, 20, 10, "许可证",
                          ("陈述、申辩",), "", "12345")  # fmt: skip
    chart = flowchart.layout(flow, variant)
    boxes = [s for s in chart.shapes if isinstance(s, flowchart.Box) and "step-" in s.role]
    assert len(boxes) == 10
    for box in chart.shapes:
        if isinstance(box, flowchart.Box):
            assert 0 <= box.x and box.x + box.w <= chart.width + 0.5
            assert 0 <= box.y and box.y + box.h <= chart.height
    for a in boxes:
        for b in boxes:
            if a is not b:
                apart = a.y + a.h <= b.y or b.y + b.h <= a.y or a.x + a.w <= b.x or b.x + b.w <= a.x
                assert apart, (a.role, b.role)
    ET.fromstring(flowchart.to_svg(chart))


def test_a_server_without_pango_or_a_chinese_font_says_so_instead_of_failing(client, monkeypatch):
    power = licence()

    def no_pango(html):
        raise guide.GuideUnavailable("cannot load library 'pango-1.0-0'")

    monkeypatch.setattr(guide, "render_pdf", no_pango)
    response = client.get(reverse("power_guide_pdf", args=[power.code]))
    assert response.status_code == 503 and "浏览器的“打印”功能" in response.content.decode()
    monkeypatch.setattr("catalogue.views.png_available", lambda: False)
    response = client.get(reverse("power_flowchart_png", args=[power.code]))
    assert response.status_code == 503 and "SVG" in response.content.decode()
    # The page itself and the SVG do not need either.
    assert client.get(reverse("power_flowchart_svg", args=[power.code])).status_code == 200
    assert client.get(power.url).status_code == 200


def test_the_admin_case_page_shows_the_chart_with_the_path(client):
    power = licence(online_depth=4)
    window = make_holder("window-admin-fc", "窗口受理岗")
    person = {"type": "person", "name": "李四", "id_no": "11010519491231002X",
              "contact_phone": "13912345678"}  # fmt: skip
    case = case_services.window_open(power, Applicant.clean(person), user=window).case
    client.force_login(window)
    html = client.get(reverse("cases_admin:case", args=[case.pk])).content.decode()
    assert 'class="step step-1 is-done"' in html and 'class="step step-2 is-current"' in html


def test_a_department_renamed_or_given_a_new_complaint_phone_shows_at_once_in_its_charts(client):
    from catalogue.services import department_upsert

    power = licence()
    svg_url = reverse("power_flowchart_svg", args=[power.code])
    first = client.get(svg_url)
    assert "监督投诉电话：12345" in first.content.decode()
    client.get(power.url)
    department_upsert(code="TRANSPORT", values={"title": "广安市广安区交通运输局（新）",
                                                "complaint_phone": "0826-1234567"})  # fmt: skip
    again = client.get(svg_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "0826-1234567" in again.content.decode()
    assert "交通运输局（新）" in chart_on_page(client.get(power.url).content.decode(), "wide")


def test_steps_of_the_same_name_are_told_apart_in_the_review():
    class Stub:
        def __init__(self, steps):
            self.steps = [type("B", (), {"value": s})() for s in steps]

    clerk, chief = {"name": "审核", "post": "科员"}, {"name": "审核", "post": "科长"}
    live = Stub([{"name": "受理"}, clerk, chief, {"name": "决定"}])
    one_less = step_changes(live, Stub([{"name": "受理"}, chief, {"name": "决定"}]))
    assert one_less["removed"] == ["审核"] and one_less["changed"] == [("审核", ["承办岗位"])]
    same = step_changes(live, Stub([{"name": "受理"}, clerk, chief, {"name": "决定"}]))
    assert same["marks"] == {} and not same["removed"]
    # A step stored before decision branches existed is not "changed" by an empty list.
    old = Stub([{"name": "受理", "post": "窗口"}])
    assert (
        step_changes(old, Stub([{"name": "受理", "post": "窗口", "outcomes": []}]))["marks"] == {}
    )


def test_a_process_longer_than_fifty_steps_is_refused():
    many = [{"name": f"第{i}步"} for i in range(51)]
    with pytest.raises(CatalogueError, match="最多 50 个环节"):
        power_upsert(data=road_transport_licence(code="MANY-STEPS", steps=many))
    assert not PowerPage.objects.filter(code="MANY-STEPS").exists()
    assert power_upsert(data=road_transport_licence(code="MANY-STEPS", steps=many[:50])).page


def test_a_paused_case_is_not_marked_late_and_a_private_powers_case_shows_no_chart(client):
    from wagtail.models import PageViewRestriction

    power = licence(online_depth=4)
    window = make_holder("window-pause", "窗口受理岗")
    person = {"type": "person", "name": "王五", "id_no": "11010519491231002X",
              "contact_phone": "13912345678"}  # fmt: skip
    case = case_services.window_open(power, Applicant.clean(person), user=window).case
    case.steps.filter(position=1).update(due_on="2000-01-03")
    type(case).objects.filter(pk=case.pk).update(paused_since="2000-01-03")  # 补正 under way
    html = client.get(reverse("cases:detail", args=[case.case_no])).content.decode()
    assert 'class="step step-2 is-current"' in chart_on_page(html, "wide")

    PageViewRestriction.objects.create(page=PowerPage.objects.get(pk=power.pk),
                                       restriction_type="password", password="x")  # fmt: skip
    html = client.get(reverse("cases:detail", args=[case.case_no])).content.decode()
    assert "flowchart__svg" not in html
