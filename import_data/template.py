"""The import template: an XLSX with the columns in Chinese, a 填写说明 sheet, drop-down lists
for 事项类型, 行使层级, 权力来源 and 状态, and one example row."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from catalogue.choices import ExerciseLevel, PowerSource, PowerStatus, PowerType

from .columns import COLUMNS
from .spreadsheet.values import outcome_labels

CHOICES = {
    "power_type": [t.label for t in PowerType],
    "exercise_level": [c.label for c in ExerciseLevel],
    "power_source": [c.label for c in PowerSource],
    "status": [c.label for c in PowerStatus],
    "online_depth": ["一级", "二级", "三级", "四级"],
}
EXAMPLE = {
    "code": "511A0142000000-511602000000-000-11511301008778183N-1-00",
    "title": "道路货物运输经营许可",
    "power_type": "行政许可",
    "department": "区交通运输局",
    "handling_agency": "运输管理股",
    "exercise_level": "县级",
    "power_source": "法定本级行使",
    "citations": (
        "《中华人民共和国道路运输条例》第二十一条、第二十四条；"
        "《中华人民共和国行政许可法》第四十二条第一款"
    ),
    "acceptance_conditions": "有与其经营业务相适应并经检测合格的车辆；\n有符合规定条件的驾驶人员。",
    "materials": "道路货物运输经营申请表\n负责人身份证明",
    "steps": "受理（1个工作日）：核对申请材料\n审查（3个工作日）：审查经营条件\n"
    "决定（1个工作日）：作出许可决定",
    "step_posts": "窗口受理岗\n审核岗\n分管负责人",
    "step_supervision": "一次性告知需补正的全部材料\n两人以上共同审查，限时办结\n"
    "法制审核后集体研究决定",
    "step_outcomes": "补正、不予\n\n准予、不予",
    "legal_time_limit": "20",
    "promised_time_limit": "5",
    "fee_standard": "不收费",
    "service_mode": "窗口办理、网上办理",
    "online_depth": "三级",
    "result_name": "道路运输经营许可证",
    "consultation_phone": "0826-2345678",
    "complaint_phone": "0826-2345679",
    "tags": "道路运输、货运",
    "status": "在用",
    "effective_date": "2019年4月23日",
}


def template_workbook() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "事项清单"
    columns = [c for c in COLUMNS if c.in_template]
    sheet.append([f"{c.header}*" if c.required else c.header for c in columns])
    sheet.append([EXAMPLE.get(c.key, "") for c in columns])
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = fill
        sheet.column_dimensions[get_column_letter(index)].width = 40 if column.multiline else 18
        for row in range(2, 3):
            sheet.cell(row=row, column=index).alignment = Alignment(wrap_text=True, vertical="top")
        if column.key in CHOICES:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(CHOICES[column.key]) + '"', allow_blank=True,
                showErrorMessage=True, errorTitle="请从列表中选择",
                error=f"{column.header}只能是：" + "、".join(CHOICES[column.key]),
            )  # fmt: skip
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "C2"

    notes = book.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "填写说明"])
    for column in columns:
        notes.append([column.header, "必填" if column.required else "选填", column.help])
    notes.append([])
    notes.append([
        "说明", "",
        "第一行为表头，请勿修改；第二行为示例，导入前请删除或改为真实事项。"
        "同一事项编码只能出现一次；已有事项按编码更新，未列出的事项默认不变。",
    ])  # fmt: skip
    notes.append([
        "办理流程", "",
        "每个环节一行，可写成“环节名称（时限）：办理内容”。环节承办岗位、监督制约环节、"
        "环节决定分支三列与办理流程逐行对应：第几行就是第几个环节，没有的留空行；"
        "也可每行写成“环节名称：内容”，只写有内容的环节。决定分支只能填写"
        f"{outcome_labels()}，流程图按此绘制。表格不含其中某列时，同名环节原有的该项内容"
        "保持不变。",
    ])  # fmt: skip
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    for row in notes.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
