"""Demo users for each role, for local demonstrations only (never in production).

Besides the editors and reviewers, every department with a filled demo power (one with its
approved flow) gets the posts (承办岗位) its steps name and three members of staff holding them:
a window clerk (窗口受理), a reviewer (the department's other posts) and a head (负责人岗位, who
approves extensions), so that every step of every demo case has someone to complete it."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from access import roles
from access.groups import department_editors_ensure
from access.posts import post_ensure, posts_assign
from cases.models import post_names
from catalogue.models import DepartmentPage, PowerPage
from catalogue.selectors import live_powers

APPLICANT_POST = "申请人"  # the applicant's own step (网上申报): not a department's post
HEAD_WORDS = ("负责人", "领导")
WINDOW_WORDS = ("窗口", "受理", "登记员")


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    group: str | None = None
    department_short_name: str | None = None
    # Staff who handle cases: their name (shown as the handler, officials act in office) and
    # which of the department's posts they hold ("window", "reviewer" or "head").
    name: str = ""
    posts: str = ""


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
    DemoUser("jjjc-supervisor", "demo-jjjc-2026", "纪检监察", group=roles.SUPERVISORS),
]  # fmt: skip

# The departments of the filled demo powers: a short latin prefix for usernames and the names
# of their three members of staff (window clerk, reviewer, head).
CASE_DEPARTMENTS = {
    "区行政审批局": ("spj", "王芳", "李强", "张建国"),
    "区交通运输局": ("jtj", "刘洋", "陈静", "杨志刚"),
    "区住建局": ("zjj", "赵敏", "黄磊", "周文华"),
    "区自然资源和规划局": ("zrj", "吴婷", "徐鹏", "孙立新"),
    "区教科体局": ("jkt", "胡丽", "朱晓峰", "高明"),
    "区卫健局": ("wjj", "林小雪", "何军", "郭永红"),
    "区民政局": ("mzj", "马莉", "罗斌", "梁国庆"),
    "区市监局": ("sjj", "宋佳", "谢涛", "韩卫东"),
    "区应急管理局": ("yjj", "唐燕", "冯刚", "董建华"),
    "区消防大队": ("xfd", "许晴", "邓超", "曹振华"),
}
CASE_ROLES = (("window", "窗口受理"), ("reviewer", "审核"), ("head", "负责人"))

DEMO_USERS += [
    DemoUser(f"{prefix}-{post}", f"demo-{prefix}-{post}-2026", f"{label}（{short_name}）",
             department_short_name=short_name, name=names[index], posts=post)
    for short_name, (prefix, *names) in CASE_DEPARTMENTS.items()
    for index, (post, label) in enumerate(CASE_ROLES)
]  # fmt: skip


def demo_users_ensure():
    User = get_user_model()
    for demo in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=demo.username,
            defaults={"email": f"{demo.username}@example.com",
                      "first_name": demo.name or demo.role},
        )  # fmt: skip
        if created:
            user.set_password(demo.password)
            user.save()
        if demo.group:
            user.groups.add(Group.objects.get(name=demo.group))
        if demo.department_short_name and not demo.posts:
            # The first of that name (a test site may hold a namesake of a demo department).
            department = DepartmentPage.objects.filter(
                short_name=demo.department_short_name
            ).first()
            user.groups.add(department_editors_ensure(department))
    demo_posts_ensure()


def is_head_post(name: str) -> bool:
    return any(word in name for word in HEAD_WORDS)


def department_posts(department: DepartmentPage) -> list[str]:
    """The posts the steps of the department's live powers name, in order of first use."""
    names = []
    for power in live_powers().descendant_of(department).type(PowerPage).specific():
        for block in power.steps:
            for name in post_names(block.value.get("post") or ""):
                if name != APPLICANT_POST and name not in names:
                    names.append(name)
    return names


def demo_posts_ensure() -> dict[str, list[str]]:
    """For every department whose live powers name posts in their steps: the posts (one of them
    a head's post: a post naming 负责人 or 领导, or 部门负责人 when no step names one), and, for
    the departments of CASE_DEPARTMENTS, their three members of staff holding them all: the
    window clerk the window's posts, the head the head's posts, the reviewer the rest.
    Idempotent. Returns the posts by department short name."""
    User = get_user_model()
    staff = {demo.department_short_name: [] for demo in DEMO_USERS if demo.posts}
    for demo in DEMO_USERS:
        if demo.posts:
            staff[demo.department_short_name].append(demo)
    made = {}
    for department in DepartmentPage.objects.order_by("path"):
        names = department_posts(department)
        if not names:
            continue
        heads = [name for name in names if is_head_post(name)] or ["部门负责人"]
        for name in names + heads:
            post_ensure(department.pk, name, is_head=name in heads)
        windows = [name for name in names if any(word in name for word in WINDOW_WORDS)]
        windows = windows or [names[0]]
        others = [name for name in names if name not in heads and name not in windows]
        held = {"window": windows, "head": heads, "reviewer": others or windows}
        for demo in staff.get(department.short_name, []):
            user = User.objects.filter(username=demo.username).first()
            if user is not None:
                posts_assign(user, department.pk, held[demo.posts], head_posts=heads)
        made[department.short_name] = names + [name for name in heads if name not in names]
    return made
