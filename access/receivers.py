"""Glue from Django's signals to access's own services (no rules here)."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete

from .groups import department_group_remove
from .models import DepartmentEditors
from .sessions import session_started


def _department_link_deleted(sender, instance, **kwargs):
    department_group_remove(instance)


def connect():
    # A department page is deleted by the admin, its bulk actions, the API or code: each path
    # ends in the database cascade that deletes this link row, so its group goes here, once.
    post_delete.connect(
        _department_link_deleted, sender=DepartmentEditors, dispatch_uid="access-department-group"
    )
    user_logged_in.connect(session_started, dispatch_uid="access-session-started")
