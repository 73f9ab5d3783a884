"""Demo users for each role, for local demonstrations only (never in production)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from access import roles
from access.groups import department_editors_ensure
from catalogue.models import DepartmentPage


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    group: str | None = None
    department_short_name: str | None = None


DEMO_USERS = [
    DemoUser("jtj-editor", "demo-jtj-2026", "部门编辑（区交通运输局）",
             department_short_name="区交通运输局"),
    DemoUser("spj-editor", "demo-spj-2026", "部门编辑（区行政审批局）",
             department_short_name="区行政审批局"),
    DemoUser("fzb-reviewer", "demo-fzb-2026", "法制办审核", group=roles.LEGAL_OFFICE),
    # A second reviewer: what one reviewer corrects, the other approves (four eyes).
    DemoUser("fzb-reviewer2", "demo-fzb2-2026", "法制办审核（第二人）", group=roles.LEGAL_OFFICE),
    DemoUser("site-admin", "demo-admin-2026", "站点管理员", group=roles.SITE_ADMINS),
    DemoUser("content-admin", "demo-content-2026", "内容管理员", group=roles.CONTENT_ADMINS),
]  # fmt: skip


def demo_users_ensure():
    User = get_user_model()
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={"email": f"{demo.username}@example.com", "first_name": demo.role},
        )
        if created:
            user.set_password(demo.password)
            user.save()
        if demo.group:
            user.groups.add(Group.objects.get(name=demo.group))
        if demo.department_short_name:
            department = DepartmentPage.objects.get(short_name=demo.department_short_name)
            user.groups.add(department_editors_ensure(department))
