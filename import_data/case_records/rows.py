"""One row: its checks (by column, in Chinese) and its application through cases.services."""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from cases import services
from cases.applicants import Applicant, ApplicantError
from cases.models import Case, Channel, Result
from catalogue.models import DepartmentPage, PowerPage

from .columns import (
    DATETIME_FORMATS,
    ID_WORDS,
    MAX_STEPS,
    REQUIRED,
    RESULT_WORDS,
    STEP_RE,
    TYPE_WORDS,
    may_record_for,
)


@dataclass
class StepEntry:
    number: int
    name: str
    handler: str
    post: str
    completed_at: datetime.datetime | None
    opinion: str


@dataclass
class Plan:
    """What a valid row will do, for the preview and for applying it."""

    power: PowerPage
    department: DepartmentPage
    external_id: str
    applicant: Applicant
    submitted_at: datetime.datetime
    accepted_at: datetime.datetime
    accepted_by: str
    accepted_post: str
    steps: list[StepEntry]
    finished_at: datetime.datetime | None
    result: str
    result_description: str
    rejection: str
    fees: tuple | None

    def summary(self) -> str:
        person = self.applicant.public_name
        if self.rejection:
            outcome = "不予受理"
        elif self.result:
            outcome = f"办结（{Result(self.result).label}）"
        else:
            outcome = f"办理中（已完成 {len(self.steps)} 个环节）"
        return f"{self.power.title}｜申请人 {person}｜受理 {self.accepted_by}｜{outcome}"


def _parse_time(value: str) -> datetime.datetime | None:
    text = unicodedata.normalize("NFKC", value).strip().replace("T", " ")
    text = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})日", r"\1-\2-\3", text)
    for pattern in DATETIME_FORMATS:
        try:
            moment = datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
        return timezone.make_aware(moment)
    raise ValueError


def _live_flow(power: PowerPage, cache: dict) -> list[dict]:
    if power.pk not in cache:
        cache[power.pk] = services.power_flow(power)[1]
    return cache[power.pk]


def flow_after_acceptance(flow: list[dict]) -> list[dict]:
    """The steps the spreadsheet lists: those after the applicant's own and the 受理 step."""
    position = 0
    while position < len(flow) and flow[position]["posts"].strip() == services.APPLICANT_POST:
        position += 1
    return flow[position + 1 :]


