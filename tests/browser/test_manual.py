"""The manual (使用手册) shows the real admin: each task with screenshots is done here, as its
role, step by step as its page says, on real data, and each screenshot the page shows is taken on
the way. A task the admin no longer allows fails here, and so does a screenshot the manual
references but no step takes, or one taken that the manual does not use.

The screenshots go to a temporary folder; `make manual` (MANUAL_SCREENSHOTS=write) writes them
into the manual's static files, which is how the committed ones are made. The manual is then
opened from the admin's help menu, its images loading from this server alone.
"""

import datetime
import inspect
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

import manual
from catalogue.models import PowerPage
from manual.tasks import SCREENS_DIR, TASKS
from tests.browser.conftest import login
from tests.cases.conftest import holder
from tests.factories import (
    content_admin_user,
    department_editor,
    legal_office_user,
    load_base_data,
    make_user,
    publish_power,
    road_transport_licence,
    site_admin_user,
    supervisor_user,
)

NEW_CODE = "511A0143000000-511602000000-000-TEST-3-00"
APPLICANT = {"type": "person", "name": "欧阳娜娜", "id_no": "11010519491231002X"}
HOLIDAY = datetime.date(2027, 1, 1)
OTHER_CODE = "511A0144000000-511602000000-000-TEST-4-00"
SCREENS = Path(manual.__file__).parent / "static" / SCREENS_DIR
WRITE = os.environ.get("MANUAL_SCREENSHOTS") == "write"
VIEWPORT = {"width": 1280, "height": 800}
JPEG_QUALITY = 70
# What a step asks the reader to click or fill is framed in the screenshot.
MARK = "el => { el.dataset.manualMark = el.style.outline; el.style.outline = '3px solid #d4351c';" \
       " el.style.outlineOffset = '-3px'; }"  # fmt: skip
# A field just typed into shows as such only while the reader types.
BLUR = "() => { const el = document.activeElement;" \
       " if (el && el.matches('input, textarea')) el.blur(); }"  # fmt: skip
# Scrolls the part of the page a screenshot is about to its top, below the admin's sticky header.
TO_TOP = (
    "el => { el.scrollIntoView({block: 'start', behavior: 'instant'});"
    " window.scrollBy({top: -90, behavior: 'instant'}); }"
)
UNMARK = "el => { el.style.outline = el.dataset.manualMark || ''; el.style.outlineOffset = ''; }"


class Camera:
    """Takes the manual's screenshots (JPEG, the viewport) and remembers which."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.taken = []

    def shoot(self, page, name, *marks, at=None):
        page.wait_for_load_state("load")
        page.evaluate(BLUR)
        if at is not None:
            at.first.evaluate(TO_TOP)
            page.wait_for_timeout(300)
        elif marks:
            marks[0].first.scroll_into_view_if_needed()
        for mark in marks:
            mark.first.evaluate(MARK)
        page.screenshot(path=self.directory / f"{name}.jpg", type="jpeg", quality=JPEG_QUALITY,
                        animations="disabled", caret="hide")  # fmt: skip
        for mark in marks:
            mark.first.evaluate(UNMARK)
        self.taken.append(name)


@dataclass
class Journey:
    """What a task's journey works with: the server, the people, the camera."""

    base: str
    open_page: object
    people: dict
    licence: object
    camera: Camera

    def sign_in(self, who):
        """The member of staff `who` signs in; the admin's home page at the manual's size."""
        page = login(self.open_page, _Server(self.base), self.people[who].username)
        page.set_viewport_size(VIEWPORT)
        return page

    def shoot(self, page, name, *marks, at=None):
        self.camera.shoot(page, name, *marks, at=at)


@dataclass
class _Server:
    url: str


JOURNEYS = {}


def journey(slug):
    def register(function):
        JOURNEYS[slug] = function
        return function

    return register


# (role, username, display name): the people of the screenshots, one per role.
PEOPLE = {
    "editor": "王芳",
    "legal": "李明",
    "legal2": "赵敏",
    "site": "陈刚",
    "content": "刘洋",
    "supervisor": "周静",
    "superuser": "系统管理员",
    "window": "张丽",
    "reviewer": "孙伟",
    "head": "吴强",
}


