"""The columns of the power import template and the header variants real spreadsheets use.

The template mirrors the national implementation-list fields (国家政务服务事项实施清单). Each column
has a `key`: the `catalogue.services.PowerData` field it fills, or one of these special keys that
the row converter turns into PowerData fields:

- ``department``: 实施主体, resolved to ``department_code`` (by code, full title or short name);
- ``citations``: 行使依据, parsed into ``CitationData`` (see ``import_data.citations``);
- ``steps`` / ``materials``: 办理流程 / 申请材料, split into StreamField block dicts;
- ``step_posts`` / ``step_supervision`` / ``step_outcomes`` (环节承办岗位 / 监督制约环节 /
  环节决定分支): one line per step of 办理流程, in its order (a blank line for a step without),
  or lines written "环节名称：…" in any order; they fill each step's post, supervision point and
  decision branches (准予、不予、补正). A file without such a column keeps what each step (by
  name) has today (``import_data.services.keep_exported_cells``);
- ``tags``: 标签, split on 、，,;；;
- ``consultation_phone`` / ``complaint_phone``: a power has no phone fields of its own, so both go
  into ``complaint_channel`` (投诉举报途径) as ``监督投诉电话：…；咨询电话：…``. When the sheet has
  either column and both cells of a row are blank, complaint_channel is set to "" and the power
  page falls back to its department's complaint channel;
- ``fee_free`` (是否收费, not in the template): 是/否, combined with 收费标准.

Columns outside the template that are still recognised (所属主项, 收费依据, 是否收费) have
``in_template=False``. The open-data export adds ``EXPORT_COLUMNS`` (the flowchart's address),
which the import passes over without a note.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    help: str = ""
    aliases: tuple[str, ...] = field(default=(), repr=False)
    # Line breaks in the cell mean something (one condition, material or step per line).
    multiline: bool = False
    in_template: bool = True
    # One line per step of 办理流程: blank lines are kept, they hold a step's place.
    per_step: bool = False


COLUMNS: list[Column] = [
    Column(
        "code",
        "事项编码",
        required=True,
        help="全国统一的实施编码，每个事项一个，不可重复；已有事项按编码更新",
        aliases=(
            "权力编码",
            "职权编码",
            "实施编码",
            "事项代码",
            "权力代码",
            "权力事项编码",
            "事项编号",
            "权力编号",
            "职权编号",
        ),  # fmt: skip
    ),
    Column(
        "title",
        "事项名称",
        required=True,
        help="如：道路货物运输经营许可",
        aliases=(
            "权力名称",
            "权力事项名称",
            "职权名称",
            "项目名称",
            "实施事项名称",
            "事项名",
            "子项名称",
            "权力事项",
        ),  # fmt: skip
    ),
    Column(
        "power_type",
        "事项类型",
        help="填写名称（如：行政许可）或国家代码（01…10、20）",
        aliases=(
            "权力类型",
            "职权类型",
            "权力类别",
            "事项类别",
            "职权类别",
            "类型",
            "类别",
            "权力分类",
            "事项分类",
        ),  # fmt: skip
    ),
    Column(
        "department",
        "实施主体",
        required=True,
        help="部门全称、简称或部门编码，须与部门名录一致",
        aliases=(
            "承办部门",
            "实施机关",
            "实施部门",
            "实施主体名称",
            "实施单位",
            "行使主体",
            "责任部门",
            "责任单位",
            "部门名称",
            "所属部门",
            "执法主体",
        ),  # fmt: skip
    ),
    Column(
        "handling_agency",
        "承办机构",
        help="部门内具体承办的科室或窗口",
        aliases=(
            "承办科室",
            "承办股室",
            "内设机构",
            "具体承办机构",
            "办理科室",
            "责任科室",
            "责任股室",
            "承办机构名称",
        ),  # fmt: skip
    ),
    Column(
        "exercise_level",
        "行使层级",
        help="省级、市级、县级或乡级",
        aliases=("层级", "实施层级", "行使层次", "权力层级"),
    ),
    Column(
        "power_source",
        "权力来源",
        help="法定本级行使、上级下放、上级授权、上级委托或其他",
        aliases=("职权来源", "事项来源"),
    ),
    Column(
        "citations",
        "行使依据",
        help="如：《中华人民共和国行政许可法》第十二条第一款；《道路运输条例》第八条",
        aliases=(
            "实施依据",
            "设定依据",
            "法律依据",
            "法定依据",
            "设立依据",
            "执法依据",
            "依据",
            "法律法规依据",
            "设定和实施依据",
        ),  # fmt: skip
        multiline=True,
    ),
    Column(
        "acceptance_conditions",
        "受理条件",
        help="每条一行",
        aliases=("申请条件", "办理条件", "受理标准"),
        multiline=True,
    ),
    Column(
        "materials",
        "申请材料",
        help="每种材料一行，可注明（原件）（复印件）（2份）",
        aliases=("申报材料", "申请材料目录", "提交材料", "所需材料", "申请材料清单", "办理材料"),
        multiline=True,
    ),
    Column(
        "steps",
        "办理流程",
        help="每个环节一行，或用 → 分隔，如：受理→审查→决定→送达",
        aliases=("办理程序", "办事流程", "流程", "运行流程", "工作流程", "办理环节", "办理步骤"),
        multiline=True,
    ),
    Column(
        "step_posts",
        "环节承办岗位",
        help="与办理流程逐行对应，每个环节一行（没有的留空行），如：窗口受理岗；"
        "也可写成“环节名称：岗位”，如：决定：分管负责人",
        aliases=(
            "承办岗位",
            "办理岗位",
            "责任岗位",
            "经办岗位",
            "环节岗位",
            "岗位名称",
            "流程承办岗位",
            "办理流程承办岗位",
        ),  # fmt: skip
        multiline=True,
        per_step=True,
    ),
    Column(
        "step_supervision",
        "监督制约环节",
        help="与办理流程逐行对应，每个环节一行（没有的留空行），写本环节的监督制约措施，"
        "如：一次性告知需补正的全部内容；也可写成“环节名称：措施”",
        aliases=(
            "监督制约措施",
            "监督制约",
            "监督制约点",
            "监督制约方式",
            "环节监督制约",
            "制约措施",
            "风险防控措施",
            "廉政风险防控措施",
            "风险点防控措施",
            "流程监督制约环节",
            "办理流程监督制约环节",
        ),  # fmt: skip
        multiline=True,
        per_step=True,
    ),
    Column(
        "step_outcomes",
        "环节决定分支",
        help="与办理流程逐行对应，每个环节一行：准予、不予、补正中的一个或几个，用顿号分隔，"
        "没有分支的环节留空行；流程图按此画出分支（准予进入下一环节，不予办结并告知理由，"
        "补正退回申请人补正材料）",
        aliases=(
            "决定分支",
            "环节决定",
            "环节分支",
            "流程分支",
            "办理分支",
            "环节办理结果",
            "环节处理结果",
            "审查决定分支",
            "办理流程决定分支",
        ),  # fmt: skip
        multiline=True,
        per_step=True,
    ),
    Column(
        "legal_time_limit",
        "法定办结时限",
        help="工作日数，如：20",
        aliases=("法定时限", "法定期限", "法定办理时限", "法定办结时间", "法定办结期限"),
    ),
    Column(
        "promised_time_limit",
        "承诺办结时限",
        help="工作日数，不得长于法定办结时限",
        aliases=("承诺时限", "承诺期限", "承诺办理时限", "承诺办结时间", "承诺办结期限"),
    ),
    Column(
        "fee_standard",
        "收费标准",
        help="不收费的填写“不收费”",
        aliases=("收费依据及标准", "收费标准及依据", "收费情况", "收费项目及标准"),
        multiline=True,
    ),
    Column(
        "service_mode",
        "办理形式",
        help="如：窗口办理、网上办理",
        aliases=("办理方式", "办理渠道", "服务方式"),
    ),
    Column(
        "online_depth",
        "网上办理深度",
        help="一级至四级：一级网上提供办事指南，二级网上下载表格，三级网上申报预审，四级全程网办",
        aliases=("网办深度", "网上办理程度", "网上可办深度"),
    ),
    Column(
        "result_name",
        "结果名称",
        help="办理结果的证照或文书，如：道路运输经营许可证",
        aliases=(
            "办理结果",
            "审批结果",
            "结果名称及样本",
            "办理结果名称",
            "审批结果名称",
            "结果文书",
        ),  # fmt: skip
    ),
    Column(
        "consultation_phone",
        "咨询电话",
        help="写入投诉举报途径（咨询电话：…）",
        aliases=("咨询方式", "咨询电话号码"),
    ),
    Column(
        "complaint_phone",
        "监督投诉电话",
        help="写入投诉举报途径（监督投诉电话：…）；留空则使用部门的监督投诉渠道",
        aliases=("投诉电话", "监督电话", "监督投诉方式", "投诉举报电话", "监督投诉渠道"),
    ),
    Column(
        "tags",
        "标签",
        help="多个标签用顿号、逗号或分号分隔",
        aliases=("关键词", "关键字"),
        multiline=True,
    ),
    Column(
        "status",
        "状态",
        help="在用、暂停或取消，留空为在用",
        aliases=("事项状态", "实施状态"),
    ),
    Column(
        "effective_date",
        "生效日期",
        help="如：2019年4月23日 或 2019-04-23",
        aliases=("实施日期", "启用日期", "生效时间"),
    ),
]

EXTRA_COLUMNS: list[Column] = [
    Column("item_group", "所属主项", aliases=("主项名称",), in_template=False),
    Column("fee_free", "是否收费", help="是或否", in_template=False),
    Column("fee_basis", "收费依据", multiline=True, in_template=False),
]

# What the open-data export adds after the template's columns; not read back.
EXPORT_COLUMNS: list[Column] = [
    Column(
        "flowchart_png",
        "流程图地址",
        help="平台按办理流程生成的流程图（PNG 图片）的网址；没有办理流程的事项为空",
        in_template=False,
    ),
]

COLUMNS_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS + EXTRA_COLUMNS}
REQUIRED_KEYS: tuple[str, ...] = tuple(column.key for column in COLUMNS if column.required)

# Columns that are common in department lists and are ignored without a warning (and the
# export's own, so that an export imports back without a note).
IGNORED_HEADERS = frozenset({"序号", "编号", "备注", "说明", "序", "流程图"}) | {
    column.header for column in EXPORT_COLUMNS
}

_SPACE_RE = re.compile(r"\s+")
_MARKERS_RE = re.compile(r"\((?:必填|必填项|选填|可选|非必填|必须)\)")
_TRAILING_NOTE_RE = re.compile(r"\([^()]*\)$")


def normalise_header(text) -> str:
    """A header as the alias table knows it: NFKC (full-width letters, digits and brackets become
    ASCII), no whitespace at all (also full-width and inside the text), no "*" marks, no
    （必填）/（选填） and no trailing colon."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = _SPACE_RE.sub("", value)
    value = _MARKERS_RE.sub("", value)
    return value.strip("*:").strip()


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for column in COLUMNS + EXTRA_COLUMNS:
        for name in (column.header, *column.aliases):
            key = normalise_header(name)
            if key in table and table[key] != column.key:  # pragma: no cover - table sanity
                raise ValueError(f"列名 {name} 重复")
            table[key] = column.key
    return table


HEADER_ALIASES: dict[str, str] = _alias_table()


def column_for_header(text) -> Column | None:
    """The column a header cell names, trying it as it is and then without a trailing note in
    brackets (法定办结时限（工作日） → 法定办结时限)."""
    name = normalise_header(text)
    if not name:
        return None
    key = HEADER_ALIASES.get(name)
    while key is None and _TRAILING_NOTE_RE.search(name):
        name = _TRAILING_NOTE_RE.sub("", name)
        key = HEADER_ALIASES.get(name)
    return COLUMNS_BY_KEY[key] if key else None


def is_canonical_header(text, column: Column) -> bool:
    return normalise_header(text) == normalise_header(column.header)


def header_hint(column: Column, limit: int = 3) -> str:
    """「实施主体」(也可写作「承办部门」「实施机关」…) for error messages."""
    if not column.aliases:
        return f"「{column.header}」"
    shown = "".join(f"「{alias}」" for alias in column.aliases[:limit])
    return f"「{column.header}」（也可写作{shown}等）"