class RowChecker:
    """Checks one row against the rules of 补录; the errors by column, in Chinese."""

    def __init__(self, user):
        self.user = user
        self.now = timezone.now()
        self.powers: dict[str, PowerPage | None] = {}
        self.departments: dict[int, DepartmentPage] = {}
        self.flows: dict[int, list[dict]] = {}
        self.seen: dict[tuple[int, str], int] = {}

    def power(self, code: str) -> PowerPage | None:
        if code not in self.powers:
            self.powers[code] = PowerPage.objects.live().filter(code=code).first()
        return self.powers[code]

    def department(self, power: PowerPage) -> DepartmentPage:
        if power.pk not in self.departments:
            self.departments[power.pk] = DepartmentPage.objects.get(
                path=power.path[: -PowerPage.steplen]
            )
        return self.departments[power.pk]

    def existing(self, row: dict) -> Case | None:
        """A case this file (or an earlier one) already recorded: by 办件编号 (an export), or
        by the department and 业务系统流水号."""
        case_no = (row.get("办件编号") or "").strip()
        if case_no:
            case = Case.objects.filter(case_no=case_no).first()
            if case is not None and may_record_for(self.user, case.department_id):
                return case
        power = self.power((row.get("事项编码") or "").strip())
        external_id = (row.get("业务系统流水号") or "").strip()
        if power is None or not external_id:
            return None
        department = self.department(power)
        return Case.objects.filter(department=department, external_id=external_id).first()

    def check(self, row: dict, number: int) -> Plan | dict[str, list[str]]:
        errors: dict[str, list[str]] = defaultdict(list)
        get = lambda name: (row.get(name) or "").strip()  # noqa: E731

        for name in REQUIRED:
            if not get(name):
                errors[name].append(f"请填写{name}。")
        code = get("事项编码")
        power = self.power(code) if code else None
        flow: list[dict] = []
        department = None
        if code and power is None:
            errors["事项编码"].append(f"没有编码为 {code[:64]} 的已发布事项。")
        elif power is not None:
            department = self.department(power)
            if not may_record_for(self.user, department.pk):
                errors["事项编码"].append(
                    f"“{power.title}”是{department.title}的事项，您只能补录本部门事项的办件。"
                )
            else:
                try:
                    flow = flow_after_acceptance(_live_flow(power, self.flows))
                except services.CaseError as error:
                    errors["事项编码"].append(str(error))
        external_id = get("业务系统流水号")
        if not external_id:
            errors["业务系统流水号"].append("请填写业务系统流水号（纸质办件填写登记簿的编号），"
                                      "重复导入时据此识别已录入的办件。")  # fmt: skip
        elif len(external_id) > 64:
            errors["业务系统流水号"].append("业务系统流水号最长 64 个字符。")
        elif department is not None:
            key = (department.pk, external_id)
            if key in self.seen:
                errors["业务系统流水号"].append(f"与第 {self.seen[key]} 行重复。")
            else:
                self.seen[key] = number

        kind = TYPE_WORDS.get(get("申请人类型"), get("申请人类型"))
        id_type = ID_WORDS.get(get("证件类型"), get("证件类型"))
        applicant = None
        try:
            applicant = Applicant.clean({
                "type": kind, "name": get("申请人名称"), "id_type": id_type,
                "id_no": get("证件号码"), "contact_name": get("联系人"),
                "contact_phone": get("联系电话"),
            })  # fmt: skip
        except ApplicantError as error:
            columns = {"applicant_type": "申请人类型", "applicant_name": "申请人名称",
                       "applicant_id_type": "证件类型", "applicant_id_no": "证件号码",
                       "contact_phone": "联系电话"}  # fmt: skip
            for key, message in error.errors.items():
                column = columns.get(key, "申请人名称")
                if not (column in REQUIRED and errors.get(column)):
                    errors[column].append(message)

        times: list[tuple[str, datetime.datetime]] = []

        def moment(name: str) -> datetime.datetime | None:
            text = get(name)
            if not text:
                return None
            try:
                value = _parse_time(text)
            except ValueError:
                errors[name].append(f"“{text[:30]}”不是日期时间，请写成 2026-11-03 09:30。")
                return None
            if value > self.now:
                errors[name].append("时间不能晚于现在：补录的是已经发生的办理过程。")
            times.append((name, value))
            return value

        submitted_at, accepted_at = moment("申办时间"), moment("受理时间")
        steps: list[StepEntry] = []
        numbers = sorted({int(m.group(1)) for k in row if (m := STEP_RE.match(k))})
        for n in numbers:
            if n > MAX_STEPS:
                continue
            entry = StepEntry(n, get(f"环节{n}名称"), get(f"环节{n}办理人"), get(f"环节{n}岗位"),
                              None, get(f"环节{n}意见"))  # fmt: skip
            if not any([entry.name, entry.handler, entry.post, get(f"环节{n}完成时间"),
                        entry.opinion]):  # fmt: skip
                continue
            entry.completed_at = moment(f"环节{n}完成时间")
            steps.append(entry)
        finished_at = moment("办结时间")
        rejection = get("不予受理原因")
        result_text = get("办结结果")
        result = RESULT_WORDS.get(result_text, "")
        if result_text and not result:
            errors["办结结果"].append("办结结果只能是：准予、不予、部分准予。")

        if department is not None and not errors.get("事项编码"):
            self._check_steps(steps, flow, errors, rejection, result, finished_at, get)
        if rejection and (steps or result or finished_at):
            errors["不予受理原因"].append("不予受理的办件不能再填写办理环节或办结信息。")
        ordered = [(n, t) for n, t in times if t is not None]
        for (before_name, before), (name, value) in zip(ordered, ordered[1:], strict=False):
            if value < before:
                shown = f"{timezone.localtime(before):%Y-%m-%d %H:%M}"
                errors[name].append(f"早于{before_name}（{shown}），时间须按办理顺序。")
                break
        fees = None
        if any(get(name) for name in ("应收费用", "实收费用", "减免费用")):
            try:
                fees = tuple(
                    services._money(get(name), name)
                    for name in ("应收费用", "实收费用", "减免费用")
                )
            except services.CaseError as error:
                errors["应收费用"].append(str(error))
        if errors:
            return errors
        last = steps[-1].completed_at if steps else None
        if result and finished_at is None:
            finished_at = last
        return Plan(
            power=power, department=department, external_id=external_id, applicant=applicant,
            submitted_at=submitted_at, accepted_at=accepted_at, accepted_by=get("受理人")[:50],
            accepted_post=get("受理岗位")[:100], steps=steps, finished_at=finished_at,
            result=result, result_description=get("结果说明"), rejection=rejection, fees=fees,
        )  # fmt: skip

    def _check_steps(self, steps, flow, errors, rejection, result, finished_at, get):
        expected = [step["name"] for step in flow]
        expected_text = "、".join(expected) or "（受理后没有其他环节）"
        for index, entry in enumerate(steps):
            column = f"环节{entry.number}名称"
            if entry.number != index + 1:
                errors[column].append(f"环节须从环节1起连续填写，缺少环节{index + 1}。")
                return
            if index >= len(expected):
                errors[column].append(
                    f"该事项现行流程受理后只有 {len(expected)} 个环节：{expected_text}。"
                )
                return
            if entry.name != expected[index]:
                errors[column].append(f"应为“{expected[index]}”：该事项现行流程受理后的环节依次为"
                                      f"{expected_text}，不能跳过或调换。")  # fmt: skip
                return
            if not entry.handler:
                errors[f"环节{entry.number}办理人"].append("请填写办理人姓名。")
            if entry.completed_at is None and not (
                result and index == len(expected) - 1 and finished_at is not None
            ):
                if not errors.get(f"环节{entry.number}完成时间"):
                    errors[f"环节{entry.number}完成时间"].append("请填写完成时间。")
            posts = services.post_names(flow[index]["posts"])
            if entry.post and posts and entry.post not in posts:
                errors[f"环节{entry.number}岗位"].append(f"该环节由{'、'.join(posts)}办理。")
        if result and len(steps) != len(expected):
            errors["办结结果"].append(f"办结的办件须填写全部环节：{expected_text}。")
        if (result or finished_at) and not (result and finished_at or steps):
            errors["办结时间" if not finished_at else "办结结果"].append(
                "办结须同时填写办结时间和办结结果。"
            )
        elif finished_at and not result:
            errors["办结结果"].append("填写了办结时间，请同时填写办结结果：准予、不予或部分准予。")
        if result in (Result.DENIED, Result.PARTIAL) and not get("结果说明"):
            errors["结果说明"].append("不予或部分准予须写明理由。")
        if steps and result and finished_at and steps[-1].completed_at:
            if abs((steps[-1].completed_at - finished_at).total_seconds()) >= 60:
                errors["办结时间"].append("办结时间应与最后一个环节的完成时间相同（或留空其一）。")