@pytest.fixture
def world(transactional_db):
    """The transport bureau's road freight licence, published, and one person per role: its
    editor, two legal office reviewers, the administrators, 纪检监察, a superuser, and the
    bureau's window clerk, reviewer and head (承办岗位)."""
    load_base_data()
    licence = publish_power(road_transport_licence(online_depth=4))
    people = {
        "editor": department_editor(username="jtj-editor"),
        "legal": legal_office_user("fzb-reviewer"),
        "legal2": legal_office_user("fzb-reviewer2"),
        "site": site_admin_user("site-admin"),
        "content": content_admin_user("content-admin"),
        "supervisor": supervisor_user("jjjc-supervisor"),
        "superuser": make_user("admin", superuser=True),
        "window": holder("jtj-window", "窗口受理岗"),
        "reviewer": holder("jtj-reviewer", "审核岗"),
        "head": holder("jtj-head", "分管领导", heads=("分管领导",)),
    }
    for key, user in people.items():
        user.first_name = PEOPLE[key]
        user.save()
    return people, licence


@pytest.fixture
def screens(tmp_path):
    if WRITE:
        SCREENS.mkdir(parents=True, exist_ok=True)
        return SCREENS
    return tmp_path


# --- the journeys, one per task with screenshots --------------------------------------------


def menu(page, label):
    """Clicks an item of the admin's menu on the left (a section, or a group that opens)."""
    sidebar = page.locator("#wagtail-sidebar")
    sidebar.get_by_role("link", name=label, exact=True).or_(
        sidebar.get_by_role("button", name=label, exact=True)
    ).click()


def open_actions(page):
    """The arrow beside 保存草稿: the edit form's other actions (submit, publish…)."""
    page.locator("footer [data-w-dropdown-target='toggle']").first.click()


@journey("add-power")
def add_a_power(j: Journey):
    page = j.sign_in("editor")
    menu(page, "页面")
    page.get_by_role("link", name="广安市广安区交通运输局").click()
    add = page.get_by_role("link", name="添加子页面")
    j.shoot(page, "add-power-list", add)
    add.click()
    page.locator("#id_title").fill("道路旅客运输经营许可")
    page.locator("#id_code").fill(NEW_CODE)
    page.locator("#id_power_type").select_option(label="行政许可")
    j.shoot(page, "add-power-form")

    page.get_by_role("tab", name="行使依据").click()
    page.get_by_role("button", name="增加 依据").click()
    page.get_by_role("button", name="选择 法律法规").click()
    chooser = page.locator(".modal-dialog")
    chooser.locator("#id_q").fill("中华人民共和国道路运输条例")
    chooser.get_by_role("link", name=re.compile("道路运输条例")).last.click()
    page.get_by_label("条款").fill("第八条、第十条")

    page.get_by_role("tab", name="办理流程").click()
    page.locator("[data-contentpath=steps]").get_by_role("button").first.click()
    step = page.locator("[data-contentpath=steps] [data-contentpath=name] input")
    step.fill("受理")
    page.locator("[data-contentpath=steps] [data-contentpath=post] input").fill("窗口受理岗")
    page.locator("[data-contentpath=steps] [data-contentpath=time_limit] input").fill("1")
    page.locator("#id_legal_time_limit").fill("20")
    page.locator("#id_promised_time_limit").fill("10")
    j.shoot(page, "add-power-steps", at=page.locator("[data-contentpath=steps]"))

    open_actions(page)
    submit = page.get_by_role("button", name="提交给法制办审核")
    j.shoot(page, "add-power-submit", submit)
    submit.click()
    expect(page.locator(".messages")).to_contain_text("已创建并提交审核")
    power = PowerPage.objects.get(code=NEW_CODE)
    assert power.workflow_in_progress and not power.live  # with the legal office, not public
    assert power.legal_bases.get().law.title == "中华人民共和国道路运输条例"


@journey("change-power")
def change_a_power(j: Journey):
    page = j.sign_in("editor")
    menu(page, "页面")
    page.get_by_role("link", name="广安市广安区交通运输局").click()
    page.get_by_role("link", name="道路货物运输经营许可").first.click()
    note = page.locator("#id_change_note")
    note.fill("依据《优化营商环境条例》，承诺办结时限由 5 个工作日压缩为 3 个工作日。")
    j.shoot(page, "change-power-note", note)
    page.get_by_role("tab", name="办理流程").click()
    page.locator("#id_promised_time_limit").fill("3")
    open_actions(page)
    page.get_by_role("button", name="提交给法制办审核").click()
    expect(page.locator(".messages")).to_contain_text("已经提交进行审核")
    # while it is with the legal office, the editor may withdraw it (取消工作流) but not edit it
    page.goto(j.base + f"/admin/pages/{j.licence.pk}/edit/")
    expect(page.locator("footer")).to_contain_text("取消工作流")
    page.goto(j.base + "/admin/")
    j.shoot(page, "change-power-home", page.locator(".panel").filter(has_text="待办事项与期限"))
    # the public still sees the approved content until the legal office approves
    assert PowerPage.objects.get(pk=j.licence.pk).promised_time_limit == 5


