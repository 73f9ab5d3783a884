"""办件补录 by spreadsheet: the cases a department ran offline (or in its own system), one row per
case, recorded afterwards through cases.services, and the export of case records in the same
columns.

The columns (Chinese headers, in the template's order): 事项编码, 业务系统流水号,
申请人类型, 申请人名称, 证件类型, 证件号码, 联系人, 联系电话, 申办时间, 受理时间, 受理人,
受理岗位, then for each step after 受理 five columns 环节1名称, 环节1办理人, 环节1岗位,
环节1完成时间, 环节1意见 (环节2… likewise), then 办结时间, 办结结果 (准予/不予/部分准予),
结果说明, 不予受理原因, 应收费用, 实收费用, 减免费用. One column per value (not a multi-line
cell) because that is what departments fill in Excel without mistakes: a date
cell stays a date, a name a name. The export adds 办件编号 and 状态 in front; the import reads
办件编号 only to recognise a case already recorded.

django-import-export does what it is good at: the tablib Dataset, the transaction (a dry run and
any row with an error roll everything back: all or nothing), the Result with a RowResult per row
(new, skipped as already recorded, invalid with its errors by column), the XLSX and CSV
export. Rows are never saved as model instances: `CaseRecordResource.import_row` checks a row,
then applies it through cases.services (case_record with the named official who accepted it,
step_complete for each step, case_reject, fee_record), each with an Actor(name, post,
channel=补录, occurred_at, account=the importing user). Files are opened by
import_data.spreadsheet (recognised by content, size and zip-bomb limits, formulas without a
result refused); cells a spreadsheet would run as a formula are neutralised on export.
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import tablib
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from import_export import resources
from import_export.formats.base_formats import CSV, XLSX
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Error, RowResult

from access import roles
from access.models import PersonalDataView
from access.personal_data import mask_id_number, mask_name, mask_phone
from cases import services
from cases.applicants import Applicant, ApplicantError
from cases.models import ApplicantType, Case, Channel, IdType, Result, State
from catalogue.models import DepartmentPage, PowerPage

from .export import neutralise
from .spreadsheet import ImportFileError, open_grid
from .spreadsheet.cells import cell_text, normalise_text, unguard

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
logger = logging.getLogger(__name__)
RESULT_WORDS = {label: value for value, label in Result.choices}


def step_headers(count: int) -> list[str]:
    return [f"环节{n}{part}" for n in range(1, count + 1) for part in STEP_PARTS]


def headers(step_count: int) -> list[str]:
    return HEAD + step_headers(step_count) + TAIL


def may_backfill(user) -> bool:
    """Who enters 办件补录: importers (content and site administrators) and departments' staff
    (editors and post holders), each row then checked against the row's department."""
    return roles.can_import(user) or bool(roles.department_ids_of(user))


def may_record_for(user, department_id: int) -> bool:
    """Site and content administrators record for every department, staff for their own.
    (cases.services checks again, and is the last word.)"""
    return roles.can_import(user) or department_id in roles.department_ids_of(user)


# --- reading a file -------------------------------------------------------------------------


class CaseFileError(ImportFileError):
    pass


def read_dataset(source, filename: str | None = None) -> tuple[tablib.Dataset, list[int]]:
    """The file's first sheet as a Dataset (the header row first, then the data rows, blank rows
    left out) and the sheet row number of each data row; CaseFileError (Chinese) for a file that
    is not a readable spreadsheet, or whose header is not the template's."""
    with open_grid(source, filename) as grid:
        header, rows, numbers, problems = None, [], [], []
        for number, cells in grid.rows():
            if not cells:
                continue
            if header is None:
                header = {col: _text(value) for col, (value, _type) in cells.items()}
                continue
            row = {}
            for col, (value, data_type) in cells.items():
                name = header.get(col)
                if not name:
                    continue
                if data_type == "f":
                    problems.append(f"第 {number} 行「{name}」是公式，但没有保存计算结果，"
                                    "请粘贴为数值后再导入。")  # fmt: skip
                elif data_type == "e":
                    problems.append(f"第 {number} 行「{name}」的值是错误值 {value}。")
                else:
                    row[name] = _text(value)
            if not any(row.values()):
                continue
            rows.append(row)
            numbers.append(number)
            if len(rows) > MAX_ROWS:
                raise CaseFileError(f"一个文件最多 {MAX_ROWS} 行办件，请拆分后分批导入。")
    if header is None:
        raise CaseFileError("文件中没有任何内容。")
    names = [name for name in header.values() if name]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise CaseFileError(
            f"第一行应为办件补录模板的表头，缺少：{'、'.join(missing)}。请下载模板后按列填写。"
        )
    if problems:
        raise CaseFileError("；".join(problems[:10]))
    dataset = tablib.Dataset(headers=names)
    for row in rows:
        dataset.append([row.get(name, "") for name in names])
    return dataset, numbers


