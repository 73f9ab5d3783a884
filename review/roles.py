"""Roles and their permissions: the one place that says who may do what.

- 部门编辑：<部门> (one group per department): add and edit that department's powers; never
  publish, never touch another department or the department page itself.
- 法制办审核 (legal office): reviews every new power and every change in the 法制办审核 workflow;
  approving publishes, rejecting returns the draft with a comment. Like Wagtail's moderators, they
  may open and correct what they review (edit rights on the catalogue's powers).
- 站点管理员 (site administrators): departments, laws, the calendar, users and groups.
- 内容管理员 (content administrators): spreadsheet imports; add and edit powers of every
  department (submitting them to the legal office like editors), no department pages.

Page permissions are Wagtail's; the two rules Wagtail cannot express (a department's own page is
for administrators only; powers go live only through the legal office) live in the permission
testers at the bottom of this module, which the page models return.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.functional import cached_property
from wagtail.models import (
    Collection,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    PagePermissionTester,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

LEGAL_OFFICE = "法制办审核"
SITE_ADMINS = "站点管理员"
CONTENT_ADMINS = "内容管理员"
DEPARTMENT_EDITORS_PREFIX = "部门编辑："
WORKFLOW_NAME = "法制办审核"
TASK_NAME = "法制办审核"
DIRECT_PUBLISH = "review.publish_powers_directly"

EDITOR_PAGE_PERMISSIONS = ("add", "change")
# No bulk_delete: a page with pages under it is never deleted wholesale.
ADMIN_PAGE_PERMISSIONS = ("add", "change", "publish", "lock", "unlock")
IMAGE_PERMISSIONS = ("add_image", "change_image", "choose_image")


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
def roles_ensure():
    """Create or repair the groups, the 法制办审核 workflow and its assignment; idempotent.

    Wagtail's own sample groups (Moderators, Editors) and its sample workflow are removed while
    no one uses them, so that nothing can publish around the legal office.
    """
    from catalogue.models import DepartmentPage, PowerCatalogue

    catalogue = PowerCatalogue.objects.get()
    hall = catalogue.get_parent()
    access_admin = _permissions("wagtailadmin.access_admin")

    legal_office, _ = Group.objects.get_or_create(name=LEGAL_OFFICE)
    legal_office.permissions.add(*access_admin)
    # Wagtail expects reviewers to be able to open, and correct while reviewing, what they
    # review; publishing still needs the decision (PowerPagePermissionTester).
    for action in ("change", "lock", "unlock"):
        _page_permission(legal_office, catalogue, action)
    for codename in ("choose_image",):
        _collection_permission(legal_office, Collection.get_first_root_node(), codename)

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
        ),
    )  # fmt: skip
    for action in ADMIN_PAGE_PERMISSIONS:
        _page_permission(site_admins, hall, action)
    for codename in IMAGE_PERMISSIONS + ("delete_image",):
        _collection_permission(site_admins, Collection.get_first_root_node(), codename)

    content_admins, _ = Group.objects.get_or_create(name=CONTENT_ADMINS)
    content_admins.permissions.add(*access_admin)
    # Page rights on each department (department_editors_ensure below), none on the catalogue
    # or the hall: they import and edit powers, they do not create departments.
    GroupPagePermission.objects.filter(group=content_admins, page__depth__lt=4).delete()

    _wagtail_samples_remove()
    workflow = workflow_ensure(catalogue=catalogue, legal_office=legal_office)
    for department in DepartmentPage.objects.all():
        department_editors_ensure(department)
    return workflow


def workflow_ensure(*, catalogue, legal_office):
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    from .models import LegalOfficeReviewTask

    task = LegalOfficeReviewTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = LegalOfficeReviewTask.objects.create(name=TASK_NAME)
    task.groups.set([legal_office])
    # The workflow has exactly this one step (an older plain group-approval task is replaced).
    WorkflowTask.objects.filter(workflow=workflow).exclude(task=task).delete()
    if not WorkflowTask.objects.filter(workflow=workflow, task=task).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.update_or_create(page=catalogue, defaults={"workflow": workflow})
    return workflow


def _wagtail_samples_remove():
    for name in ("Moderators", "Editors"):
        Group.objects.filter(name=name, user__isnull=True).delete()
    root = Page.get_first_root_node()
    WorkflowPage.objects.filter(page=root).exclude(workflow__name=WORKFLOW_NAME).delete()
    Workflow.objects.filter(name="Moderators approval").update(active=False)


def department_group_name(department) -> str:
    return f"{DEPARTMENT_EDITORS_PREFIX}{department.short_name or department.title}"


@transaction.atomic
def department_editors_ensure(department):
    """The department's editors' group, with add/edit rights on its powers and an image
    collection for its flowcharts; renamed when the department is."""
    from .models import DepartmentEditors

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


def department_editors_remove(page):
    """When a department page is deleted, its editors' group goes too: its members must not
    inherit a later department of the same name."""
    from .models import DepartmentEditors

    link = DepartmentEditors.objects.filter(department_id=page.pk).select_related("group").first()
    if link is not None:
        link.group.delete()


PRIVILEGED_GROUPS = (LEGAL_OFFICE, SITE_ADMINS)


def privilege_problem(actor, target, data) -> str:
    """Why `actor` may not make this user change (Chinese), or "" when they may."""
    if actor.is_superuser:
        return ""
    if target is not None and target.is_superuser:
        return "只有超级管理员可以修改超级管理员账号。"
    if data.get("is_superuser"):
        return "只有超级管理员可以设置超级管理员。"
    wanted = {int(pk) for pk in data.getlist("groups") if str(pk).isdigit()}
    privileged = set(Group.objects.filter(name__in=PRIVILEGED_GROUPS).values_list("pk", flat=True))
    current = set(target.groups.values_list("pk", flat=True)) if target is not None else set()
    if (wanted - current) & privileged:
        return "只有超级管理员可以授予“法制办审核”或“站点管理员”角色。"
    return ""


def _department_collection(department):
    root = Collection.get_first_root_node()
    name = f"{department.short_name or department.title}流程图"[:255]
    existing = root.get_children().filter(name=name).first()
    return existing or root.add_child(name=name)


# --- Who the user is ------------------------------------------------------------------------


def can_publish_directly(user) -> bool:
    """May publish powers without the legal office's review (an import's 直接发布)."""
    return user.is_active and (user.is_superuser or user.has_perm(DIRECT_PUBLISH))


def can_import(user) -> bool:
    """Spreadsheet imports: content administrators, site administrators, superusers."""
    return user.is_active and (
        user.is_superuser or user.groups.filter(name__in=[CONTENT_ADMINS, SITE_ADMINS]).exists()
    )


def is_site_admin(user) -> bool:
    return user.is_superuser or user.groups.filter(name=SITE_ADMINS).exists()


def is_legal_office(user) -> bool:
    return user.is_superuser or user.groups.filter(name=LEGAL_OFFICE).exists()


def departments_of(user):
    """The departments whose editors' group the user belongs to."""
    from catalogue.models import DepartmentPage

    return DepartmentPage.objects.filter(editors__group__user=user)