@journey("review")
def review_a_change(j: Journey):
    from review.services import power_submit

    other = publish_power(
        road_transport_licence(code=OTHER_CODE, title="道路货物运输驾驶员从业资格许可")
    )
    changes = (
        (j.licence, "承诺办结时限由 5 个工作日压缩为 3 个工作日。"),
        (other, "补充申请材料。"),
    )
    for power, note in changes:
        draft = PowerPage.objects.get(pk=power.pk).get_latest_revision_as_object()
        draft.change_note = note
        draft.promised_time_limit = 3
        draft.save_revision(user=j.people["editor"])
        power_submit(power=power, user=j.people["editor"])

    page = j.sign_in("legal")
    j.shoot(page, "review-home", page.get_by_role("link", name="道路货物运输经营许可").last)
    page.get_by_role("link", name="道路货物运输经营许可").last.click()
    open_actions(page)
    approve = page.get_by_role("button", name=re.compile(r"^\s*批准\s*和发布\s*$"))
    j.shoot(page, "review-actions", approve)
    approve.click()
    expect(page.locator(".messages")).to_contain_text("已被更新")
    assert PowerPage.objects.get(pk=j.licence.pk).promised_time_limit == 3  # public now

    page.goto(j.base + "/admin/")
    page.get_by_role("link", name="道路货物运输驾驶员从业资格许可").last.click()
    open_actions(page)
    page.get_by_role("button", name="退回修改").click()
    page.get_by_label("审核意见").fill("请在申请材料中写明驾驶员从业资格证的份数和要求。")
    j.shoot(page, "review-reject", page.get_by_label("审核意见"))
    page.locator(".modal-dialog").get_by_role("button", name=re.compile("退回修改")).click()
    expect(page.locator(".messages")).to_contain_text("已被更新")
    other = PowerPage.objects.get(pk=other.pk)
    assert other.promised_time_limit == 5 and not other.workflow_in_progress
    to_editor = [m for m in mail.outbox if j.people["editor"].email in m.to]
    assert any("驾驶员从业资格证的份数" in m.body for m in to_editor), "the comment is mailed"


@journey("adjustment")
def adjust_for_a_changed_law(j: Journey):
    from review.models import AdjustmentRequirement
    from review.services import law_supersede, review_approve

    law = j.licence.legal_bases.get(law__title="中华人民共和国道路运输条例").law
    law_supersede(law=law, changed_on=timezone.localdate() - datetime.timedelta(days=3))
    page = j.sign_in("editor")
    row = page.locator("tr").filter(has_text="待调整")
    j.shoot(page, "adjustment-home", row)
    row.get_by_role("link", name="道路货物运输经营许可").click()
    page.get_by_role("tab", name="行使依据").click()
    note = page.locator("#id_change_note")
    page.get_by_role("tab", name="基本信息").click()
    note.fill("《中华人民共和国道路运输条例》修订：核对行使依据，条款改为第二十一条、第二十二条。")
    page.get_by_role("tab", name="行使依据").click()
    page.get_by_label("条款").first.fill("第二十一条、第二十二条")
    j.shoot(page, "adjustment-basis", page.get_by_label("条款").first)
    open_actions(page)
    page.get_by_role("button", name="提交给法制办审核").click()
    expect(page.locator(".messages")).to_contain_text("已经提交进行审核")
    requirement = AdjustmentRequirement.objects.get(power=j.licence)
    assert requirement.closed_at is None  # until the legal office approves
    review_approve(power=j.licence, user=j.people["legal"])
    requirement.refresh_from_db()
    assert requirement.closed_at and requirement.closing_note.startswith(
        "《中华人民共和国道路运输条例》"
    )


