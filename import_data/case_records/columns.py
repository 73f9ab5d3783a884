"""The columns of a 补录 file and who may record cases."""

from __future__ import annotations

import re

from access import roles
from cases.models import ApplicantType, IdType, Result

HEAD = ["事项编码", "业务系统流水号", "申请人类型", "申请人名称", "证件类型", "证件号码", "联系人",
        "联系电话", "申办时间", "受理时间", "受理人", "受理岗位"]  # fmt: skip
STEP_PARTS = ["名称", "办理人", "岗位", "完成时间", "意见"]
TAIL = ["办结时间", "办结结果", "结果说明", "不予受理原因", "应收费用", "实收费用", "减免费用"]
EXPORT_ONLY = ["办件编号", "状态"]
REQUIRED = ["事项编码", "申请人类型", "申请人名称", "证件号码", "申办时间", "受理时间", "受理人"]
STEP_RE = re.compile(r"^环节(\d{1,2})(名称|办理人|岗位|完成时间|意见)$")
MAX_STEPS = 30
# About 55 ms a row on SQLite, 100 ms on PostgreSQL here (the services: a case and its steps),
# so a file of 1,000 rows is previewed and imported within a request of a minute or two.
MAX_ROWS = 1000
DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S",
                    "%Y.%m.%d %H:%M", "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d")  # fmt: skip
TYPE_WORDS = {"自然人": ApplicantType.PERSON, "个人": ApplicantType.PERSON}
TYPE_WORDS |= dict.fromkeys(
    ["法人", "法人或其他组织", "法人（其他组织）", "其他组织", "企业"], ApplicantType.ORGANISATION
)
ID_WORDS = {label: value for value, label in IdType.choices} | {
    "身份证": IdType.ID_CARD, "信用代码": IdType.CREDIT_CODE,
}  # fmt: skip
RESULT_WORDS = {label: value for value, label in Result.choices}


def step_headers(count: int) -> list[str]:
    return [f"环节{n}{part}" for n in range(1, count + 1) for part in STEP_PARTS]


def headers(step_count: int) -> list[str]:
    return HEAD + step_headers(step_count) + TAIL


def may_backfill(user) -> bool:
    """Who enters 办件补录: site administrators and departments' staff (editors and post
    holders), each row then checked against the row's department."""
    return roles.is_site_admin(user) or bool(roles.department_ids_of(user))


def may_record_for(user, department_id: int) -> bool:
    """access.roles.may_record_cases_for, the rule cases.services applies too."""
    return roles.may_record_cases_for(user, department_id)
