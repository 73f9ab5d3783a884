"""Who reads the manual: the roles a member of staff holds, and the manual's tasks in the order
they meet them (their own roles' first)."""

from dataclasses import dataclass

from access import roles

from .tasks import ROLES, TASKS, Role, Task

# The groups of access.roles that make each role of the manual (department editors' groups are
# one per department, named with a prefix).
ROLE_GROUPS = {
    "handler": roles.CASE_HANDLERS,
    "legal": roles.LEGAL_OFFICE,
    "content": roles.CONTENT_ADMINS,
    "site": roles.SITE_ADMINS,
    "supervisor": roles.SUPERVISORS,
}


@dataclass(frozen=True)
class Section:
    """A role's tasks on the manual's index; `own` when the reader holds the role."""

    role: Role
    tasks: list[Task]
    own: bool


def roles_of(user) -> list[Role]:
    """The manual's roles the user holds, in the manual's order."""
    if not roles.is_active_staff(user):
        return []
    groups = set(user.groups.values_list("name", flat=True))
    held = {key for key, group in ROLE_GROUPS.items() if group in groups}
    if any(name.startswith(roles.DEPARTMENT_EDITORS_PREFIX) for name in groups):
        held.add("editor")
    if user.is_superuser:
        held.add("superuser")
    return [role for role in ROLES if role.key in held]


def sections_for(user) -> list[Section]:
    """Every task once, under a role that does it: the reader's own roles first, then the
    others; within a role, in the manual's order."""
    own = roles_of(user)
    ordered = own + [role for role in ROLES if role not in own]
    shown, sections = set(), []
    for role in ordered:
        tasks = [task for task in TASKS if role.key in task.roles and task.slug not in shown]
        shown.update(task.slug for task in tasks)
        if tasks:
            sections.append(Section(role=role, tasks=tasks, own=role in own))
    return sections


def task_by_slug(slug) -> Task | None:
    return next((task for task in TASKS if task.slug == slug), None)
