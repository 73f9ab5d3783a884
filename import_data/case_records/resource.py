"""The django-import-export Resource: rows applied through the services; the export."""

from __future__ import annotations

import logging
from decimal import Decimal

import tablib
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from import_export import resources
from import_export.formats.base_formats import CSV, XLSX
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Error, RowResult

from access import roles
from access.models import PersonalDataView
from access.personal_data import mask_id_number, mask_name, mask_phone
from cases import services
from cases.models import ApplicantType, Case, IdType, State

from ..export import neutralise
from .columns import EXPORT_ONLY, STEP_PARTS, headers
from .rows import SERVICE_COLUMNS, RowChecker, apply, flow_after_acceptance

logger = logging.getLogger(__name__)


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
            column = SERVICE_COLUMNS.get(error.field or "", "事项编码")
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
