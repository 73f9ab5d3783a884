"""Setting up the roles' groups and their rights; idempotent, run by `manage.py setup_review`
(review.services.review_setup_ensure) and kept in step with departments (catalogue.receivers).

Pages are passed in rather than looked up, so that access knows nothing of the catalogue's
models: rights are granted on the catalogue page, on the hall above it, on each department and on
the index of the life-event topics (topics.receivers, whenever that page is saved).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from .models import DepartmentEditors
from .roles import (
    CONTENT_ADMINS,
    DEPARTMENT_EDITORS_PREFIX,
    LEGAL_OFFICE,
    SITE_ADMINS,
    SUPERVISORS,
)

EDITOR_PAGE_PERMISSIONS = ("add", "change")
# The life-event topics (一件事) are editorial, not legal content: content administrators write
# and publish them directly.
TOPIC_PAGE_PERMISSIONS = ("add", "change", "publish")
# No bulk_delete: a page with pages under it is never deleted wholesale.
ADMIN_PAGE_PERMISSIONS = ("add", "change", "publish", "lock", "unlock")
IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")
# What teaching the search takes (站内搜索: synonyms, intents, the dictionary; the search log
# read): site and content administrators (access.roles.can_teach_search).
SEARCH_PERMISSIONS = tuple(
    f"hall_search.{action}_{model}"
    for model in ("synonym", "intent", "dictionaryword")
    for action in ("add", "change", "delete", "view")
)
# Wagtail's sample groups: removed while nobody is in them, so nothing publishes around the
# legal office.
WAGTAIL_SAMPLE_GROUPS = ("Moderators", "Editors")


def _permissions(*dotted):
    found = []
    for name in dotted:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def _page_permission(group, page, action):
    permission = Permission.objects.get(
        content_type__app_label="wagtailcore", codename=f"{action}_page"
    )
    GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def _collection_permission(group, collection, codename):
    permission = Permission.objects.get(content_type__app_label="wagtailimages", codename=codename)
    GroupCollectionPermission.objects.get_or_create(
        group=group, collection=collection, permission=permission
    )


@transaction.atomic
def roles_ensure(*, catalogue, departments) -> dict[str, Group]:
    """Create or repair the role groups with their rights on `catalogue` (the 职权目录 page), the
    hall above it and each of `departments`; returns the groups by role name."""
    hall = catalogue.get_parent()
    access_admin = _permissions("wagtailadmin.access_admin")

    legal_office, _ = Group.objects.get_or_create(name=LEGAL_OFFICE)
    legal_office.permissions.add(*access_admin)
    # Wagtail expects reviewers to be able to open, and correct while reviewing, what they
    # review; publishing still needs the decision (access.permissions.PowerPagePermissionTester).
    for action in ("change", "lock", "unlock"):
        _page_permission(legal_office, catalogue, action)
    _collection_permission(legal_office, Collection.get_first_root_node(), "choose_image")

    site_admins, _ = Group.objects.get_or_create(name=SITE_ADMINS)
    site_admins.permissions.add(
        *access_admin,
        *_permissions(
            # No delete_law: a law is repealed (已废止), not deleted; drafts may still cite it.
            "laws.add_law", "laws.change_law", "laws.view_law",
            "workdays.add_calendarday", "workdays.change_calendarday",
            "workdays.delete_calendarday", "workdays.view_calendarday",
            "review.add_functionchange", "review.view_functionchange",
            "auth.add_user", "auth.change_user", "auth.delete_user", "auth.view_user",
            "auth.add_group", "auth.change_group", "auth.view_group",
            # 电子监察's settings: the rules are tuned, not added or deleted (their checks are
            # code); the lists of faults and measures grow, entries in use are switched off.
            "supervision.change_alertrule", "supervision.view_alertrule",
            "supervision.add_faultkind", "supervision.change_faultkind",
            "supervision.view_faultkind", "supervision.add_measure",
            "supervision.change_measure", "supervision.view_measure",
            "supervision.change_performancesettings",
            *SEARCH_PERMISSIONS,
        ),
    )  # fmt: skip
    for action in ADMIN_PAGE_PERMISSIONS:
        _page_permission(site_admins, hall, action)
    for codename in IMAGE_PERMISSIONS + ("delete_image",):
        _collection_permission(site_admins, Collection.get_first_root_node(), codename)

    content_admins, _ = Group.objects.get_or_create(name=CONTENT_ADMINS)
    content_admins.permissions.add(*access_admin, *_permissions(*SEARCH_PERMISSIONS))
    # Page rights on each department (department_editors_ensure below) and on the topics' index
    # (topic_editors_ensure), none on the catalogue or the hall: they import and edit powers,
    # they do not create departments.
    GroupPagePermission.objects.filter(
        Q(page__depth__lt=hall.depth + 1) | Q(page=catalogue), group=content_admins
    ).delete()

    # 纪检监察: the admin, nothing else; what they read and do is decided by access.roles.
    supervisors, _ = Group.objects.get_or_create(name=SUPERVISORS)
    supervisors.permissions.add(*access_admin)

    Group.objects.filter(name__in=WAGTAIL_SAMPLE_GROUPS, user__isnull=True).delete()
    for department in departments:
        department_editors_ensure(department)
    return {
        LEGAL_OFFICE: legal_office,
        SITE_ADMINS: site_admins,
        CONTENT_ADMINS: content_admins,
        SUPERVISORS: supervisors,
    }


@transaction.atomic
def topic_editors_ensure(index) -> None:
    """Content administrators add, edit and publish the life-event topics under `index` (the
    一件事 index page); site administrators have the same from the hall above. Department editors
    and the legal office have no rights there."""
    content_admins, _ = Group.objects.get_or_create(name=CONTENT_ADMINS)
    content_admins.permissions.add(*_permissions("wagtailadmin.access_admin"))
    for action in TOPIC_PAGE_PERMISSIONS:
        _page_permission(content_admins, index, action)


def department_group_name(department) -> str:
    return f"{DEPARTMENT_EDITORS_PREFIX}{department.short_name or department.title}"


@transaction.atomic
def department_editors_ensure(department) -> Group:
    """The department's editors' group, with add/edit rights on its powers and an image
    collection for its flowcharts; renamed when the department is."""
    link = DepartmentEditors.objects.filter(department=department).select_related("group").first()
    name = department_group_name(department)
    own_group_id = link.group_id if link else None
    if Group.objects.filter(name=name).exclude(pk=own_group_id).exists():
        # Another group (another department with the same short name, or a group left by a
        # deleted department) has this name: never reuse it, tell the groups apart.
        name = f"{name}（{department.code}）"
    if link is None:
        group = Group.objects.create(name=name)
        link = DepartmentEditors.objects.create(department=department, group=group)
    elif link.group.name != name:
        link.group.name = name
        link.group.save(update_fields=["name"])
    group = link.group
    group.permissions.add(*_permissions("wagtailadmin.access_admin"))
    for action in EDITOR_PAGE_PERMISSIONS:
        _page_permission(group, department, action)
    # Content administrators import every department's list: the same rights on each
    # department (not on the catalogue, so they cannot create departments).
    content_admins = Group.objects.filter(name=CONTENT_ADMINS).first()
    if content_admins is not None:
        for action in EDITOR_PAGE_PERMISSIONS:
            _page_permission(content_admins, department, action)
    collection = _department_collection(department)
    for codename in IMAGE_PERMISSIONS:
        _collection_permission(group, collection, codename)
    return group


def department_group_remove(link: DepartmentEditors) -> None:
    """A deleted department's editors' group goes with it: its members must not inherit a later
    department of the same name."""
    Group.objects.filter(pk=link.group_id).delete()


def _department_collection(department):
    root = Collection.get_first_root_node()
    name = f"{department.short_name or department.title}流程图"[:255]
    existing = root.get_children().filter(name=name).first()
    return existing or root.add_child(name=name)
