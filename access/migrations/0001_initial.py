"""The access app takes over the department editors' link from review (same rows: the table is
renamed, its content type and so the permission publish_powers_directly move with it) and
keeps the generic record of looks at personal data; the right to unmask (view_personal_data,
formerly feedback's) moves here with its group grants."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def _content_types_move(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ContentType.objects.filter(app_label="review", model="departmenteditors").update(
        app_label="access"
    )
    old = Permission.objects.filter(
        content_type__app_label="feedback", codename="view_personal_data"
    ).first()
    if old is not None:
        target, _ = ContentType.objects.get_or_create(app_label="access", model="personaldataview")
        if not Permission.objects.filter(content_type=target, codename=old.codename).exists():
            old.content_type = target
            old.save(update_fields=["content_type"])


def _content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    ContentType.objects.filter(app_label="access", model="departmenteditors").update(
        app_label="review"
    )
    source, _ = ContentType.objects.get_or_create(app_label="feedback", model="feedback")
    Permission.objects.filter(
        content_type__app_label="access", codename="view_personal_data"
    ).update(content_type=source)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalogue", "0002_powerpage_change_note"),
        ("review", "0002_legal_office_review_task"),
        ("feedback", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DepartmentEditors",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("department", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="editors", to="catalogue.departmentpage")),
                        ("group", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="department_role", to="auth.group")),
                    ],
                    options={
                        "verbose_name": "部门编辑组",
                        "verbose_name_plural": "部门编辑组",
                        "permissions": [("publish_powers_directly", "不经法制办审核直接发布行政权力事项")],
                        "db_table": "review_departmenteditors",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="departmenteditors", table=None),
        migrations.CreateModel(
            name="PersonalDataView",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_id", models.CharField(max_length=64)),
                ("fields", models.CharField(blank=True, max_length=200, verbose_name="查看的信息")),
                ("viewed_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="查看时间")),
                ("content_type", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contenttypes.contenttype")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "个人信息查看记录",
                "verbose_name_plural": "个人信息查看记录",
                "ordering": ["-viewed_at", "-id"],
                "indexes": [models.Index(fields=["content_type", "object_id"], name="access_pers_content_40afd5_idx")],
                "permissions": [("view_personal_data", "查看公众的姓名、电话等个人信息（每次查看都记录）")],
            },
        ),
        migrations.RunPython(_content_types_move, _content_types_back),
    ]