@journey("feedback")
def answer_a_complaint(j: Journey):
    from feedback.models import Feedback, Kind
    from feedback.services import Submission, feedback_submit

    complaint = Submission(kind=Kind.COMPLAINT, rating=None, comment="窗口让我跑了三趟才收齐材料。",
                           phone="13800138000", power=j.licence)  # fmt: skip
    feedback_submit(complaint, ip="10.1.1.1")
    number = Feedback.objects.get().tracking_no
    page = j.sign_in("editor")
    menu(page, "公众评议")
    link = page.get_by_role("link", name=number)
    j.shoot(page, "feedback-list", link)
    link.click()
    page.get_by_label("答复内容").fill("已核实并致歉，申请材料清单已在窗口和网上公开。")
    page.get_by_label("意见是否公开").select_option(label="连同答复在事项页面公开")
    save = page.get_by_role("button", name="保存答复")
    j.shoot(page, "feedback-reply", save)
    save.click()
    expect(page.locator("body")).to_contain_text("答复已保存")
    assert Feedback.objects.get().reply.startswith("已核实并致歉")


def late_case(j: Journey):
    """A case of the licence accepted at the window, its 审查 six days late after the morning's
    sweep (a red card)."""
    from cases import services
    from cases.applicants import Applicant
    from cases.models import CaseStep
    from supervision.sweep import sweep

    case = services.window_open(j.licence, Applicant.clean(APPLICANT), user=j.people["window"]).case
    CaseStep.objects.filter(case=case, position=1).update(
        due_on=timezone.localdate() - datetime.timedelta(days=6))  # fmt: skip
    sweep()
    return case


def order_for(j: Journey, case):
    from supervision.models import Alert
    from supervision.services import order_issue

    return order_issue(user=j.people["legal"], requirement="立即完成审查环节，书面说明超期原因。",
                       days=3, alert=Alert.objects.filter(case=case).first())  # fmt: skip


@journey("window")
def accept_at_the_window(j: Journey):
    from cases.models import Case

    page = j.sign_in("window")
    menu(page, "办件")
    page.get_by_role("link", name="窗口受理").click()
    page.get_by_label("受理事项").select_option(value=str(j.licence.pk))
    page.get_by_role("button", name="选择").click()
    page.get_by_label("申请人类型").select_option(label="自然人")
    page.get_by_label("申请人姓名或名称").fill(APPLICANT["name"])
    page.get_by_label("证件号码").fill(APPLICANT["id_no"])
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("道路货物运输经营申请表").check()
    accept = page.get_by_role("button", name="受理并打印受理通知书")
    j.shoot(page, "window-form", accept, at=page.get_by_label("申请人类型"))
    accept.click()
    expect(page.locator(".messages")).to_contain_text("已受理")
    j.shoot(page, "window-receipt")
    case = Case.objects.get()
    assert case.applicant_name == APPLICANT["name"] and case.current_posts == "审核岗"


@journey("todo")
def handle_the_todo_list(j: Journey):
    from cases import services
    from cases.applicants import Applicant
    from cases.models import Case, State

    case = services.window_open(j.licence, Applicant.clean(APPLICANT), user=j.people["window"]).case
    page = j.sign_in("reviewer")
    menu(page, "办件")
    link = page.get_by_role("link", name=case.case_no)
    j.shoot(page, "todo-list", link)
    link.click()
    page.get_by_label("办理意见").fill("车辆、驾驶人员条件符合规定。")
    done = page.get_by_role("button", name="完成本环节，转下一环节")
    j.shoot(page, "todo-case", done, at=page.get_by_role("heading", name="办理", exact=True))
    done.click()
    expect(page.locator(".messages")).to_contain_text("已转下一环节")
    page.context.close()

    head = j.sign_in("head")
    head.goto(f"{j.base}/admin/cases/?tab=todo")
    head.get_by_role("link", name=case.case_no).click()
    head.get_by_label("办理意见").fill("准予许可。")
    head.get_by_label("办结结果").select_option(label="准予")
    head.get_by_role("button", name="办结").click()
    expect(head.locator(".messages")).to_contain_text("已办结")
    assert Case.objects.get(pk=case.pk).state == State.FINISHED