def _text(value) -> str:
    text = cell_text(value)
    return normalise_text(unguard(text), multiline=True) if text else ""


# --- one row --------------------------------------------------------------------------------


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


_SERVICE_COLUMNS = {"power": "事项编码", "result": "办结结果", "result_description": "结果说明",
                    "reason": "不予受理原因", "fee": "应收费用", "handler_name": "受理人",
                    "occurred_at": "受理时间", "materials": "事项编码"}  # fmt: skip


# --- the Resource ---------------------------------------------------------------------------


class CaseRecordResource(resources.Resource):
    """Case records in the spreadsheet's columns. Import: a row is checked (RowChecker), then
    applied through cases.services (never saved directly); export: a Dataset of the user's
    cases. Call `import_data(dataset, dry_run=..., use_transactions=True,
    rollback_on_validation_errors=True)`: a dry run and any invalid row roll everything back."""

    class Meta:
        # Rows are looked up by RowChecker.existing (办件编号, or department and 流水号).
        instance_loader_class = BaseInstanceLoader
        report_skipped = True
        skip_diff = True

    def __init__(self, *, user, row_numbers=None, reveal=False):
        super().__init__()
        self.user, self.row_numbers = user, row_numbers or []
        # Unmasked only for holders of the right (access.view_personal_data), every case logged.
        self.reveal = reveal and roles.can_view_personal_data(user)
        self.checker = RowChecker(user)

    def sheet_row(self, index: int) -> int:
        return self.row_numbers[index - 1] if index <= len(self.row_numbers) else index + 1

    def import_row(self, row, instance_loader, **kwargs):
        result = RowResult()
        result.row_values = dict(row)
        number = self.sheet_row(kwargs["row_number"])
        existing = self.checker.existing(row)
        if existing is not None:
            result.import_type = RowResult.IMPORT_TYPE_SKIP
            result.object_id, result.object_repr = (
                existing.pk,
                f"已录入：办件编号 {existing.case_no}，未改动",
            )
            return result
        checked = self.checker.check(row, number)
        if isinstance(checked, dict):
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError(dict(checked))
            return result
        try:
            with transaction.atomic():
                case = apply(checked, self.user)
        except services.CaseError as error:
            column = _SERVICE_COLUMNS.get(error.field or "", "事项编码")
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError({column: [str(error)]})
            return result
        except ValidationError as error:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError({"事项编码": error.messages})
            return result
        except PermissionDenied as error:
            result.import_type = RowResult.IMPORT_TYPE_INVALID
            result.validation_error = ValidationError(
                {"事项编码": [str(error) or "无权补录该部门的办件。"]}
            )
            return result
        except Exception as error:  # noqa: BLE001 - reported by row (all rolled back), not a 500
            logger.exception("补录 row %s failed", number)
            result.import_type = RowResult.IMPORT_TYPE_ERROR
            result.errors.append(Error(error, number=number, row=row))
            return result
        result.import_type = RowResult.IMPORT_TYPE_NEW
        result.object_id = case.pk
        result.object_repr = f"新建办件：{checked.summary()}，{len(checked.steps)} 个环节"
        return result

    # --- export ------------------------------------------------------------------------

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        cases = list(queryset.prefetch_related("steps"))
        count = max((len(flow_after_acceptance(_steps_as_flow(c))) for c in cases), default=1)
        dataset = tablib.Dataset(headers=EXPORT_ONLY + headers(max(count, 1)))
        for case in cases:
            dataset.append(self.export_case(case, count))
        if self.reveal and cases:
            content_type = ContentType.objects.get_for_model(Case)
            PersonalDataView.objects.bulk_create(
                PersonalDataView(user=self.user, content_type=content_type, object_id=str(case.pk),
                                 fields="申请人名称、证件号码、联系人、联系电话（导出）")
                for case in cases
            )  # fmt: skip
        return dataset

    def export_case(self, case: Case, count: int) -> list[str]:
        steps = case.steps_list
        accepted = steps[services.acceptance_position(case)] if steps else None
        later = steps[services.acceptance_position(case) + 1 :] if steps else []
        person = case.applicant_type == ApplicantType.PERSON
        name, id_no = case.applicant_name, case.applicant_id_no
        contact, phone = case.contact_name, case.contact_phone
        if not self.reveal:
            name = mask_name(name) if person else name
            id_no, contact, phone = mask_id_number(id_no), mask_name(contact), mask_phone(phone)
        cells = [case.case_no, case.get_state_display(), case.power_code, case.external_id,
                 ApplicantType(case.applicant_type).label.replace("法人或其他组织", "法人"),
                 name, IdType(case.applicant_id_type).label, id_no, contact, phone,
                 _time(case.submitted_at), _time(case.accepted_at or case.finished_at),
                 case.accepted_by_name or (accepted.handler_name if accepted else ""),
                 accepted.handler_post if accepted else ""]  # fmt: skip
        for index in range(count):
            step = later[index] if index < len(later) else None
            if step is None or step.completed_at is None:
                cells += [""] * len(STEP_PARTS)
            else:
                cells += [step.name, step.handler_name, step.handler_post, _time(step.completed_at),
                          step.opinion]  # fmt: skip
        finished = case.state == State.FINISHED
        cells += [_time(case.finished_at) if finished else "",
                  case.get_result_display() if finished else "", case.result_description,
                  case.rejection_reason, _money(case.fee_due), _money(case.fee_paid),
                  _money(case.fee_waived)]  # fmt: skip
        return [neutralise(cell) for cell in cells]


