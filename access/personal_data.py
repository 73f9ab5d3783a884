"""Personal data of citizens (names, phone numbers, identity numbers): masked wherever staff
see lists and records, unmasked only for those in scope who hold the right, every look logged.
Public pages, search, feeds and the public API never read these fields at all."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from wagtail.log_actions import log

from .models import PersonalDataView
from .roles import can_view_personal_data
from .scoping import may_handle

LOG_ACTION = "access.view_personal_data"


def mask_name(name: str) -> str:
    """张三 → 张*; 欧阳娜娜 → 欧***: the first character, and a star for each other one."""
    return f"{name[0]}{'*' * max(1, len(name) - 1)}" if name else ""


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 "
    "独孤 南宫 西门 百里 呼延 澹台 公冶 太史 申屠 万俟 闻人 赫连 钟离 宗政 濮阳 淳于 "
    "单于 拓跋 第五 左丘 东郭".split()
)


def surname_only(name: str) -> str:
    """A natural person's name as 公示 shows it: 张三 → 张*; 欧阳娜娜 → 欧阳**."""
    name = "".join((name or "").split())
    if not name:
        return ""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return f"{name[:keep]}{'*' * max(1, len(name) - keep)}"


def mask_id_number(number: str) -> str:
    """110101199003071234 → 1101**********1234: the region and the last four only."""
    number = number or ""
    if len(number) <= 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def mask_phone(phone: str) -> str:
    """13912345678 → 139****5678."""
    return f"{phone[:3]}****{phone[-4:]}" if phone else ""


def may_reveal(user, record, *, field: str = "department") -> bool:
    """In scope for the record's department and holding the right to unmask."""
    return can_view_personal_data(user) and may_handle(user, record, field=field)


def reveal(user, record, *, fields: dict[str, str], field: str = "department") -> dict[str, str]:
    """The record's personal data in full (`fields`: label → value), recorded and logged; refused
    with PermissionDenied for anyone not allowed to see it."""
    if not may_reveal(user, record, field=field):
        raise PermissionDenied("没有查看个人信息的权限")
    PersonalDataView.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(record),
        object_id=str(record.pk),
        fields="、".join(fields),
    )
    log(instance=record, action=LOG_ACTION, user=user, data={"fields": list(fields)})
    return fields
