"""数据完整度: which elements of the national 政务服务事项实施清单 each type of power must publish,
how many of them each live power has, and each department's figure.

Departments complete their powers' static information themselves (the document, 三(三)); most
powers imported from the provincial list arrive with a name, a code and a type only. This module
says what "complete" means, so that the catalogue can publish a figure per department and
电子监察 can list what each power still lacks.

What every power must publish (the 基本要素 of the national 实施清单 that a department writes):

  行使依据              at least one legal basis (LegalBasis)
  承办机构              handling_agency
  承办岗位              at least one post in `staff`
  办理流程              at least one step in `steps`
  相对人权利及救济途径  rights_note: where to apply for 行政复议 and which court hears a suit.
                        The four rights are ticked by default, so the ticks alone cannot tell
                        whether a department looked at them; the note is what it must write.
  投诉举报途径          the power's complaint_channel, or its department's (complaint phone,
                        e-mail or address): the power page shows the department's when the
                        power has none, so either counts.

What each type adds:

  01 行政许可           受理条件, 申请材料, 法定办结时限, 承诺办结时限, 办理形式, 结果名称;
                        收费标准及依据 when it charges. 行政许可法 第四十二条 always sets a legal
                        time limit, so a licence always has one to publish.
  05 行政给付, 07 行政确认, 08 行政奖励, 09 行政裁决, 20 公共服务
                        the same without 法定办结时限: they are applied for (奖励 and 裁决 on a
                        party's application or declaration, as the provincial lists treat them),
                        but no general law sets their time limit, and the catalogue cannot record
                        "no legal limit"; the promised limit is what the applicant relies on.
  02 行政处罚           裁量基准 (the discretion standards) and 法定办结时限 (行政处罚法 第六十条:
                        ninety days unless a law says otherwise). Penalties are not applied for:
                        no conditions, materials, form or result name.
  04 行政征收           征收标准及依据 (fee_standard and fee_basis): the levy is the power.
  03 行政强制, 06 行政检查, 10 其他行政权力
                        the common elements only: they act on the organ's own initiative, or
                        (其他) mix both kinds, so no application element applies to every one.

Not counted: the name, code, type and department (every power has them: the form and the page
tree require them; counting them would make an empty power look a third done), and fields
whose default cannot be told from a department's choice (行使层级, 权力来源, 不收费, the rights'
ticks, 网上办理深度).

A power's completeness = the elements it has ÷ the elements its type requires, with the missing
elements' labels. A department's = over its live, public powers that are not 取消 (a cancelled
power is no longer exercised): the average of its powers' percentages (rounded down, so a
department shows 100% only when every power is complete), and how many are complete.
Drafts never count: the page row holds the live version's values.

Reads are set-based: the departments (one query) and the powers with their facts computed by
the database (one query with an EXISTS for legal bases, JSON array lengths for the StreamFields
and trimmed lengths for the texts); Wagtail's `public()` adds its one query of view
restrictions. The per-department summary is kept in the shared cache under the page cache's
generation (common.pagecache), which every publication bumps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from django.core.cache import cache
from django.db.models import Exists, F, Func, IntegerField, OuterRef
from django.db.models.functions import Coalesce, Length, Trim

from common import pagecache

from .choices import PowerStatus, PowerType
from .models import DepartmentPage, LegalBasis, PowerPage
from .selectors import live_powers


@dataclass(frozen=True)
class Element:
    """One element a power publishes (基本要素), with what counts as having it."""

    key: str
    label: str
    counts: str


# In the order of the national 实施清单 (and of the power page).
ELEMENTS = (
    Element("legal_bases", "行使依据", "至少一条法律法规依据"),
    Element("handling_agency", "承办机构", "填写承办的科室或窗口"),
    Element("staff", "承办岗位", "至少一个承办岗位"),
    Element("acceptance_conditions", "受理条件", "填写申请人应当具备的条件"),
    Element("materials", "申请材料", "至少一项申请材料"),
    Element("steps", "办理流程", "至少一个办理环节"),
    Element("legal_time_limit", "法定办结时限", "填写法定办结时限"),
    Element("promised_time_limit", "承诺办结时限", "填写承诺办结时限（即办填 0）"),
    Element("fee", "收费标准及依据", "收费的事项填写收费标准和收费依据"),
    Element("levy", "征收标准及依据", "填写征收标准和征收依据"),
    Element("service_mode", "办理形式", "填写窗口、网上、邮寄等办理形式"),
    Element("result_name", "结果名称", "填写办理结果的证照或文书名称"),
    Element("discretion", "裁量基准", "至少一条裁量基准"),
    Element("rights", "相对人权利及救济途径", "写明复议机关、管辖法院等救济途径"),
    Element("complaint", "投诉举报途径", "事项或所属部门公布了监督投诉电话、邮箱或地址"),
)
ELEMENT_BY_KEY = {element.key: element for element in ELEMENTS}

COMMON = ("legal_bases", "handling_agency", "staff", "steps", "rights", "complaint")
ON_APPLICATION = (
    "acceptance_conditions", "materials", "promised_time_limit", "fee", "service_mode",
    "result_name",
)  # fmt: skip
# "fee" is required only of a power that charges (see `required_elements`).
REQUIRED_BY_TYPE: dict[str, frozenset[str]] = {
    PowerType.LICENSING: frozenset(COMMON + ON_APPLICATION + ("legal_time_limit",)),
    PowerType.PENALTY: frozenset(COMMON + ("discretion", "legal_time_limit")),
    PowerType.COERCION: frozenset(COMMON),
    PowerType.LEVY: frozenset(COMMON + ("levy",)),
    PowerType.BENEFIT: frozenset(COMMON + ON_APPLICATION),
    PowerType.INSPECTION: frozenset(COMMON),
    PowerType.CONFIRMATION: frozenset(COMMON + ON_APPLICATION),
    PowerType.REWARD: frozenset(COMMON + ON_APPLICATION),
    PowerType.ADJUDICATION: frozenset(COMMON + ON_APPLICATION),
    PowerType.OTHER: frozenset(COMMON),
    PowerType.PUBLIC_SERVICE: frozenset(COMMON + ON_APPLICATION),
}

CACHE_KEY = "catalogue:completeness:v1:{}"
CACHE_SECONDS = 24 * 3600  # a new generation makes it stale long before


def required_elements(power_type: str, *, charges: bool = False) -> tuple[Element, ...]:
    """The elements a power of this type must publish, in the national list's order; "fee"
    only when it charges."""
    keys = REQUIRED_BY_TYPE.get(power_type, frozenset(COMMON))
    return tuple(e for e in ELEMENTS if e.key in keys and (e.key != "fee" or charges))


def requirements_table() -> list[tuple[list[str], list[Element]]]:
    """[(type labels, elements)] with the types that require the same elements together: the
    public explanation of the figure and 电子监察's."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for member in PowerType:
        keys = tuple(e.key for e in required_elements(member.value, charges=True))
        groups.setdefault(keys, []).append(member.label)
    return [(labels, [ELEMENT_BY_KEY[key] for key in keys]) for keys, labels in groups.items()]


