"""The flowchart (流程图) of a power, drawn by the platform from its own steps.

The document (三(二)) asks for every power's chart to show 程序、承办岗位、职责要求、
监督制约环节、相对人的权利、投诉举报途径及方式. The chart is generated from the same revision data
the legal office reviews, so picture and steps cannot drift apart:

    start → each step (name, post, time limit, what the post does) with its supervision point
    beside it → the decision branches the step declares (准予 on, 不予 ends, 补正 back to the
    applicant) → end; the counterpart's rights and the complaint channels at the foot.

`layout()` turns a power (a live page or a revision's object) into shapes with coordinates, for
one of two widths: WIDE (the supervision point beside each step: desktop, print, PNG) and NARROW
(everything stacked: phones). `to_svg()` writes them as SVG with real text (searchable,
selectable; the steps list on the page is its text alternative) and presentation attributes only,
so the same markup works inline in a page and as a standalone file. `to_png()` draws the same
shapes with Pillow for places that need a bitmap. A case's path (steps done, current, late) and a
review's changes (steps added or changed) are marks laid over the same chart.

Text is measured without a font (a CJK character is one em, other characters about 0.6 em), so
laying out needs nothing installed; the PNG needs a CJK font on the server (fonts-noto-cjk).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from .blocks import STEP_OUTCOMES
from .choices import PowerType

OUTCOME_LABELS = dict(STEP_OUTCOMES)

# Types a citizen or organisation applies for; the others start on the authority's own motion.
APPLICATION_TYPES = {"01", "04", "05", "07", "08", "09", "20"}

FONT_FAMILY = (
    "'PingFang SC','Hiragino Sans GB','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC',"
    "'Noto Sans SC','WenQuanYi Micro Hei','Droid Sans Fallback',sans-serif"
)

# Colours: ink, muted text, lines, the step accent, supervision, decisions, and the marks.
INK = "#1f2328"
MUTED = "#57606a"
LINE = "#6e7781"
ACCENT = "#1f5fa8"
STEP_FILL = "#f3f7fc"
SUPERVISION = "#8a5a00"
SUPERVISION_FILL = "#fff8e6"
REFUSE = "#b02a30"
REFUSE_FILL = "#fdf0f0"
CORRECTION = "#6a4fb3"
CORRECTION_FILL = "#f5f2fc"
FOOT_FILL = "#f6f8fa"
WHITE = "#ffffff"
MARK_COLOURS = {
    "done": ("#1a7f37", "#eef8f1", "已完成"),
    "current": ("#1f5fa8", "#e8f1fc", "当前环节"),
    "late": ("#b02a30", "#fdf0f0", "超期"),
    "added": ("#b35900", "#fff4e5", "新增"),
    "changed": ("#b35900", "#fff4e5", "修改"),
}

WIDE = "wide"
NARROW = "narrow"
PRINT = "print"  # the steps side by side, in rows: the one-page printed guide
WIDTHS = {WIDE: 760, NARROW: 340, PRINT: 760}
PRINT_COLUMNS = 5

NAME_SIZE = 15
BODY_SIZE = 13
SMALL_SIZE = 12
TITLE_SIZE = 17
LINE_GAP = 1.45  # line height, in ems
PAD = 10
ARROW_GAP = 30  # the plain connector between two boxes
DESCRIPTION_LINES = 4  # longer descriptions end in … (the steps list has the full text)
SUPERVISION_LINES = 5
FOOT_LINES = 5

NO_LINE_START = set("。，、；：？！）》」』”’…,.;:?!)]}%")
# Characters XML 1.0 does not allow; an admin's pasted text may hold them.
# Nor bidirectional overrides, which would show a step's name reversed.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\u202a-\u202e\u2066-\u2069]")


# ----------------------------------------------------------------------------- the input


@dataclass(frozen=True)
class Step:
    name: str
    post: str = ""
    description: str = ""
    time_limit: int | None = None
    supervision: str = ""
    outcomes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flow:
    """What the chart shows of a power (one revision)."""

    title: str
    code: str
    power_type: str
    department: str
    steps: tuple[Step, ...]
    legal_time_limit: int | None = None
    promised_time_limit: int | None = None
    result_name: str = ""
    rights: tuple[str, ...] = ()
    rights_note: str = ""
    complaint_channel: str = ""

    @property
    def type_label(self):
        try:
            return PowerType(self.power_type).label
        except ValueError:
            return ""


def flow_of(power, *, department=None) -> Flow:
    """The Flow of a power page or of a revision's page object (its parent is looked up only
    when `department` is not given)."""
    if department is None:
        department = _department_of(power)
    steps = []
    for block in power.steps:
        value = block.value
        steps.append(
            Step(
                name=_text(value.get("name")),
                post=_text(value.get("post")),
                description=_text(value.get("description")),
                time_limit=value.get("time_limit"),
                supervision=_text(value.get("supervision")),
                outcomes=tuple(o for o in (value.get("outcomes") or ()) if o in OUTCOME_LABELS),
            )
        )
    rights = tuple(
        label
        for flag, label in (
            (power.right_to_state, "陈述、申辩"),
            (power.right_to_hearing, "要求听证"),
            (power.right_to_review, "申请行政复议"),
            (power.right_to_litigate, "提起行政诉讼"),
        )
        if flag
    )
    complaint = power.complaint_channel or (
        department.complaint_channel if department is not None else ""
    )
    return Flow(
        title=_text(power.title),
        code=power.code or "",
        power_type=power.power_type or "",
        department=_text(department.title) if department is not None else "",
        steps=tuple(steps),
        legal_time_limit=power.legal_time_limit,
        promised_time_limit=power.promised_time_limit,
        result_name=_text(power.result_name),
        rights=rights,
        rights_note=_text(power.rights_note),
        complaint_channel=_text(complaint),
    )


def _department_of(power):
    from .models import DepartmentPage, PowerPage  # models import nothing of this module

    if not power.path:
        return None
    return DepartmentPage.objects.filter(path=power.path[: -PowerPage.steplen]).first()


def _text(value) -> str:
    return _XML_INVALID.sub("", str(value or "")).strip()


# ----------------------------------------------------------------------------- text measure


def char_width(char: str, size: float) -> float:
    code = ord(char)
    if code < 0x2E80:  # Latin, digits, punctuation: proportional, about 0.6 em at most
        if char in "ilI.,:;'|!":
            return size * 0.3
        if char.isupper() or char in "mwMW@%":
            return size * 0.72
        return size * 0.58
    return float(size)  # CJK and full-width forms


def text_width(text: str, size: float) -> float:
    return sum(char_width(c, size) for c in text)


def wrap(text: str, size: float, width: float, max_lines: int | None = None) -> list[str]:
    """Lines of `text` no wider than `width` (a line break in the text starts a new line); a
    CJK line breaks between any two characters, Latin words stay whole when they fit, and a
    closing punctuation mark never starts a line. Past `max_lines` the last line ends in …."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        line, used = "", 0.0
        tokens = re.findall(r"[A-Za-z0-9][A-Za-z0-9.\-/:]*|.", paragraph)
        for token in tokens:
            w = text_width(token, size)
            if used + w > width and line and token[0] not in NO_LINE_START:
                lines.append(line.rstrip())
                line, used = "", 0.0
                if token.isspace():
                    continue
            if w > width:  # a token longer than the line: cut it by characters
                for char in token:
                    cw = char_width(char, size)
                    if used + cw > width and line:
                        lines.append(line)
                        line, used = "", 0.0
                    line += char
                    used += cw
                continue
            line += token
            used += w
        if line.strip():
            lines.append(line.rstrip())
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and text_width(last + "…", size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


# ----------------------------------------------------------------------------- shapes


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    stroke: str = LINE
    fill: str = WHITE
    radius: float = 4
    dashed: bool = False
    stroke_width: float = 1.2
    role: str = ""  # "step-3", "supervision-3", … (the SVG's class, for tests and styling)


@dataclass
class Text:
    x: float
    y: float  # the baseline
    text: str
    size: float = BODY_SIZE
    colour: str = INK
    bold: bool = False
    anchor: str = "start"  # start | middle | end


@dataclass
class Path_:
    points: list[tuple[float, float]]
    colour: str = LINE
    arrow: bool = True
    dashed: bool = False
    width: float = 1.4


@dataclass
class Chart:
    width: float
    height: float
    title: str
    description: str
    shapes: list = field(default_factory=list)
    variant: str = WIDE


# ----------------------------------------------------------------------------- layout


def layout(flow: Flow, variant: str = WIDE, marks: dict[int, str] | None = None) -> Chart:
    """The shapes of the chart of `flow` at one of the two widths; `marks` maps a step's index
    to one of MARK_COLOURS (a case's path, a review's changes)."""
    marks = marks or {}
    if variant == PRINT:
        return _layout_print(flow)
    width = WIDTHS[variant]
    margin = 12
    inner = width - 2 * margin
    if variant == WIDE:
        step_w, side_gap = 470.0, 22.0
        side_w = inner - step_w - side_gap
    else:
        step_w, side_gap, side_w = float(inner), 0.0, float(inner)
    spine = margin + step_w / 2
    shapes: list = []
    y = margin

    # Header: the title, then code, type, department and time limits.
    for line in wrap(flow.title + " 流程图", TITLE_SIZE, inner):
        y += TITLE_SIZE * 1.3
        shapes.append(Text(margin, y, line, TITLE_SIZE, INK, bold=True))
    facts = " · ".join(
        part
        for part in (
            flow.type_label,
            f"事项编码 {flow.code}" if flow.code else "",
            f"实施主体 {flow.department}" if flow.department else "",
            _limits(flow),
        )
        if part
    )
    for line in wrap(facts, SMALL_SIZE, inner):
        y += SMALL_SIZE * LINE_GAP
        shapes.append(Text(margin, y, line, SMALL_SIZE, MUTED))
    if marks and variant:
        y += 6
        y = _legend(shapes, margin, y, inner, sorted(set(marks.values()), key=_mark_order))
    y += 12

    # Start.
    start_label = "申请人提出申请" if flow.power_type in APPLICATION_TYPES else "依法启动（立案）"
    y = _terminal(shapes, spine, y, "开始：" + start_label, min(step_w, 300))
    y = _arrow(shapes, spine, y, ARROW_GAP)

    for index, step in enumerate(flow.steps):
        mark = marks.get(index)
        box_top = y
        y = step_bottom = _step_box(shapes, flow, index, step, margin, y, step_w, mark)
        if step.supervision:
            if variant == WIDE:
                side_x = margin + step_w + side_gap
                bottom = _supervision_box(shapes, index, step, side_x, box_top, side_w)
                shapes.append(
                    Path_(
                        [(margin + step_w, box_top + 20), (side_x, box_top + 20)],
                        SUPERVISION, arrow=False, dashed=True, width=1.2,
                    )
                )  # fmt: skip
                y = max(y, bottom)
            else:
                shapes.append(
                    Path_([(spine, y), (spine, y + 10)], SUPERVISION, arrow=False, dashed=True)
                )
                y = _supervision_box(shapes, index, step, margin + 14, y + 10, side_w - 14)
        if variant == WIDE and y > step_bottom:  # the supervision point is the taller
            shapes.append(Path_([(spine, step_bottom), (spine, y)], LINE, arrow=False))
        y = _branches(shapes, flow, index, step, margin, spine, y, step_w)

    # End.
    end_label = "办结" + (f"：出具{flow.result_name}" if flow.result_name else "")
    y = _terminal(shapes, spine, y, end_label, min(step_w, 340))

    # Foot: rights and complaint channels, side by side on the wide chart.
    y += 16
    rights = "、".join(flow.rights) if flow.rights else "依法享有的其他权利"
    rights_text = f"对办理结果不服的，相对人依法享有：{rights}的权利。"
    if flow.rights_note:
        rights_text += flow.rights_note
    complaint_text = flow.complaint_channel or "政务服务便民热线 12345"
    if variant == WIDE:
        half = (inner - 16) / 2
        bottom_a = _foot_box(shapes, margin, y, half, "相对人的权利", rights_text, "rights")
        bottom_b = _foot_box(
            shapes, margin + half + 16, y, half, "投诉举报途径及方式", complaint_text, "complaint"
        )
        y = max(bottom_a, bottom_b)
    else:
        y = _foot_box(shapes, margin, y, inner, "相对人的权利", rights_text, "rights") + 10
        y = _foot_box(shapes, margin, y, inner, "投诉举报途径及方式", complaint_text, "complaint")
    y += margin

    title = f"{flow.title}流程图"
    description = (
        f"共 {len(flow.steps)} 个办理环节："
        + "→".join(step.name for step in flow.steps)
        + "。各环节的承办岗位、时限、办理内容和监督制约环节见“办理流程”的文字说明。"
    )
    return Chart(width, round(y), title, description, shapes, variant)


def _layout_print(flow: Flow) -> Chart:
    """The chart across the page for the one-page guide: steps left to right in rows of up to
    five, each with its post, limit, duties, branches and supervision point under it; start and
    end at the ends of the run. Rights and complaint channels are printed beside it."""
    width = WIDTHS[PRINT]
    margin = 4
    count = len(flow.steps)
    columns = max(1, min(PRINT_COLUMNS, count or 1))
    if count > PRINT_COLUMNS and count % PRINT_COLUMNS and count % PRINT_COLUMNS < 3:
        columns = min(PRINT_COLUMNS, max(3, -(-count // -(-count // PRINT_COLUMNS))))
    gap = 18.0
    col_w = (width - 2 * margin - gap * (columns - 1)) / columns
    inner = col_w - 12
    shapes: list = []
    y = margin
    applied = flow.power_type in APPLICATION_TYPES
    start_label = "开始：申请人提出申请" if applied else "开始：依法启动"
    y = _terminal(shapes, margin + col_w / 2, y, start_label, col_w)
    y = _arrow(shapes, margin + col_w / 2, y, 14)
    rows = [flow.steps[i : i + columns] for i in range(0, count, columns)]
    index = 0
    for row_number, row in enumerate(rows):
        # Measure every box of the row first: the row's boxes share one height.
        blocks = []
        for step in row:
            head = wrap(f"{index + 1}. {step.name or '（未命名环节）'}", BODY_SIZE, inner, 2)
            facts = wrap(
                "　".join(
                    part
                    for part in (step.post, _days(step.time_limit))
                    if part
                ),
                SMALL_SIZE - 1, inner, 2,
            )  # fmt: skip
            duties = wrap(step.description, SMALL_SIZE - 1, inner, 3) if step.description else []
            branches = [
                "补正：退回申请人补正"
                if o == "correction"
                else _refusal_label(flow, step) + "：办结"
                for o in ("correction", "refuse")
                if o in step.outcomes
            ]
            supervision = wrap(step.supervision, SMALL_SIZE - 1, inner, 4)
            blocks.append((head, facts, duties, branches, supervision, index))
            index += 1
        line = (SMALL_SIZE - 1) * LINE_GAP
        box_h = max(
            12 + len(b[0]) * BODY_SIZE * LINE_GAP + (len(b[1]) + len(b[2])) * line
            + len(b[3]) * line
            for b in blocks
        )  # fmt: skip
        sup_h = max((len(b[4]) + 1) * line + 10 if b[4] else 0 for b in blocks)
        for column, (head, facts, duties, branches, supervision, i) in enumerate(blocks):
            x = margin + column * (col_w + gap)
            shapes.append(Box(x, y, col_w, box_h, ACCENT, STEP_FILL, 5, role=f"step step-{i + 1}"))
            ty = y + 4
            for k, text in enumerate(head):
                ty += BODY_SIZE * LINE_GAP
                shapes.append(Text(x + 6, ty - 4, text, BODY_SIZE, ACCENT if k == 0 else INK, True))
            for text in facts:
                ty += line
                shapes.append(Text(x + 6, ty - 3, text, SMALL_SIZE - 1, INK))
            for text in duties:
                ty += line
                shapes.append(Text(x + 6, ty - 3, text, SMALL_SIZE - 1, MUTED))
            for text in branches:
                ty += line
                colour = CORRECTION if text.startswith("补正") else REFUSE
                shapes.append(Text(x + 6, ty - 3, "↳ " + text, SMALL_SIZE - 1, colour, True))
            if supervision:
                sy = y + box_h + 6
                shapes.append(
                    Box(x, sy, col_w, (len(supervision) + 1) * line + 8, SUPERVISION,
                        SUPERVISION_FILL, 3, dashed=True, role=f"supervision supervision-{i + 1}")
                )  # fmt: skip
                ty = sy + 2 + line
                shapes.append(Text(x + 6, ty - 3, "监督制约", SMALL_SIZE - 1, SUPERVISION, True))
                for text in supervision:
                    ty += line
                    shapes.append(Text(x + 6, ty - 3, text, SMALL_SIZE - 1, INK))
            if column < len(blocks) - 1:
                mid = y + min(box_h / 2, 24)
                shapes.append(Path_([(x + col_w, mid), (x + col_w + gap, mid)], LINE))
        row_bottom = y + box_h + (sup_h + 6 if sup_h else 0)
        last_x = margin + (len(blocks) - 1) * (col_w + gap)
        if row_number < len(rows) - 1:
            # On to the next row: from the row's last box, round to the first column.
            turn = row_bottom + 8
            shapes.append(
                Path_([(last_x + col_w, y + 24), (width - 2, y + 24), (width - 2, turn),
                       (margin + col_w / 2, turn), (margin + col_w / 2, turn + 12)], LINE)
            )  # fmt: skip
            y = turn + 12
        else:
            y = row_bottom
    end_label = "办结" + (f"：出具{flow.result_name}" if flow.result_name else "")
    end_x = margin + (((count - 1) % columns) if count else 0) * (col_w + gap) + col_w / 2
    y = _arrow(shapes, end_x, y, 12)
    y = _terminal(shapes, end_x, y, end_label, max(col_w, 200))
    title = f"{flow.title}流程图"
    description = "共 {} 个办理环节：{}。".format(count, "→".join(s.name for s in flow.steps))
    return Chart(width, round(y + margin), title, description, shapes, PRINT)


def _limits(flow: Flow) -> str:
    parts = []
    if flow.legal_time_limit is not None:
        parts.append(f"法定 {_days(flow.legal_time_limit)}")
    if flow.promised_time_limit is not None:
        parts.append(f"承诺 {_days(flow.promised_time_limit)}")
    return "办结时限：" + "，".join(parts) if parts else ""


def _days(days: int | None) -> str:
    if days is None:
        return ""
    return "即办" if days == 0 else f"{days} 个工作日"


def _mark_order(mark: str) -> int:
    return list(MARK_COLOURS).index(mark)


def _legend(shapes, x, y, width, marks) -> float:
    cursor = x
    for mark in marks:
        colour, fill, label = MARK_COLOURS[mark]
        w = text_width(label, SMALL_SIZE) + 28
        if cursor + w > x + width:
            cursor = x
            y += 22
        shapes.append(Box(cursor, y, 14, 14, colour, fill, 2, stroke_width=2))
        shapes.append(Text(cursor + 19, y + 12, label, SMALL_SIZE, INK))
        cursor += w + 8
    return y + 18


def _terminal(shapes, centre, y, label, max_w) -> float:
    lines = wrap(label, BODY_SIZE, max_w - 32)
    h = len(lines) * BODY_SIZE * LINE_GAP + 14
    w = min(max_w, max(text_width(line, BODY_SIZE) for line in lines) + 40)
    shapes.append(
        Box(centre - w / 2, y, w, h, INK, WHITE, h / 2, stroke_width=1.6, role="terminal")
    )
    ty = y + 7
    for line in lines:
        ty += BODY_SIZE * LINE_GAP
        shapes.append(Text(centre, ty - 4, line, BODY_SIZE, INK, bold=True, anchor="middle"))
    return y + h


def _arrow(shapes, x, y, length, label="") -> float:
    shapes.append(Path_([(x, y), (x, y + length)], LINE))
    if label:
        shapes.append(Text(x + 8, y + length / 2 + 4, label, SMALL_SIZE, MUTED))
    return y + length


def _step_box(shapes, flow, index, step, x, y, w, mark) -> float:
    stroke, fill, tag = ACCENT, STEP_FILL, ""
    if mark:
        stroke, fill, tag = MARK_COLOURS[mark]
    inner = w - 2 * PAD
    number = f"{index + 1}."
    time = _days(step.time_limit) if step.time_limit is not None else ""
    right = "  ".join(part for part in (tag, time) if part)
    name_room = inner - text_width(number, NAME_SIZE) - 6 - text_width(right, SMALL_SIZE) - 10
    name_lines = wrap(step.name or "（未命名环节）", NAME_SIZE, max(name_room, 80), 2)
    rows: list[tuple[str, float, str, bool]] = []
    for line in name_lines:
        rows.append((line, NAME_SIZE, INK, True))
    if step.post:
        for line in wrap("承办岗位：" + step.post, BODY_SIZE, inner, 2):
            rows.append((line, BODY_SIZE, INK, False))
    if step.description:
        for line in wrap(step.description, SMALL_SIZE, inner, DESCRIPTION_LINES):
            rows.append((line, SMALL_SIZE, MUTED, False))
    h = PAD * 2 + sum(size * LINE_GAP for _, size, _, _ in rows) - 2
    shapes.append(
        Box(x, y, w, h, stroke, fill, 6, stroke_width=2.4 if mark else 1.4,
            dashed=mark in ("added", "changed"), role=f"step step-{index + 1}"
            + (f" is-{mark}" if mark else ""))
    )  # fmt: skip
    ty = y + PAD
    first = True
    for line, size, colour, bold in rows:
        ty += size * LINE_GAP
        if first:
            shapes.append(Text(x + PAD, ty - 4, number, NAME_SIZE, stroke, bold=True))
            shapes.append(
                Text(x + PAD + text_width(number, NAME_SIZE) + 6, ty - 4, line, size, colour, bold)
            )
            if right:
                shapes.append(
                    Text(x + w - PAD, ty - 4, right, SMALL_SIZE, stroke if tag else MUTED,
                         bold=bool(tag), anchor="end")
                )  # fmt: skip
            first = False
        else:
            indent = text_width(number, NAME_SIZE) + 6 if bold else 0
            shapes.append(Text(x + PAD + indent, ty - 4, line, size, colour, bold))
    return y + h


def _supervision_box(shapes, index, step, x, y, w) -> float:
    inner = w - 2 * PAD
    lines = wrap(step.supervision, SMALL_SIZE, inner, SUPERVISION_LINES)
    h = PAD * 2 + (len(lines) + 1) * SMALL_SIZE * LINE_GAP - 2
    shapes.append(
        Box(x, y, w, h, SUPERVISION, SUPERVISION_FILL, 4, dashed=True,
            role=f"supervision supervision-{index + 1}")
    )  # fmt: skip
    ty = y + PAD + SMALL_SIZE * LINE_GAP
    shapes.append(Text(x + PAD, ty - 4, "监督制约", SMALL_SIZE, SUPERVISION, bold=True))
    for line in lines:
        ty += SMALL_SIZE * LINE_GAP
        shapes.append(Text(x + PAD, ty - 4, line, SMALL_SIZE, INK))
    return y + h


def _refusal_label(flow: Flow, step: Step) -> str:
    if "受理" in step.name:
        return "不予受理"
    return {"01": "不予许可", "02": "不予处罚"}.get(flow.power_type, "不予办理")


def _branches(shapes, flow, index, step, x, spine, y, step_w) -> float:
    """The connector below a step: 准予 (or nothing) down the spine, and a box to the right of
    the spine for each of 补正 (back to the applicant) and 不予 (the case ends)."""
    last = index == len(flow.steps) - 1
    side = [o for o in ("correction", "refuse") if o in step.outcomes]
    down_label = "准予" if "approve" in step.outcomes else ""
    if not side:
        return _arrow(shapes, spine, y, ARROW_GAP + (6 if down_label else 0), down_label)
    branch_x = spine + 40
    branch_w = x + step_w - branch_x
    top = y + 12
    cursor = top
    for outcome in side:
        if outcome == "correction":
            label = "补正"
            text = "一次性告知需补正的全部内容，退回申请人补正；补正后回到本环节"
            stroke, fill = CORRECTION, CORRECTION_FILL
        else:
            label = _refusal_label(flow, step)
            text = f"{label}：书面告知理由和相对人依法享有的权利，办结"
            stroke, fill = REFUSE, REFUSE_FILL
        lines = wrap(text, SMALL_SIZE, branch_w - 2 * 8)  # short texts: never cut
        h = len(lines) * SMALL_SIZE * LINE_GAP + 12
        shapes.append(
            Box(branch_x, cursor, branch_w, h, stroke, fill, 4,
                role=f"outcome outcome-{outcome} outcome-{index + 1}")
        )  # fmt: skip
        shapes.append(Path_([(spine, cursor + 12), (branch_x, cursor + 12)], stroke))
        shapes.append(
            Text(spine + 4, cursor + 8, OUTCOME_LABELS[outcome], SMALL_SIZE - 1, stroke, True)
        )
        ty = cursor + 6
        for line in lines:
            ty += SMALL_SIZE * LINE_GAP
            shapes.append(Text(branch_x + 8, ty - 3, line, SMALL_SIZE, INK))
        cursor += h + 8
    end = max(cursor + 4, top + ARROW_GAP)
    shapes.append(Path_([(spine, y), (spine, end)], LINE))
    if down_label or not last:
        shapes.append(
            Text(spine - 8, end - 8, down_label or "通过", SMALL_SIZE, MUTED, anchor="end")
        )
    return end


def _foot_box(shapes, x, y, w, heading, text, role) -> float:
    inner = w - 2 * PAD
    lines = wrap(text, SMALL_SIZE, inner, FOOT_LINES)
    h = PAD * 2 + NAME_SIZE * LINE_GAP + len(lines) * SMALL_SIZE * LINE_GAP
    shapes.append(Box(x, y, w, h, LINE, FOOT_FILL, 4, role=role))
    ty = y + PAD + NAME_SIZE * LINE_GAP
    shapes.append(Text(x + PAD, ty - 5, heading, BODY_SIZE, INK, bold=True))
    for line in lines:
        ty += SMALL_SIZE * LINE_GAP
        shapes.append(Text(x + PAD, ty - 4, line, SMALL_SIZE, INK))
    return y + h


# ----------------------------------------------------------------------------- SVG


def _esc(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def to_svg(chart: Chart, *, ident: str = "fc", standalone: bool = False) -> str:
    """The chart as SVG markup. `ident` makes the ids of its title and description unique in
    the page it is inlined in; `standalone` adds the XML declaration of a file."""
    parts = []
    if standalone:
        parts.append('<?xml version="1.0" encoding="UTF-8"?>\n')
    w, h = _n(chart.width), _n(chart.height)
    parts.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
        f' role="img" aria-labelledby="{ident}-t {ident}-d" class="flowchart-svg'
        f' flowchart-svg--{chart.variant}" font-family="{_esc(FONT_FAMILY)}">'
        f'<title id="{ident}-t">{_esc(chart.title)}</title>'
        f'<desc id="{ident}-d">{_esc(chart.description)}</desc>'
    )
    # One arrowhead per colour (context-stroke is not drawn by every renderer).
    colours = sorted({p.colour for p in chart.shapes if isinstance(p, Path_) and p.arrow})
    markers = {colour: f"{ident}-a{i}" for i, colour in enumerate(colours)}
    parts.append("<defs>")
    for colour, marker in markers.items():
        parts.append(
            f'<marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7"'
            f' markerHeight="7" orient="auto"><path d="M0 0L10 5L0 10z" fill="{colour}"/>'
            "</marker>"
        )
    parts.append(f'</defs><rect width="{w}" height="{h}" fill="#fff"/>')
    for shape in chart.shapes:
        if isinstance(shape, Box):
            dash = ' stroke-dasharray="5 3"' if shape.dashed else ""
            role = f' class="{shape.role}"' if shape.role else ""
            parts.append(
                f'<rect{role} x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.w)}"'
                f' height="{_n(shape.h)}" rx="{_n(shape.radius)}" fill="{shape.fill}"'
                f' stroke="{shape.stroke}" stroke-width="{_n(shape.stroke_width)}"{dash}/>'
            )
        elif isinstance(shape, Text):
            anchor = f' text-anchor="{shape.anchor}"' if shape.anchor != "start" else ""
            weight = ' font-weight="700"' if shape.bold else ""
            parts.append(
                f'<text x="{_n(shape.x)}" y="{_n(shape.y)}" font-size="{_n(shape.size)}"'
                f' fill="{shape.colour}"{weight}{anchor}>{_esc(shape.text)}</text>'
            )
        else:
            points = " ".join(f"{_n(px)},{_n(py)}" for px, py in shape.points)
            dash = ' stroke-dasharray="4 3"' if shape.dashed else ""
            arrow = f' marker-end="url(#{markers[shape.colour]})"' if shape.arrow else ""
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{shape.colour}"'
                f' stroke-width="{_n(shape.width)}"{dash}{arrow}/>'
            )
    parts.append("</svg>")
    return "".join(parts)


# ----------------------------------------------------------------------------- PNG

FONT_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/truetype/wqy",
    "/usr/share/fonts/truetype/droid",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)
FONT_FILES = {
    False: ("NotoSansCJK-Regular.ttc", "wqy-microhei.ttc", "DroidSansFallbackFull.ttf",
            "PingFang.ttc", "msyh.ttc"),
    True: ("NotoSansCJK-Bold.ttc", "wqy-microhei.ttc", "DroidSansFallbackFull.ttf",
           "PingFang.ttc", "msyhbd.ttc"),
}  # fmt: skip


@lru_cache(maxsize=1)
def _font_paths() -> dict[bool, tuple[str, int] | None]:
    found = {}
    for bold, names in FONT_FILES.items():
        found[bold] = None
        for name in names:
            for directory in FONT_DIRS:
                path = Path(directory) / name
                if path.exists():
                    # Noto Sans CJK's collection holds JP, KR, SC, TC, HK: SC is the third.
                    found[bold] = (str(path), 2 if name.startswith("NotoSansCJK") else 0)
                    break
            if found[bold]:
                break
    return found


MAX_PNG_HEIGHT = 12000  # pixels


def png_available() -> bool:
    return _font_paths()[False] is not None


@lru_cache(maxsize=16)
def _font(size: float, bold: bool):
    from PIL import ImageFont

    path = _font_paths()[bold] or _font_paths()[False]
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path[0], round(size), index=path[1])


def to_png(chart: Chart, scale: float = 2.0) -> bytes:
    """The chart as a PNG at `scale` times its size (2: crisp on high-density screens)."""
    from PIL import Image, ImageDraw

    # A bounded bitmap whatever the process: a very long chart is drawn smaller, not bigger.
    scale = min(scale, MAX_PNG_HEIGHT / max(chart.height, 1))
    image = Image.new("RGB", (round(chart.width * scale), round(chart.height * scale)), WHITE)
    draw = ImageDraw.Draw(image)

    def s(value):
        return value * scale

    for shape in chart.shapes:
        if isinstance(shape, Box):
            box = [s(shape.x), s(shape.y), s(shape.x + shape.w), s(shape.y + shape.h)]
            width = max(1, round(s(shape.stroke_width)))
            draw.rounded_rectangle(box, radius=s(shape.radius), fill=shape.fill)
            if shape.dashed:
                x0, y0, x1, y1 = box
                for a, b in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)),
                             ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):  # fmt: skip
                    _dashed(draw, a, b, shape.stroke, width, s(5), s(3))
            else:
                draw.rounded_rectangle(box, radius=s(shape.radius), outline=shape.stroke,
                                       width=width)  # fmt: skip
        elif isinstance(shape, Text):
            font = _font(s(shape.size), shape.bold)
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[shape.anchor]
            draw.text((s(shape.x), s(shape.y)), shape.text, fill=shape.colour, font=font,
                      anchor=anchor)  # fmt: skip
        else:
            points = [(s(px), s(py)) for px, py in shape.points]
            width = max(1, round(s(shape.width)))
            for a, b in zip(points, points[1:], strict=False):
                if shape.dashed:
                    _dashed(draw, a, b, shape.colour, width, s(4), s(3))
                else:
                    draw.line([a, b], fill=shape.colour, width=width)
            if shape.arrow and len(points) > 1:
                _arrow_head(draw, points[-2], points[-1], shape.colour, s(7))
    buffer = io.BytesIO()
    # A palette of 128 colours keeps the antialiased text and makes the file a third the size.
    image.quantize(128, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def _dashed(draw, a, b, colour, width, dash, gap):
    (x0, y0), (x1, y1) = a, b
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
    if not length:
        return
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    pos = 0.0
    while pos < length:
        end = min(pos + dash, length)
        draw.line([(x0 + dx * pos, y0 + dy * pos), (x0 + dx * end, y0 + dy * end)],
                  fill=colour, width=width)  # fmt: skip
        pos = end + gap


def _arrow_head(draw, a, b, colour, size):
    (x0, y0), (x1, y1) = a, b
    length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 or 1
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    px, py = -dy, dx
    draw.polygon(
        [(x1, y1), (x1 - dx * size + px * size * 0.5, y1 - dy * size + py * size * 0.5),
         (x1 - dx * size - px * size * 0.5, y1 - dy * size - py * size * 0.5)],
        fill=colour,
    )  # fmt: skip