@journey("backfill")
def backfill_offline_cases(j: Journey, tmp_path):
    from cases.models import Case, Channel
    from tests.import_data.test_case_records import row, workbook

    path = tmp_path / "十一月补录.xlsx"
    path.write_bytes(workbook(row(), row(**{"业务系统流水号": "DJ-002"})))
    page = j.sign_in("editor")
    menu(page, "办件补录")
    page.set_input_files("input[name=file]", str(path))
    check = page.get_by_role("button", name="上传并检查")
    j.shoot(page, "backfill-upload", check)
    check.click()
    expect(page.locator("main")).to_contain_text("检查通过：将新建办件 2 件")
    confirm = page.get_by_role("button", name="确认导入")
    j.shoot(page, "backfill-preview", confirm)
    assert not Case.objects.exists(), "the preview writes nothing"
    confirm.click()
    expect(page.locator("main")).to_contain_text("新建办件 2 件")
    assert set(Case.objects.values_list("channel", flat=True)) == {Channel.BACKFILL}


@journey("posts")
def keep_the_departments_posts(j: Journey):
    from access.models import Post

    page = j.sign_in("head")
    menu(page, "设置")
    page.get_by_role("link", name="承办岗位").click()
    row = page.locator("tr").filter(has_text="审核岗")
    row.get_by_role("link", name="修改").click()
    page.get_by_label("jtj-editor").check()
    save = page.get_by_role("button", name="保存")
    j.shoot(page, "posts-edit", save)
    save.click()
    expect(page.locator(".messages")).to_contain_text("已保存")
    members = Post.objects.get(name="审核岗").members.values_list("username", flat=True)
    assert set(members) == {"jtj-reviewer", "jtj-editor"}


@journey("order-reply")
def answer_a_supervision_order(j: Journey):
    from supervision.models import OrderState

    order = order_for(j, late_case(j))
    page = j.sign_in("reviewer")
    link = page.get_by_role("link", name=re.compile("待回复的督办单"))
    j.shoot(page, "order-reply-home", link)
    link.click()
    page.get_by_role("link", name=order.number).click()
    page.get_by_label("整改情况").fill("已完成审查；超期系等待车辆检测报告，已建立提醒。")
    answer = page.get_by_role("button", name="回复督办")
    j.shoot(page, "order-reply-form", answer)
    answer.click()
    expect(page.locator(".messages")).to_contain_text("已回复督办")
    order.refresh_from_db()
    assert order.state == OrderState.ANSWERED


@journey("supervision")
def supervise_a_late_case(j: Journey):
    from supervision.models import SupervisionOrder

    case = late_case(j)
    page = j.sign_in("supervisor")
    menu(page, "电子监察")
    red = page.locator("a[href*='level=red']").first
    j.shoot(page, "supervision-dashboard", red)
    red.click()
    page.get_by_role("link", name=re.compile(case.case_no)).first.click()
    order = page.get_by_role("link", name="督办", exact=True)
    j.shoot(page, "supervision-alert", order)
    order.click()
    page.get_by_label("督办事项及整改要求").fill("立即完成审查环节，书面说明超期原因。")
    page.get_by_label("办理时限（工作日）").fill("3")
    issue = page.get_by_role("button", name="发出督办")
    j.shoot(page, "supervision-order", issue)
    issue.click()
    expect(page.locator(".messages")).to_contain_text("已发出督办单")
    assert SupervisionOrder.objects.get().case == case


@journey("finding")
def record_a_finding(j: Journey):
    from supervision.models import Finding
    from supervision.services import order_accept, order_answer

    order = order_for(j, late_case(j))
    order = order_answer(order, user=j.people["reviewer"], answer="已完成审查。")
    order_accept(order, user=j.people["legal"], note="整改到位。")
    page = j.sign_in("supervisor")
    page.goto(f"{j.base}/admin/supervision/orders/")
    page.get_by_role("link", name=order.number).click()
    page.get_by_role("link", name="追究责任").click()
    page.get_by_label("责任岗位").fill("审核岗")
    page.get_by_label("责任人").fill("孙伟")
    page.get_by_label("过错种类").select_option(label="超期办理")
    page.get_by_label("处理措施").select_option(label="批评教育")
    page.get_by_label("过错事实").fill("审查环节超期 6 个工作日，未说明理由。")
    record = page.get_by_role("button", name="记录")
    j.shoot(page, "finding-form", record)
    record.click()
    expect(page.locator(".messages")).to_contain_text("已记录过错责任追究")
    assert Finding.objects.get().order == order


