"""Departments' posts (承办岗位) and who holds them: the writes, for the posts admin, the demo
and tests. Only site administrators (every department) and a department's heads (their own)
change posts."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction

from . import roles
from .models import Post


def handlers_group() -> Group:
    """The group of post holders (办件承办人员): the right to sign in to the admin."""
    group, created = Group.objects.get_or_create(name=roles.CASE_HANDLERS)
    if created:
        group.permissions.add(
            Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    return group


def _follow_posts(users) -> None:
    """Post holders are in the handlers' group; those who hold no post any more leave it."""
    group = handlers_group()
    for user in users:
        if user.posts.exists():
            user.groups.add(group)
        else:
            user.groups.remove(group)
        for attribute in ("_access_departments", "_access_groups", "_perm_cache",
                          "_group_perm_cache", "_user_perm_cache"):  # fmt: skip
            if hasattr(user, attribute):
                delattr(user, attribute)


def post_ensure(department_id: int, name: str, *, is_head: bool = False) -> Post:
    """The department's post of that name, created when missing."""
    post, _created = Post.objects.get_or_create(
        department_id=department_id, name=name[:100], defaults={"is_head": is_head}
    )
    if is_head and not post.is_head:
        post.is_head = True
        post.save(update_fields=["is_head"])
    return post


def posts_assign(user, department_id: int, names, *, by=None, head_posts=()) -> list[Post]:
    """Give `user` the named posts of a department (created when missing). `by`: who does it
    (checked: a site administrator or a head of that department); None for set-up code."""
    if by is not None and not roles.is_department_head(by, department_id):
        raise PermissionDenied("只有站点管理员和本部门负责人可以分配岗位。")
    with transaction.atomic():
        posts = [post_ensure(department_id, name, is_head=name in head_posts) for name in names]
        user.posts.add(*posts)
        _follow_posts([user])
    return posts


def post_save(*, by, department_id: int, name: str, is_head: bool, members, post=None) -> Post:
    """Create or change a post and set who holds it, as the posts admin does."""
    if not roles.is_department_head(by, department_id):
        raise PermissionDenied("只有站点管理员和本部门负责人可以管理岗位。")
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValueError("请填写岗位名称。")
    duplicate = Post.objects.filter(department_id=department_id, name=name)
    if post is not None:
        duplicate = duplicate.exclude(pk=post.pk)
    if duplicate.exists():
        raise ValueError(f"本部门已有岗位“{name}”。")
    with transaction.atomic():
        post = post or Post(department_id=department_id)
        before = set(post.members.all()) if post.pk else set()
        post.name, post.is_head = name, is_head
        post.save()
        post.members.set(members)
        _follow_posts(before | set(members))
    return post


def post_delete(post: Post, *, by) -> None:
    if not roles.is_department_head(by, post.department_id):
        raise PermissionDenied("只有站点管理员和本部门负责人可以管理岗位。")
    with transaction.atomic():
        members = list(post.members.all())
        post.delete()
        _follow_posts(members)
