"""The records behind access: which group edits which department, and who saw whose personal
data."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


class DepartmentEditors(models.Model):
    """The editors' group (部门编辑) of a department: its members may add and edit that
    department's powers and handle its feedback and cases, and nothing else. Kept in step with
    the department by access.groups; deleted with it (access.receivers)."""

    department = models.OneToOneField(
        "catalogue.DepartmentPage", on_delete=models.CASCADE, related_name="editors"
    )
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="department_role")

    class Meta:
        verbose_name = "部门编辑组"
        verbose_name_plural = "部门编辑组"
        permissions = [
            ("publish_powers_directly", "不经法制办审核直接发布行政权力事项"),
        ]

    def __str__(self):
        return self.group.name


class PersonalDataView(models.Model):
    """Every time a member of staff saw a citizen's personal data unmasked (a name, a phone
    number, an identity number): who, when, whose record and which fields."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    fields = models.CharField("查看的信息", max_length=200, blank=True)
    viewed_at = models.DateTimeField("查看时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "个人信息查看记录"
        verbose_name_plural = "个人信息查看记录"
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        permissions = [
            ("view_personal_data", "查看公众的姓名、电话等个人信息（每次查看都记录）"),
        ]


class Post(models.Model):
    """A post (承办岗位) of a department and who holds it. A case's step names the posts that
    complete it (the power's approved flow); only their holders may. A head's post (负责人)
    approves extensions and voids cases, and keeps the department's posts."""

    department = models.ForeignKey(
        "catalogue.DepartmentPage", verbose_name="部门", on_delete=models.CASCADE,
        related_name="posts",
    )  # fmt: skip
    name = models.CharField("岗位名称", max_length=100)
    is_head = models.BooleanField(
        "负责人岗位", default=False, help_text="可批准延期、作废办件，并管理本部门的岗位"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="在岗人员", blank=True, related_name="posts"
    )
    description = models.CharField("岗位职责", max_length=500, blank=True)

    class Meta:
        verbose_name = "承办岗位"
        verbose_name_plural = "承办岗位"
        ordering = ["department_id", "-is_head", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "name"], name="post_unique_per_department"
            )
        ]

    def __str__(self):
        return self.name