@journey("import")
def import_a_spreadsheet(j: Journey, tmp_path):
    import openpyxl

    from tests.import_data.test_admin_import import work
    from tests.import_data.test_import import HEADERS, row

    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    book.active.append(row("WEB-1", "道路旅客运输经营许可"))
    book.active.append(row("WEB-2", "出租汽车经营许可"))
    path = tmp_path / "交通局清单.xlsx"
    book.save(path)

    page = j.sign_in("content")
    menu(page, "批量导入")
    page.set_input_files("input[name=file]", str(path))
    upload = page.get_by_role("button", name="上传并检查")
    j.shoot(
        page, "import-upload", page.get_by_role("link", name=re.compile("下载导入模板")), upload
    )
    upload.click()
    expect(page.locator("main")).to_contain_text("排队中")
    job_url = page.url
    # The page refreshes itself while the job runs; leave it while the worker checks the file.
    page.goto("about:blank")
    work()
    page.goto(job_url)
    expect(page.locator("main")).to_contain_text("新增 2，修改 0，未变 0")
    confirm = page.get_by_role("button", name="确认导入")
    j.shoot(page, "import-preview", confirm)
    confirm.click()
    page.goto("about:blank")
    work()
    page.goto(job_url)
    expect(page.locator("main")).to_contain_text("2 个事项已提交法制办审核")
    assert all(p.workflow_in_progress for p in PowerPage.objects.filter(code__startswith="WEB-"))


@journey("topic")
def write_a_topic(j: Journey):
    from topics.models import TopicPage

    page = j.sign_in("content")
    menu(page, "页面")
    page.locator("#wagtail-sidebar").get_by_role("link", name="高效办成一件事", exact=True).click()
    page.get_by_role("link", name="添加子页面").click()
    page.locator("#id_title").fill("开办货运公司一件事")
    page.locator("#id_audience").fill("准备开办道路货物运输企业的个人或单位")
    page.locator("#id_summary").fill("从设立公司到取得道路运输经营许可，依次办理的事项。")
    page.locator("#id_keywords").fill("开货运公司、办运输公司")
    page.get_by_role("button", name="选择一个页面 (行政权力事项)").click()
    chooser = page.locator(".modal-dialog")
    chooser.get_by_role("searchbox").or_(chooser.locator("#id_q")).first.fill(
        "道路货物运输经营许可"
    )
    chooser.get_by_role("link", name="道路货物运输经营许可").first.click()
    note = page.locator("[id$=note]").first
    note.fill("取得营业执照后申请。")
    j.shoot(page, "topic-form", at=page.get_by_text("办理事项（按办理先后排序）"))
    open_actions(page)
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".messages")).to_contain_text("已发布")
    assert TopicPage.objects.get(title="开办货运公司一件事").live


@journey("law-change")
def record_a_law_change(j: Journey):
    from review.models import AdjustmentRequirement

    page = j.sign_in("site")
    menu(page, "法律法规库")
    page.get_by_placeholder("搜索…").fill("道路运输条例")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="中华人民共和国道路运输条例").first.click()
    page.get_by_label("时效性").select_option(label="已修改")
    page.get_by_label("时效变更日期").fill(timezone.localdate().isoformat())
    j.shoot(page, "law-change-edit", page.get_by_label("时效性"))
    page.get_by_role("button", name="保存").first.click()
    expect(page.locator(".messages")).to_contain_text("发起调整要求")
    j.shoot(page, "law-change-saved")
    assert AdjustmentRequirement.objects.open().filter(power=j.licence, law__isnull=False).exists()

    # the department's functions change: every one of its public powers is to be declared again
    menu(page, "机构职能调整")
    page.get_by_role("link", name=re.compile("添加")).first.click()
    page.get_by_role("button", name=re.compile("选择一个页面")).click()
    chooser = page.locator(".modal-dialog")
    chooser.get_by_role("link", name="广安市广安区交通运输局").first.click()
    page.locator("#id_changed_on").fill(timezone.localdate().isoformat())
    page.locator("#id_description").fill("道路运输管理职责划入区交通运输局。")
    page.get_by_role("button", name="保存").first.click()
    expect(page.locator(".messages")).to_contain_text("已")
    assert (
        AdjustmentRequirement.objects.open()
        .filter(power=j.licence, function_change__isnull=False)
        .exists()
    )


