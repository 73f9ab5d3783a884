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
