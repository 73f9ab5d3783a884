"""What a change of a power changed: the fields compared, with the labels citizens read in its
public record (调整记录), and whether a revision changed anything at all (review.four_eyes: a
revision that changes nothing makes nobody its author)."""

from catalogue.data import comparable_stream
from catalogue.models import PowerPage

# The fields compared to tell citizens what an approved change changed, with their labels.
TRACKED_FIELD_LABELS = {
    "title": "事项名称",
    "power_type": "事项类型",
    "item_group": "所属主项",
    "exercise_level": "行使层级",
    "power_source": "权力来源",
    "handling_agency": "承办机构",
    "staff": "承办岗位/人员",
    "legal_bases": "行使依据",
    "acceptance_conditions": "受理条件",
    "materials": "申请材料",
    "steps": "办理流程",
    "legal_time_limit": "法定办结时限",
    "promised_time_limit": "承诺办结时限",
    "fee_free": "收费",
    "fee_standard": "收费标准",
    "fee_basis": "收费依据",
    "service_mode": "办理形式",
    "result_name": "结果名称",
    "right_to_state": "相对人权利",
    "right_to_hearing": "相对人权利",
    "right_to_review": "相对人权利",
    "right_to_litigate": "相对人权利",
    "rights_note": "相对人权利",
    "complaint_channel": "投诉举报途径",
    "discretion": "裁量基准",
    "flowchart": "流程图",
    "tags": "标签",
    "status": "状态",
    "effective_date": "生效日期",
}


def comparable(power: PowerPage) -> dict:
    values = {}
    for name in TRACKED_FIELD_LABELS:
        if name == "legal_bases":
            values[name] = [
                (b.law_id, b.law_title, b.articles, b.quote) for b in power.legal_bases.all()
            ]
        elif name == "tags":
            values[name] = sorted(tag.name for tag in power.tags.all())
        elif name == "flowchart":
            values[name] = power.flowchart_id
        elif name in ("staff", "materials", "steps", "discretion"):
            stream = getattr(power, name)
            # Empty values alike: a step stored before a field existed is not a change.
            values[name] = comparable_stream(
                [(c.block_type, c.block.get_prep_value(c.value)) for c in stream]
            )
        else:
            values[name] = getattr(power, name)
    return _same_line_ends(values)


def _same_line_ends(value):
    """Text with its line ends written one way: a browser sends a textarea's lines as CRLF,
    while imports, the API and the services store LF; the admin re-saving a text under review
    unchanged (a reviewer's approval does) is no change."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, dict):
        return {key: _same_line_ends(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_same_line_ends(item) for item in value)
    return value


def changed_field_labels(before: PowerPage, after: PowerPage) -> list[str]:
    old, new = comparable(before), comparable(after)
    labels = []
    for name, label in TRACKED_FIELD_LABELS.items():
        if old[name] != new[name] and label not in labels:
            labels.append(label)
    return labels


def changes_anything(before: PowerPage, after: PowerPage) -> bool:
    """Whether `after` changes a tracked field, or the stated reason, of `before`."""
    return comparable(before) != comparable(after) or (
        _same_line_ends((before.change_note or "").strip())
        != _same_line_ends((after.change_note or "").strip())
    )
