"""Rows into ``PowerData``: ``rows_to_power_data`` converts each ``Row`` of a table into a
``RowResult`` (the row number, the PowerData or None, its errors and warnings), with 实施主体
resolved by ``DepartmentIndex`` and 行使依据 linked to the law library
(``import_data.citations``). The rules of a power itself are the model's (``PowerPage``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.core.exceptions import ValidationError

from catalogue.models import DepartmentPage, PowerPage
from catalogue.services import CitationData, PowerData
from catalogue.validators import validate_code

from ..citations import link_citations, parse_legal_basis
from ..columns import COLUMNS_BY_KEY
from .cells import compact
from .report import RowError, RowWarning
from .table import Row
from .values import (
    STEP_DETAILS,
    complaint_channel,
    field_max_length,
    parse_date,
    parse_exercise_level,
    parse_fee,
    parse_materials,
    parse_online_depth,
    parse_power_source,
    parse_power_type,
    parse_status,
    parse_step_details,
    parse_steps,
    parse_tags,
    parse_time_limit,
    parse_yes_no,
)


class RowResult(NamedTuple):
    """What one row became: its PowerData (None when it has errors) and the messages."""

    row: int
    data: PowerData | None  # None when the row has errors
    errors: list[RowError]
    warnings: list[RowWarning]
    values: dict[str, str] | None = None  # the row's cells (normalised text) by column key


def _lookup_key(text: str) -> str:
    return compact(text or "").upper()


class DepartmentIndex:
    """Resolves 实施主体 text to a department code: by code, full title or short name (spaces
    and full-width characters ignored), or, failing those, by a unique department whose title or
    short name ends with the text (广安区交通运输局 → 广安市广安区交通运输局), with a warning."""

    def __init__(self, departments: Iterable[tuple[str, str, str]] | Mapping[str, str]):
        self._exact: dict[str, str] = {}
        self._names: list[tuple[str, str, str]] = []  # (lookup key, code, display name)
        if isinstance(departments, Mapping):
            for name, code in departments.items():
                self._exact[_lookup_key(name)] = code
                self._exact.setdefault(_lookup_key(code), code)
                self._names.append((_lookup_key(name), code, name))
        else:
            for code, title, short_name in departments:
                self._exact[_lookup_key(code)] = code
                for name in (title, short_name):
                    if name:
                        self._exact.setdefault(_lookup_key(name), code)
                        self._names.append((_lookup_key(name), code, title or name))
        self._resolved: dict[str, tuple[str | None, str | None]] = {}
        self._resolved_keys: dict[str, tuple[str | None, str | None]] = {}

    @classmethod
    def from_db(cls) -> DepartmentIndex:
        return cls(DepartmentPage.objects.values_list("code", "title", "short_name"))

    def resolve(self, text: str) -> tuple[str | None, str | None, bool]:
        """(code or None, message, first time this text is seen). The message is a warning when
        a code is found and the error when not."""
        known = self._resolved.get(text)
        if known is not None:
            return (*known, False)
        key = _lookup_key(text)
        result = self._resolved_keys.get(key)
        first = result is None
        if first:
            result = self._resolved_keys[key] = self._resolve(text, key)
        self._resolved[text] = result
        return (*result, first)

    def _resolve(self, text: str, key: str) -> tuple[str | None, str | None]:
        if key in self._exact:
            return self._exact[key], None
        if len(key) >= 3:
            matches = {(code, name) for lookup, code, name in self._names if lookup.endswith(key)}
            codes = {code for code, _ in matches}
            if len(codes) == 1:
                name = sorted(name for _, name in matches)[0]
                return codes.pop(), f"实施主体「{text}」按部门「{name}」导入。"
            if len(codes) > 1:
                names = "、".join(sorted({f"「{name}」" for _, name in matches}))
                return None, f"实施主体「{text}」可能是{names}，请填写部门全称或部门编码。"
        return None, f"实施主体「{text}」不在部门名录中，请填写部门全称、简称或部门编码。"


_SCIENTIFIC_RE = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.I)
_TEXT_FIELDS = ("title", "handling_agency", "acceptance_conditions", "service_mode",
                "result_name", "item_group", "fee_basis")  # fmt: skip


def rows_to_power_data(
    rows: Iterable[Row],
    departments: DepartmentIndex | Mapping[str, str] | Iterable[tuple[str, str, str]],
    *,
    laws_lookup=None,
    headers: Mapping[str, str] | None = None,
) -> Iterator[RowResult]:
    """Convert rows one by one. `departments` is a ``DepartmentIndex``, a mapping of names and
    codes to department codes, or (code, title, short_name) tuples; `laws_lookup` see
    ``import_data.citations.link_citations`` (None: no law is linked). `headers` maps column keys
    to the headers as written in the file, for the messages.

    A column the file does not have leaves its PowerData field None (not changed on an existing
    power); a blank cell in a column it has clears text and list fields and leaves choices,
    numbers and dates as they are.
    """
    index = (
        departments if isinstance(departments, DepartmentIndex) else DepartmentIndex(departments)
    )
    seen_codes: dict[str, int] = {}
    converter = _RowConverter(index, laws_lookup, headers or {}, seen_codes)
    for row in rows:
        yield converter.convert(row)


class _RowConverter:
    def __init__(self, departments: DepartmentIndex, laws_lookup, headers, seen_codes):
        self.departments = departments
        self.laws_lookup = laws_lookup
        self.headers = headers
        self.seen_codes = seen_codes
        self.warned_without_steps = False

    def header(self, key: str) -> str:
        return self.headers.get(key) or COLUMNS_BY_KEY[key].header

    def _header_or_blank(self, key: str) -> str:
        return self.header(key) if key in COLUMNS_BY_KEY else ""

    def convert(self, row: Row) -> RowResult:
        values = row.values
        errors: list[RowError] = list(row.errors)
        warnings: list[RowWarning] = list(row.warnings)

        def error(key: str, message: str) -> None:
            errors.append(RowError(row.number, self.header(key), message))

        def warn(key: str, message: str) -> None:
            warnings.append(RowWarning(row.number, self.header(key), message))

        def check_length(key: str, value: str, limit: int | None) -> None:
            if limit and len(value) > limit:
                error(key, f"内容过长（{len(value)} 字，最多 {limit} 字）。")

        code = values.get("code", "")
        data = PowerData(code=code, department_code="")
        if not code:
            error("code", "不能为空。")
        elif _SCIENTIFIC_RE.match(code):
            error("code", f"「{code}」是科学计数法，编码已丢失；请把该列设为“文本”格式后重新填写。")
        elif len(code) > (field_max_length("PowerPage", "code") or 64):
            check_length("code", code, field_max_length("PowerPage", "code"))
        else:
            try:
                validate_code(code)
            except ValidationError:
                error("code", f"「{code}」不是有效的编码。{validate_code.message}")
        if code:
            first = self.seen_codes.setdefault(code, row.number)
            if first != row.number:
                error("code", f"事项编码「{code}」与第 {first} 行重复。")

        if "title" in values and not values["title"]:
            error("title", "不能为空。")
        for key in _TEXT_FIELDS:
            if key in values:
                setattr(data, key, values[key])
                check_length(key, values[key], field_max_length("PowerPage", key))

        department = values.get("department", "")
        if not department:
            error("department", "不能为空。")
        else:
            department_code, message, first = self.departments.resolve(department)
            if department_code is None:
                error("department", message)
            else:
                data.department_code = department_code
                if message and first:
                    warn("department", message)

        for key, parse in (
            ("power_type", parse_power_type),
            ("exercise_level", parse_exercise_level),
            ("power_source", parse_power_source),
            ("status", parse_status),
            ("online_depth", parse_online_depth),
        ):
            text = values.get(key, "")
            if text:
                try:
                    setattr(data, key, parse(text))
                except ValueError as exc:
                    error(key, f"{exc}。".replace("。。", "。"))

        for key in ("legal_time_limit", "promised_time_limit"):
            text = values.get(key, "")
            if text:
                try:
                    days, message = parse_time_limit(text)
                except ValueError as exc:
                    error(key, f"{exc}。")
                    continue
                setattr(data, key, days)
                if message:
                    warn(key, message)

        if values.get("effective_date"):
            try:
                data.effective_date = parse_date(values["effective_date"])
            except ValueError as exc:
                error("effective_date", f"{exc}。")

        self._fees(values, data, error, warn)
        for name, message in power_rule_errors(data).items():
            errors.append(RowError(row.number, self._header_or_blank(name), message))
        self._contacts(values, data, check_length)

        if "steps" in values:
            data.steps, problems = parse_steps(values["steps"])
            for problem in problems:
                error("steps", f"{problem}。")
            for key in STEP_DETAILS:
                if key in values:
                    problems, notes = parse_step_details(data.steps, key, values[key])
                    for problem in problems:
                        error(key, f"{problem}。")
                    for note in notes:
                        warn(key, f"{note}。")
        elif not self.warned_without_steps:
            given = [key for key in STEP_DETAILS if values.get(key)]
            if given:
                self.warned_without_steps = True
                names = "".join(f"「{self.header(key)}」" for key in given)
                warnings.append(RowWarning(
                    None, "",
                    f"文件没有「{COLUMNS_BY_KEY['steps'].header}」列，{names}列与之逐行对应，"
                    "单独无法导入，已忽略。",
                ))  # fmt: skip
        if "materials" in values:
            data.materials, problems = parse_materials(values["materials"])
            for problem in problems:
                error("materials", f"{problem}。")
        if "tags" in values:
            data.tags = parse_tags(values["tags"])
            tag_max = field_max_length("Tag", "name") or 100
            for tag in data.tags:
                if len(tag) > tag_max:
                    error("tags", f"标签「{tag[:20]}…」过长（最多 {tag_max} 字）。")
        if "citations" in values:
            data.citations = self._citations(values["citations"], error, warn)

        if errors:
            return RowResult(row.number, None, errors, warnings, row.values)
        return RowResult(row.number, data, errors, warnings, row.values)

    def _fees(self, values, data: PowerData, error, warn) -> None:
        fee_free = None
        if values.get("fee_free"):
            try:
                charged = parse_yes_no(values["fee_free"])
            except ValueError as exc:
                error("fee_free", f"{exc}。")
                return
            fee_free = None if charged is None else not charged
        free_by_standard, standard = parse_fee(values.get("fee_standard", ""))
        if fee_free is False and free_by_standard:
            error("fee_standard", "“是否收费”为“是”，但收费标准写的是不收费，请核对。")
            return
        if fee_free is True and free_by_standard is False:
            if not standard:
                error("fee_standard", "“是否收费”为“否”，但收费标准写的是收费，请核对。")
                return
            warn("fee_standard", "“是否收费”为“否”，收费标准按说明文字保存。")
            data.fee_free, data.fee_standard = True, standard
        elif free_by_standard is not None:
            data.fee_free, data.fee_standard = free_by_standard, standard
        elif fee_free is not None:
            data.fee_free, data.fee_standard = fee_free, ""
        if data.fee_standard:
            limit = field_max_length("PowerPage", "fee_standard")
            if limit and len(data.fee_standard) > limit:
                error("fee_standard", f"内容过长（{len(data.fee_standard)} 字，最多 {limit} 字）。")
        if "fee_basis" in values and data.fee_basis is None:
            data.fee_basis = values["fee_basis"]

    def _contacts(self, values, data: PowerData, check_length) -> None:
        if "complaint_phone" not in values and "consultation_phone" not in values:
            return
        data.complaint_channel = complaint_channel(
            values.get("complaint_phone", ""), values.get("consultation_phone", "")
        )
        key = "complaint_phone" if "complaint_phone" in values else "consultation_phone"
        check_length(
            key, data.complaint_channel, field_max_length("PowerPage", "complaint_channel")
        )

    def _citations(self, text: str, error, warn) -> list[CitationData]:
        parsed = parse_legal_basis(text)
        citations, messages = link_citations(parsed, self.laws_lookup)
        for message in messages:
            warn("citations", message)
        limits = {
            "law_title": field_max_length("LegalBasis", "law_title"),
            "articles": field_max_length("LegalBasis", "articles"),
            "quote": field_max_length("LegalBasis", "quote"),
        }
        labels = {"law_title": "法规名称", "articles": "条款", "quote": "条文内容"}
        for citation in citations:
            for name, limit in limits.items():
                value = getattr(citation, name)
                if limit and len(value) > limit:
                    error(
                        "citations",
                        f"「{value[:20]}…」作为{labels[name]}过长（最多 {limit} 字）；"
                        "请写成“《法规名称》第…条”，多个依据用分号分隔。",
                    )
        return citations


# --- The power's own rules ----------------------------------------------------------------------

# Where the admin's wording of a rule names a form control, the words a spreadsheet needs.
_RULE_MESSAGES = {"fee_standard": "收费事项必须填写收费标准；不收费请填写“不收费”。"}


@dataclass(frozen=True)
class _NewPower:
    """What PowerPage.power_rule_errors() reads of a power, for a row: a power not yet saved
    (no pk), with the model's defaults where the row says nothing."""

    code: str
    legal_time_limit: int | None
    promised_time_limit: int | None
    fee_free: bool
    fee_standard: str
    pk: None = None


def _or_default(value, name: str):
    return PowerPage._meta.get_field(name).get_default() if value is None else value


def power_rule_errors(data: PowerData) -> dict[str, str]:
    """The rules of a power beyond its fields' own (the promised time limit no longer than the
    legal one; a fee needs its standard), as the admin and the bulk write apply them:
    PowerPage.power_rule_errors() itself, run on the row's values without building a page (a
    PowerPage costs ~90 µs a row and its content type a query; the rule alone ~2 µs). Field (a
    column key too) → message, in the spreadsheet's words."""
    power = _NewPower(
        code=data.code,
        legal_time_limit=data.legal_time_limit,
        promised_time_limit=data.promised_time_limit,
        fee_free=_or_default(data.fee_free, "fee_free"),
        fee_standard=_or_default(data.fee_standard, "fee_standard"),
    )
    errors = PowerPage.power_rule_errors(power)
    return {name: _RULE_MESSAGES.get(name, message) for name, message in errors.items()}