@journey("users")
def add_a_user(j: Journey):
    from django.contrib.auth import get_user_model

    page = j.sign_in("site")
    menu(page, "设置")
    page.get_by_role("link", name="用户", exact=True).click()
    page.get_by_role("link", name="添加用户").click()
    page.locator("#id_username").fill("spj-editor")
    page.locator("#id_email").fill("spj-editor@example.gov.cn")
    page.locator("#id_first_name").fill("进")
    page.locator("#id_last_name").fill("钱")
    page.locator("#id_password1").fill("Shenpi-2026-bianji")
    page.locator("#id_password2").fill("Shenpi-2026-bianji")
    j.shoot(page, "users-add")
    page.get_by_role("tab", name="角色", exact=True).first.click()
    page.get_by_label("部门编辑：区行政审批局").check()
    j.shoot(page, "users-roles", page.get_by_label("部门编辑：区行政审批局"))
    page.get_by_role("button", name="创建").click()
    expect(page.locator(".messages")).to_contain_text("spj-editor")
    user = get_user_model().objects.get(username="spj-editor")
    assert list(user.groups.values_list("name", flat=True)) == ["部门编辑：区行政审批局"]


@journey("calendar")
def enter_the_holidays(j: Journey):
    from workdays.calendar import WorkCalendar

    page = j.sign_in("site")
    menu(page, "设置")
    page.get_by_role("link", name="工作日历").click()
    page.get_by_role("link", name=re.compile("添加")).first.click()
    page.locator("#id_date").fill(HOLIDAY.isoformat())
    page.locator("#id_kind").select_option(label="放假（非工作日）")
    page.locator("#id_name").fill("元旦")
    j.shoot(page, "calendar-add")
    page.get_by_role("button", name="保存").first.click()
    expect(page.locator(".messages")).to_contain_text("元旦")
    assert not WorkCalendar.load().is_working_day(HOLIDAY)


# --- the tests ------------------------------------------------------------------------------


def test_every_task_with_screenshots_has_its_journey():
    assert set(JOURNEYS) == {task.slug for task in TASKS if task.screens}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("task", [task for task in TASKS if task.screens], ids=lambda t: t.slug)
def test_each_task_is_done_as_its_page_says(task, live_server, open_page, world, screens, tmp_path):
    people, licence = world
    camera = Camera(screens)
    run = JOURNEYS[task.slug]
    extra = {"tmp_path": tmp_path} if "tmp_path" in inspect.signature(run).parameters else {}
    run(Journey(live_server.url, open_page, people, licence, camera), **extra)
    assert camera.taken == task.screens, "the screenshots taken are not the ones the page shows"


# Every image of a task's page, brought into view (they load lazily): loaded, and from where.
IMAGES = """async () => {
  const found = [];
  for (const img of document.querySelectorAll("main img")) {
    img.scrollIntoView();
    await new Promise(done => img.complete ? done() : img.addEventListener("load", done) ||
                      img.addEventListener("error", done));
    found.push([img.getAttribute("src"), img.naturalWidth]);
  }
  return found;
}"""


@pytest.mark.django_db(transaction=True)
def test_the_manual_opens_from_the_help_menu_and_shows_its_screens(live_server, open_page, world):
    people, _licence = world
    outside = []
    page = login(open_page, live_server, people["editor"].username)
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((live_server.url, "data:", "blob:")) else None)  # fmt: skip
    menu(page, "帮助")
    page.locator("#wagtail-sidebar").get_by_role("link", name="使用手册").click()
    expect(page.locator("h1")).to_have_text(re.compile("使用手册"))
    # the editor's own role comes first, then the others
    headings = page.locator("main h2").all_inner_texts()
    assert headings[0].startswith("部门编辑") and "（您的角色）" in headings[0]
    assert not any("（您的角色）" in heading for heading in headings[1:])

    for task in TASKS:
        page.goto(f"{live_server.url}/admin/manual/{task.slug}/")
        expect(page.locator("h1")).to_have_text(re.compile(re.escape(task.title)))
        images = page.evaluate(IMAGES)
        assert [src.rsplit("/", 1)[-1] for src, _w in images] == [
            f"{name}.jpg" for name in task.screens
        ]
        assert all(width == VIEWPORT["width"] for _src, width in images), (task.slug, images)

    # the dashboard's link to a guide is the manual too
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="使用手册").last.click()
    expect(page).to_have_url(re.compile("/admin/manual/$"))
    assert not outside, outside