def _steps_as_flow(case: Case) -> list[dict]:
    return [{"name": s.name, "posts": s.posts} for s in case.steps_list]


def _time(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _money(value: Decimal) -> str:
    return "" if not value else f"{value:.2f}"


def export_file(dataset: tablib.Dataset, kind: str) -> bytes:
    """The Dataset as XLSX or CSV (UTF-8 with a BOM, for Excel and WPS)."""
    if kind == "csv":
        return ("\ufeff" + CSV().export_data(dataset)).encode("utf-8")
    return XLSX().export_data(dataset)


# --- the template ---------------------------------------------------------------------------


def powers_for(user):
    """The live powers the user may record cases of, with a flow."""
    powers = PowerPage.objects.live().order_by("path")
    if not roles.can_import(user):
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
    from cases.applicants import ID_CHECK, ID_WEIGHTS

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


# --- the import as the admin and the tests call it -------------------------------------------


@dataclass
class RowReport:
    number: int  # the sheet's row number
    outcome: str  # new, skip, invalid
    summary: str
    errors: list[tuple[str, str]]  # (column, message)


@dataclass
class ImportReport:
    """What a dry run would do, or what an import did: nothing at all when `ok` is False."""

    rows: list[RowReport]
    file_error: str = ""
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.file_error and not any(row.errors for row in self.rows)

    @property
    def created(self) -> int:
        return sum(row.outcome == RowResult.IMPORT_TYPE_NEW for row in self.rows) if self.ok else 0

    @property
    def skipped(self) -> int:
        return sum(row.outcome == RowResult.IMPORT_TYPE_SKIP for row in self.rows)

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        return [(row.number, column, text) for row in self.rows for column, text in row.errors]


def import_case_records(
    *, user, source, filename: str | None = None, dry_run: bool
) -> ImportReport:
    """Read a 补录 file and record its cases through cases.services, in one transaction: with
    `dry_run`, or when any row is refused, nothing is kept."""
    if not may_backfill(user):
        raise PermissionDenied("没有办件补录的权限。")
    try:
        dataset, numbers = read_dataset(source, filename)
    except ImportFileError as error:
        return ImportReport([], file_error=error.message, dry_run=dry_run)
    resource = CaseRecordResource(user=user, row_numbers=numbers)
    result = resource.import_data(dataset, dry_run=dry_run, use_transactions=True,
                                  rollback_on_validation_errors=True)  # fmt: skip
    rows = []
    for index, row in enumerate(result.rows, start=1):
        errors = []
        if row.validation_error is not None:
            for column, messages in row.validation_error.message_dict.items():
                errors += [(column, message) for message in messages]
        if row.errors:  # an unexpected failure: named, never a 500
            errors.append(("", "这一行无法导入（系统错误，已记录），请联系管理员。"))
        rows.append(RowReport(resource.sheet_row(index), row.import_type, row.object_repr or "",
                              errors))  # fmt: skip
    report = ImportReport(rows, dry_run=dry_run)
    if result.base_errors:
        report.file_error = "；".join(str(error.error) for error in result.base_errors)
    return report
