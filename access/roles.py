"""The roles and the checks of who a user is: the one place that says who may do what.

- 部门编辑：<部门> (one group per department): add and edit that department's powers, handle its
  feedback; never publish, never touch another department or the department page itself.
- 法制办审核 (legal office): reviews every new power and every change in the 法制办审核 workflow;
  approving publishes, rejecting returns the draft with a comment. Like Wagtail's moderators, they
  may open and correct what they review (edit rights on the catalogue's powers).
- 站点管理员 (site administrators): departments, laws, the calendar, users and groups; every page
  of the hall, the life-event topics (一件事) included.
- 内容管理员 (content administrators): spreadsheet imports; add and edit powers of every
  department (submitting them to the legal office like editors), no department pages; write and
  publish the life-event topics (一件事), which are editorial and not reviewed; with the site
  administrators, teach the search (synonyms, intents, its dictionary) from the search log.
- 纪检监察 (supervisors): see every department's cases, warnings and records, read-only (personal
  data masked); issue 督办 and record 过错责任追究 findings (supervision.services). They handle
  nothing of a department's own.

The groups and their rights are set up by access.groups; page rights are decided by the
permission testers of access.permissions.
"""

from django.contrib.auth.models import Group

from .models import DepartmentEditors, Post

LEGAL_OFFICE = "法制办审核"
SITE_ADMINS = "站点管理员"
CONTENT_ADMINS = "内容管理员"
SUPERVISORS = "纪检监察"
DEPARTMENT_EDITORS_PREFIX = "部门编辑："
# Everyone holding a post (承办岗位): may sign in to the admin, where they see their
# departments' cases; membership follows the posts (access.posts).
CASE_HANDLERS = "办件承办人员"
DIRECT_PUBLISH = "access.publish_powers_directly"
VIEW_PERSONAL_DATA = "access.view_personal_data"
# The roles that decide what is published, and 纪检监察 (reads every department's cases): only
# a superuser hands them out.
PRIVILEGED_GROUPS = (LEGAL_OFFICE, SITE_ADMINS, SUPERVISORS)


def _in_group(user, name) -> bool:
    """Group membership, asked once per user object (a request's user asks many times)."""
    cache = getattr(user, "_access_groups", None)  # request.user is a lazy proxy: no __dict__
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._access_groups = cache
    return name in cache


def is_active_staff(user) -> bool:
    return bool(user.is_authenticated and user.is_active)


def can_publish_directly(user) -> bool:
    """May publish powers without the legal office's review (an import's 直接发布)."""
    return is_active_staff(user) and (user.is_superuser or user.has_perm(DIRECT_PUBLISH))


def can_import(user) -> bool:
    """Spreadsheet imports: content administrators, site administrators, superusers."""
    return is_active_staff(user) and (
        user.is_superuser or _in_group(user, CONTENT_ADMINS) or _in_group(user, SITE_ADMINS)
    )


def can_teach_search(user) -> bool:
    """Turn what citizens type into the search's synonyms and intents (站内搜索): site and
    content administrators, superusers."""
    return is_active_staff(user) and (
        user.is_superuser or _in_group(user, SITE_ADMINS) or _in_group(user, CONTENT_ADMINS)
    )


def is_site_admin(user) -> bool:
    return is_active_staff(user) and (user.is_superuser or _in_group(user, SITE_ADMINS))


def is_legal_office(user) -> bool:
    return is_active_staff(user) and (user.is_superuser or _in_group(user, LEGAL_OFFICE))


def decides_publication(user) -> bool:
    """Puts powers live or takes them down: the legal office (by approving), or a holder of the
    explicit right to publish directly."""
    return is_legal_office(user) or can_publish_directly(user)


def department_ids_of(user) -> list[int]:
    """The ids of the departments the user works for: whose editors' group they belong to, or
    where they hold a post (承办岗位). Asked once per user object."""
    if not is_active_staff(user):
        return []
    cached = getattr(user, "_access_departments", None)
    if cached is None:
        editors = DepartmentEditors.objects.filter(group__user=user).values_list(
            "department_id", flat=True
        )
        posts = Post.objects.filter(members=user).values_list("department_id", flat=True)
        cached = sorted(set(editors) | set(posts))
        user._access_departments = cached
    return cached


def may_record_cases_for(user, department_id) -> bool:
    """Records cases of a department (a business system's token, a 补录 clerk): its own staff
    (editors and post holders) and site administrators. Not content administrators: cases
    carry citizens' personal data."""
    return is_site_admin(user) or (
        is_active_staff(user) and department_id in department_ids_of(user)
    )


def posts_of(user, department_id) -> list[str]:
    """The names of the posts the user holds in a department."""
    if not is_active_staff(user):
        return []
    return list(
        Post.objects.filter(members=user, department_id=department_id).values_list(
            "name", flat=True
        )
    )


def is_department_head(user, department_id) -> bool:
    """Holds a head's post (负责人) of the department: approves extensions, voids cases, keeps
    the department's posts. Site administrators act as heads of every department."""
    return is_site_admin(user) or (
        is_active_staff(user)
        and Post.objects.filter(members=user, department_id=department_id, is_head=True).exists()
    )


def can_manage_posts(user) -> bool:
    """Site administrators (every department) and department heads (their own)."""
    return is_site_admin(user) or (
        is_active_staff(user) and Post.objects.filter(members=user, is_head=True).exists()
    )


def is_supervisor(user) -> bool:
    """纪检监察: reads every department, acts only through 督办 and findings."""
    return is_active_staff(user) and (user.is_superuser or _in_group(user, SUPERVISORS))


def handles_all_departments(user) -> bool:
    """Handles every department's records (replies, cases within their posts): the legal office
    and site administrators."""
    return is_site_admin(user) or is_legal_office(user)


def sees_all_departments(user) -> bool:
    """Reads every department's records: those who handle them all, and 纪检监察."""
    return handles_all_departments(user) or is_supervisor(user)


def supervises(user) -> bool:
    """Issues 督办 and records findings: the legal office and 纪检监察."""
    return is_legal_office(user) or is_supervisor(user)


def is_department_staff(user) -> bool:
    """Works on departments' matters (电子监察, 公众评议, 办件): a department's editors and post
    holders, the legal office, site administrators, 纪检监察."""
    return sees_all_departments(user) or bool(department_ids_of(user))


def can_view_personal_data(user) -> bool:
    """Holds the right to see citizens' personal data unmasked (every look is logged)."""
    return is_active_staff(user) and user.has_perm(VIEW_PERSONAL_DATA)


def privilege_problem(actor, target, data) -> str:
    """Why `actor` may not make this user change (Chinese), or "" when they may.

    Only a superuser may make superusers, touch a superuser, or hand out the roles that decide
    what is published (法制办审核, 站点管理员) or read every department's cases (纪检监察)."""
    if actor.is_superuser:
        return ""
    if target is not None and target.is_superuser:
        return "只有超级管理员可以修改超级管理员账号。"
    if data.get("is_superuser"):
        return "只有超级管理员可以设置超级管理员。"
    wanted = {int(pk) for pk in data.getlist("groups") if str(pk).isdecimal()}
    privileged = set(Group.objects.filter(name__in=PRIVILEGED_GROUPS).values_list("pk", flat=True))
    current = set(target.groups.values_list("pk", flat=True)) if target is not None else set()
    if (wanted - current) & privileged:
        return "只有超级管理员可以授予“法制办审核”“站点管理员”或“纪检监察”角色。"
    return ""
