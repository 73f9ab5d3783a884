"""Department scoping of the records that are not pages (feedback today, cases next): staff see
and handle their own departments' records; the legal office and site administrators see and
handle all; 纪检监察 see all and handle none.

Every such app filters through these two functions, so the boundary is drawn once."""

from django.db.models import QuerySet

from .roles import (
    department_ids_of,
    handles_all_departments,
    is_active_staff,
    sees_all_departments,
)


def scoped_to(user, queryset: QuerySet, *, field: str = "department") -> QuerySet:
    """The records of `queryset` that `user` may see: those whose `field` (a department) is one
    of the user's departments; all for the legal office and site administrators; none for
    anyone else."""
    if not is_active_staff(user):
        return queryset.none()
    if sees_all_departments(user):
        return queryset
    return queryset.filter(**{f"{field}__in": department_ids_of(user)})


def may_handle(user, record, *, field: str = "department") -> bool:
    """Whether `user` may handle this one record (reply, moderate, appeal, record a step)."""
    # The same rule as scoped_to, without a query when the record holds its department's id
    # (every step a business system pushes asks this).
    if not is_active_staff(user):
        return False
    if handles_all_departments(user):
        return True
    department_id = getattr(record, f"{field}_id", None) if "__" not in field else None
    if department_id is not None:
        return department_id in department_ids_of(user)
    model = type(record)
    mine = model._default_manager.filter(pk=record.pk, **{f"{field}__in": department_ids_of(user)})
    return mine.exists()