@dataclass(frozen=True)
class PowerCompleteness:
    """One live power's completeness: which of its type's elements it lacks."""

    power_id: int
    department_id: int | None
    title: str
    code: str
    power_type: str
    required: int
    missing: tuple[str, ...]  # element keys, in the national list's order
    draft_pending: bool = False  # a newer revision (unpublished, or in review) exists

    @property
    def present(self) -> int:
        return self.required - len(self.missing)

    @property
    def percent(self) -> int:
        return self.present * 100 // self.required if self.required else 100

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def missing_labels(self) -> list[str]:
        return [ELEMENT_BY_KEY[key].label for key in self.missing]

    @property
    def type_label(self) -> str:
        return PowerType(self.power_type).label


@dataclass(frozen=True)
class DepartmentCompleteness:
    """A department's figure: how many of its counted powers are complete, and the average
    of their percentages (None when it has no counted power)."""

    department_id: int
    powers: int = 0
    complete: int = 0
    percent: int | None = None

    @property
    def incomplete(self) -> int:
        return self.powers - self.complete

    @property
    def is_complete(self) -> bool:
        return self.complete == self.powers


class _JsonArrayLength(Func):
    """The number of blocks in a StreamField's column (a JSON array), counted by the database:
    no StreamField is read into Python."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="JSON_ARRAY_LENGTH(%(expressions)s)",
                           **extra)  # fmt: skip

    def as_postgresql(self, compiler, connection, **extra):
        # jsonb_array_length refuses a scalar: count anything but an array as empty.
        template = (
            "CASE WHEN JSONB_TYPEOF(%(expressions)s) = 'array' "
            "THEN JSONB_ARRAY_LENGTH(%(expressions)s) ELSE 0 END"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


def _blocks(name):
    return Coalesce(_JsonArrayLength(F(name)), 0)


def _text(name):
    return Coalesce(Length(Trim(name)), 0)


# What the database computes per power: (annotation, expression).
_FACTS = {
    "has_bases": lambda: Exists(LegalBasis.objects.filter(power=OuterRef("pk"))),
    "n_staff": lambda: _blocks("staff"),
    "n_steps": lambda: _blocks("steps"),
    "n_materials": lambda: _blocks("materials"),
    "n_discretion": lambda: _blocks("discretion"),
    "len_agency": lambda: _text("handling_agency"),
    "len_conditions": lambda: _text("acceptance_conditions"),
    "len_fee_standard": lambda: _text("fee_standard"),
    "len_fee_basis": lambda: _text("fee_basis"),
    "len_mode": lambda: _text("service_mode"),
    "len_result": lambda: _text("result_name"),
    "len_rights": lambda: _text("rights_note"),
    "len_complaint": lambda: _text("complaint_channel"),
}
_COLUMNS = ("id", "path", "title", "code", "power_type", "fee_free", "legal_time_limit",
            "promised_time_limit", "has_unpublished_changes")  # fmt: skip


def _filled(name):
    return lambda row, channel: row[name] > 0


# Whether a power (a row of the facts query) has an element; `channel`: whether its department
# publishes a complaint channel.
_HAS = {
    "legal_bases": lambda row, channel: bool(row["has_bases"]),
    "handling_agency": _filled("len_agency"),
    "staff": _filled("n_staff"),
    "acceptance_conditions": _filled("len_conditions"),
    "materials": _filled("n_materials"),
    "steps": _filled("n_steps"),
    "legal_time_limit": lambda row, channel: row["legal_time_limit"] is not None,
    "promised_time_limit": lambda row, channel: row["promised_time_limit"] is not None,
    "fee": lambda row, channel: row["len_fee_standard"] > 0 and row["len_fee_basis"] > 0,
    "levy": lambda row, channel: row["len_fee_standard"] > 0 and row["len_fee_basis"] > 0,
    "service_mode": _filled("len_mode"),
    "result_name": _filled("len_result"),
    "discretion": _filled("n_discretion"),
    "rights": _filled("len_rights"),
    "complaint": lambda row, channel: row["len_complaint"] > 0 or channel,
}


def counted_powers(department: DepartmentPage | None = None):
    """The powers the figures count: live, public, not cancelled (of one department)."""
    powers = live_powers().exclude(status=PowerStatus.CANCELLED)
    return powers.child_of(department) if department is not None else powers


def powers_completeness(department: DepartmentPage | None = None) -> list[PowerCompleteness]:
    """Every counted power's completeness (of one department): two queries and Wagtail's
    query of view restrictions, however many powers."""
    departments = DepartmentPage.objects.all()
    if department is not None:
        departments = departments.filter(pk=department.pk)
    channel_of = {
        path: (pk, bool(phone.strip() or email.strip() or address.strip()))
        for pk, path, phone, email, address in departments.values_list(
            "pk", "path", "complaint_phone", "complaint_email", "address"
        )
    }
    rows = (
        counted_powers(department)
        .order_by()
        .annotate(**{name: make() for name, make in _FACTS.items()})
        .values(*_COLUMNS, *_FACTS)
    )
    results = []
    for row in rows:
        department_id, has_channel = channel_of.get(row["path"][: -PowerPage.steplen],
                                                    (None, False))  # fmt: skip
        required = required_elements(row["power_type"], charges=not row["fee_free"])
        missing = tuple(e.key for e in required if not _HAS[e.key](row, has_channel))
        results.append(
            PowerCompleteness(
                power_id=row["id"],
                department_id=department_id,
                title=row["title"],
                code=row["code"],
                power_type=row["power_type"],
                required=len(required),
                missing=missing,
                draft_pending=row["has_unpublished_changes"],
            )
        )
    return results


def summarise(powers: Iterable[PowerCompleteness]) -> dict[int, DepartmentCompleteness]:
    """{department id: its figure} over these powers' completeness."""
    totals: dict[int, list] = {}  # department → [powers, complete, sum of the fractions]
    for power in powers:
        if power.department_id is None:
            continue
        entry = totals.setdefault(power.department_id, [0, 0, Fraction(0)])
        entry[0] += 1
        entry[1] += power.complete
        entry[2] += Fraction(power.present, power.required) if power.required else 1
    return {
        department_id: DepartmentCompleteness(
            department_id=department_id,
            powers=count,
            complete=complete,
            # the exact mean, rounded down: 100% only when every power is complete
            percent=math.floor(100 * share / count),
        )
        for department_id, (count, complete, share) in totals.items()
    }


def departments_completeness() -> dict[int, DepartmentCompleteness]:
    """Every department's figure, from the shared cache while nothing has been published."""
    key = CACHE_KEY.format(pagecache.current_generation())
    summary = cache.get(key)
    if summary is None:
        summary = summarise(powers_completeness())
        cache.set(key, summary, CACHE_SECONDS)
    return summary


def department_completeness(department: DepartmentPage) -> DepartmentCompleteness:
    """One department's figure (from the cached summary)."""
    return departments_completeness().get(
        department.pk, DepartmentCompleteness(department_id=department.pk)
    )


def incomplete_powers(department: DepartmentPage) -> list[PowerCompleteness]:
    """A department's counted powers that lack an element, the emptiest first."""
    found = [p for p in powers_completeness(department) if not p.complete]
    found.sort(key=lambda p: (p.percent, p.power_type, p.code))
    return found
