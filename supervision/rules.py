"""The rules of 电子监察 a district starts with, and the rules as a site administrator tuned them.

Each rule's check is code (supervision.alerts for what a case event breaks, supervision.sweep for
what the passing days bring); its name, level, threshold and whether it runs are data
(AlertRule), tuned in the admin. `rules_ensure` adds the rules a new version brings and never
overwrites a tuned one; it runs after every `migrate`.
"""

from __future__ import annotations

import time

from django.db import transaction

from .models import AlertRule, Category, FaultKind, Level, Measure

T, P, F, OPEN, C, S = (Category.TIME, Category.PROCESS, Category.FEE, Category.OPENNESS,
                       Category.CATALOGUE, Category.SUPERVISION)  # fmt: skip
R, Y, RED = Level.REMINDER, Level.YELLOW, Level.RED

# (code, name, category, level, threshold, unit, description)
DEFAULT_RULES = [
    ("step_last_day", "环节到期提醒", T, R, None, "",
     "办理中的环节今天是期限的最后一个工作日。"),
    ("case_time_used", "办件时限预警", T, Y, 80, "%",
     "办理中的办件已用去承诺时限（含延期）的阈值百分比。"),
    ("step_overdue", "环节超期", T, RED, None, "",
     "环节超过其时限仍未办结，或超期后才办结（即使整个办件仍在承诺时限内）。"),
    ("case_overdue", "办件超期", T, RED, None, "",
     "办件超过承诺办结日期仍未办结，或超期办结。"),
    ("outside_post", "非承办岗位办理", P, Y, None, "",
     "环节由不在该环节承办岗位的人员办理（业务系统报送或补录的岗位与流程不符）。"),
    ("flow_order", "未按流程顺序办理", P, Y, None, "",
     "部门业务系统报送的环节或事件不符合流程顺序或办件状态，被平台拒收。"),
    ("reason_missing", "不予受理或不予许可未说明理由", P, RED, None, "",
     "不予受理、不予许可或部分准予没有写明理由（平台拒收的报送同样记录）。"),
    ("correction_repeat", "多次补正（未一次性告知）", P, Y, None, "",
     "同一办件第二次及以后的补正告知：违反一次性告知。"),
    ("special_untyped", "特别程序未注明种类", P, Y, None, "",
     "启动特别程序没有注明种类（听证、招标、检验、鉴定等），被平台拒收。"),
    ("extension_unapproved", "延期未经批准", P, RED, None, "",
     "延期没有部门负责人批准，被平台拒收。"),
    ("fee_on_free", "免费事项收费", F, RED, None, "",
     "在公布为不收费的事项上记录了应收或实收费用。"),
    ("fee_above_standard", "超标准收费", F, RED, None, "",
     "应收或实收费用高于该事项公布的收费标准中的最高金额。"),
    ("decision_not_public", "许可、处罚决定未按期公示", OPEN, RED, 7, "个工作日",
     "行政许可、行政处罚办结后超过阈值工作日仍未公示，也未经登记原因不予公示（双公示）。"),
    ("withheld_no_reason", "不予公示未登记原因", OPEN, RED, None, "",
     "办件不予公示而没有登记原因（涉及国家秘密、商业秘密、个人隐私）。"),
    ("review_overdue", "法制办审核超期", C, RED, None, "",
     "提交法制办审核的事项超过审核期限仍未决定。"),
    ("adjustment_overdue", "职权调整超期", C, RED, None, "",
     "法律法规变化后应申报的职权调整超过期限仍未申报。"),
    ("feedback_overdue", "评议投诉答复超期", C, RED, None, "",
     "差评、投诉、举报或咨询超过答复期限仍未答复。"),
    ("order_overdue", "督办逾期未回复", S, RED, None, "",
     "督办单超过回复期限，责任部门仍未回复。"),
    ("completion_due_soon", "数据完整度期限临近", C, R, 5, "个工作日",
     "站点管理员为部门设定的数据完整度期限还剩阈值个工作日以内，部门仍有要素不全的事项。"),
    ("completion_overdue", "数据完整度逾期", C, RED, None, "",
     "部门的数据完整度期限已过，仍有要素不全的事项（按国家实施清单基本要素计算）。"),
]  # fmt: skip

DEFAULT_FAULT_KINDS = [
    "超期办理", "未一次性告知", "违规收费", "不按流程办理", "推诿拖延", "不予受理未说明理由",
    "未按规定公示", "服务态度差", "越权办理",
]  # fmt: skip
DEFAULT_MEASURES = [
    "批评教育", "责令书面检查", "通报批评", "诫勉谈话", "调离岗位", "取消年度评优资格",
    "移送纪检监察机关处理",
]  # fmt: skip


@transaction.atomic
def rules_ensure() -> int:
    """Add the default rules that are missing (a tuned rule is left as it is) and seed the lists
    of fault kinds and measures when they are empty. Returns the number of rules added."""
    known = set(AlertRule.objects.values_list("code", flat=True))
    added = [
        AlertRule(code=code, name=name, category=category, level=level, threshold=threshold,
                  threshold_unit=unit, description=description, position=position)
        for position, (code, name, category, level, threshold, unit, description)
        in enumerate(DEFAULT_RULES)
        if code not in known
    ]  # fmt: skip
    AlertRule.objects.bulk_create(added)
    if not FaultKind.objects.exists():
        FaultKind.objects.bulk_create(
            FaultKind(name=name, position=n) for n, name in enumerate(DEFAULT_FAULT_KINDS)
        )
    if not Measure.objects.exists():
        Measure.objects.bulk_create(
            Measure(name=name, position=n) for n, name in enumerate(DEFAULT_MEASURES)
        )
    forget()
    return len(added)


_cache: dict = {"at": 0.0, "rules": None}
CACHE_SECONDS = 30  # a change in the admin reaches other processes within this time


def active_rules() -> dict[str, AlertRule]:
    """The enabled rules by code, read at most every CACHE_SECONDS per process (every case
    event asks)."""
    now = time.monotonic()
    if _cache["rules"] is None or now - _cache["at"] > CACHE_SECONDS:
        _cache["rules"] = {rule.code: rule for rule in AlertRule.objects.filter(enabled=True)}
        _cache["at"] = now
    return _cache["rules"]


def forget() -> None:
    """Read the rules again at the next question (after a change in this process)."""
    _cache["rules"] = None
