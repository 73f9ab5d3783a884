"""The 补录 template: the columns, an example row, the notes and each power's steps."""

from __future__ import annotations

import datetime
import io

from django.db.models import Q
from django.utils import timezone

from access import roles
from cases import services
from cases.applicants import ID_CHECK, ID_WEIGHTS
from catalogue.models import DepartmentPage, PowerPage

from ..export import neutralise
from .columns import REQUIRED, headers
from .rows import flow_after_acceptance


def powers_for(user):
    """The live powers the user may record cases of, with a flow."""
    powers = PowerPage.objects.live().order_by("path")
    if not roles.is_site_admin(user):
        departments = DepartmentPage.objects.filter(pk__in=roles.department_ids_of(user))
        paths = [d.path for d in departments]
        if not paths:
            return []
        query = None
        for path in paths:
            query = (query | Q(path__startswith=path)) if query else Q(path__startswith=path)
        powers = powers.filter(query)
    found = []
    for power in powers[:200]:
        try:
            found.append((power, flow_after_acceptance(services.power_flow(power)[1])))
        except services.CaseError:
            continue
    return found


def _with_check(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + ID_CHECK[total % 11]


def example_row(power: PowerPage, flow: list[dict], count: int) -> list[str]:
    """A real-looking finished case of `power` (last month, working hours)."""
    today = timezone.localdate()
    start = (today.replace(day=1) - datetime.timedelta(days=20)).replace(day=6)
    day = datetime.datetime.combine(start, datetime.time(9, 30))
    values = {
        "事项编码": power.code, "业务系统流水号": f"ZZ{start:%Y%m}0012", "申请人类型": "自然人",
        "申请人名称": "张建国", "证件类型": "居民身份证",
        "证件号码": _with_check("51160219850312041"),
        "联系人": "张建国", "联系电话": "13980261234", "申办时间": f"{day:%Y-%m-%d %H:%M}",
        "受理时间": f"{day + datetime.timedelta(minutes=20):%Y-%m-%d %H:%M}", "受理人": "李小红",
        "受理岗位": "", "办结结果": "准予", "结果说明": "", "应收费用": "0",
    }  # fmt: skip
    for index, step in enumerate(flow, start=1):
        when = day + datetime.timedelta(days=index, hours=index)
        posts = services.post_names(step["posts"])
        handler = ["王强", "陈志明", "刘芳", "赵磊"][index % 4]
        values |= {
            f"环节{index}名称": step["name"], f"环节{index}办理人": handler,
            f"环节{index}岗位": posts[0] if posts else "",
            f"环节{index}完成时间": f"{when:%Y-%m-%d %H:%M}", f"环节{index}意见": "同意",
        }  # fmt: skip
        values["办结时间"] = f"{when:%Y-%m-%d %H:%M}"
    return [values.get(name, "") for name in headers(count)]


NOTES = [
    ("每行一个办件", "第一行为表头，请勿修改；示例行导入前请删除或改为真实办件。"),
    ("事项编码", "本部门已发布事项的编码（见“事项与环节”工作表）。"),
    (
        "业务系统流水号",
        "必填：业务系统或纸质登记簿的编号。同一部门内不可重复；重复导入同一文件时，"
        "已录入的办件原样保留，不会重复创建。",
    ),  # fmt: skip
    ("申请人类型", "自然人，或 法人（其他组织）。"),
    ("证件类型/证件号码", "自然人填居民身份证（18 位，校验码须正确），法人填统一社会信用代码。"),
    (
        "时间",
        "写成 2026-11-03 09:30（或 Excel 日期时间）；不能晚于现在；"
        "申办 ≤ 受理 ≤ 环节1 ≤ 环节2 … ≤ 办结。",
    ),  # fmt: skip
    ("受理人/受理岗位", "受理环节的办理人姓名和岗位。"),
    (
        "环节N名称…",
        "受理之后的环节，按事项现行流程依次填写，名称须一致，不能跳过或调换；"
        "未办完的办件只填已完成的环节，不填办结。",
    ),  # fmt: skip
    (
        "办结结果",
        "准予、不予或部分准予（不予、部分准予须填结果说明）；办结时间即最后一个环节的完成时间。",
    ),
    ("不予受理原因", "不予受理的办件填写原因，不填环节和办结。"),
    ("全有或全无", "预览无误后确认导入；任何一行有错误，整个文件都不会导入。"),
]


def template_workbook(user) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    found = powers_for(user)
    count = max([len(flow) for _power, flow in found] + [2])
    book = Workbook()
    sheet = book.active
    sheet.title = "办件补录"
    sheet.append(headers(count))
    for cell in sheet[1]:
        cell.font = Font(bold=True, color="C00000" if cell.value in REQUIRED else "000000")
    if found:
        power, flow = next(((p, f) for p, f in found if f), found[0])
        sheet.append([neutralise(v) for v in example_row(power, flow, count)])
    for row in sheet.iter_rows():
        for cell in row:
            cell.number_format = "@"  # text: codes and identity numbers stay as typed
    sheet.freeze_panes = "C2"
    notes = book.create_sheet("填写说明")
    notes.append(["列", "填写说明"])
    for name, text in NOTES:
        notes.append([name, text])
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 18, 100
    flows = book.create_sheet("事项与环节")
    flows.append(["事项编码", "事项名称", "受理后的环节（依次）"])
    for power, flow in found:
        flows.append([power.code, power.title, "、".join(step["name"] for step in flow)])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