def sees_all_departments(user) -> bool:
    return is_site_admin(user) or is_legal_office(user)


def is_department_staff(user) -> bool:
    """Works on departments' matters (电子监察, 公众评议): a department's editors, the legal office,
    site administrators."""
    return sees_all_departments(user) or departments_of(user).exists()


# --- Permission testers ---------------------------------------------------------------------


class DepartmentPagePermissionTester(PagePermissionTester):
    """A department page itself is managed by those with rights on the hall above the catalogue
    (site administrators), not by the department's editors, whose rights start at the department,
    nor by the legal office, whose rights start at the catalogue."""

    def _manages_departments(self):
        if self.user.is_superuser:
            return True
        hall_path = self.page.path[: -2 * self.page.steplen]
        cache = self.user.__dict__.setdefault("_disclosure_manages", {})
        if hall_path not in cache:
            # Rights granted at the hall or above (the permission policy's cached rows).
            cache[hall_path] = any(
                hall_path.startswith(perm.page.path)
                and perm.permission.codename in ("change_page", "add_page")
                for perm in self.permission_policy.get_cached_permissions_for_user(self.user)
            )
        return cache[hall_path]

    def can_edit(self):
        return super().can_edit() and self._manages_departments()

    def can_delete(self, ignore_bulk=False):
        return super().can_delete(ignore_bulk) and self._manages_departments()

    def can_unpublish(self):
        return super().can_unpublish() and self._manages_departments()

    def can_move(self):
        return super().can_move() and self._manages_departments()

    def can_copy(self):
        return False  # a copy would need a new code; departments are created, not copied

    def can_publish_subpage(self):
        # A new power under a department goes live through the legal office, like any change.
        return self.user.is_active and self.user.has_perm(DIRECT_PUBLISH)


class PowerPagePermissionTester(PagePermissionTester):
    """A power goes live, or comes down, only by the legal office's decision (approving in the
    法制办审核 workflow publishes with the reviewer as the user), or by someone holding the
    explicit right to publish directly. Page permissions alone are not enough."""

    @cached_property
    def _decides(self):
        user = self.user
        if getattr(user, "_disclosure_decides", None) is None:  # once per request, not per row
            user._disclosure_decides = user.is_active and (
                user.is_superuser
                or user.has_perm(DIRECT_PUBLISH)
                or user.groups.filter(name=LEGAL_OFFICE).exists()
            )
        return user._disclosure_decides

    def can_publish(self):
        return not self.page_is_root and self._decides

    def can_unpublish(self):
        return self.page.live and not self.page_locked() and self._decides

    def can_delete(self, ignore_bulk=False):
        # A power is a leaf: Wagtail's rule reduces to this, without a query per explorer row.
        if not self.user.is_active:
            return False
        if self.user.is_superuser:
            return True
        if self.page.live:
            return False  # taking a public power down is unpublishing: the legal office's call
        return "change" in self.permissions or (
            "add" in self.permissions and self.page.owner_id == self.user.pk
        )

    def can_copy(self):
        return False  # a power's code is unique: a new power is created, not copied


# --- Citizens' feedback (feedback/) -----------------------------------------------------------


def feedback_for(user):
    """The feedback a staff member may see: their departments' (all, for the legal office and
    site administrators)."""
    from feedback.models import Feedback

    if not (user.is_authenticated and user.is_active):
        return Feedback.objects.none()
    if sees_all_departments(user):
        return Feedback.objects.all()
    return Feedback.objects.filter(department__in=departments_of(user))


def can_handle_feedback(user, feedback) -> bool:
    """Reply to, moderate or appeal a submission: its department's staff (and the legal office
    and site administrators)."""
    return feedback_for(user).filter(pk=feedback.pk).exists()
