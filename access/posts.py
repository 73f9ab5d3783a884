"""Departments' posts (承办岗位) and who holds them: the writes, for the posts admin, the demo
and tests. Only site administrators (every department) and a department's heads (their own)
change posts."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from . import roles
from .models import Post


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
    for attribute in ("_access_departments",):
        if hasattr(user, attribute):
            delattr(user, attribute)
    return posts
