"""Glue from Wagtail's signals to the services of the layer below (no rules here)."""

from django.db.models.signals import post_save

from access.groups import department_editors_ensure

from .models import DepartmentPage


def _department_saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    # Created, edited or published, from the admin, the services or the API: the department
    # has its editors' group, named after it. (Saves of a few bookkeeping fields are skipped.)
    if raw or not (created or update_fields is None):
        return
    department_editors_ensure(instance)


def connect():
    post_save.connect(_department_saved, sender=DepartmentPage,
                      dispatch_uid="catalogue-department-group")  # fmt: skip