def apply(plan: Plan, user) -> Case:
    """Record the case of a checked row, every write through cases.services."""

    def actor(name, post, when):
        return services.Actor(name=name, post=post, channel=Channel.BACKFILL, occurred_at=when,
                              account=user)  # fmt: skip

    accepted = actor(plan.accepted_by, plan.accepted_post, plan.accepted_at)
    opened = services.case_record(
        plan.power, plan.applicant, external_id=plan.external_id,
        actor=actor(plan.applicant.name[:50], "", plan.submitted_at),
        accepted_by=None if plan.rejection else accepted,
    )  # fmt: skip
    case = opened.case
    if plan.rejection:
        return services.case_reject(case, actor=accepted, reason=plan.rejection)
    last = len(case.steps_list) - 1
    for entry in plan.steps:
        position = case.current_step
        final = position == last
        when = entry.completed_at or plan.finished_at
        case = services.step_complete(
            case, actor=actor(entry.handler, entry.post, when), position=position,
            opinion=entry.opinion, result=plan.result if final else "",
            result_description=plan.result_description if final else "",
        )  # fmt: skip
    if plan.fees is not None:
        moments = [plan.accepted_at, plan.finished_at] + [s.completed_at for s in plan.steps]
        latest = max(m for m in moments if m is not None)
        due, paid, waived = plan.fees
        case = services.fee_record(case, actor=actor(plan.accepted_by, plan.accepted_post, latest),
                                   due=due, paid=paid, waived=waived)  # fmt: skip
    return case


SERVICE_COLUMNS = {"power": "事项编码", "result": "办结结果", "result_description": "结果说明",
                    "reason": "不予受理原因", "fee": "应收费用", "handler_name": "受理人",
                    "occurred_at": "受理时间", "materials": "事项编码"}  # fmt: skip
