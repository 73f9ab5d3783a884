"""Looks at personal data are recorded by the access app for every kind of record: the
feedback's records are copied there, and the right to unmask moved there (access.0001)."""

from django.db import migrations


def _copy_views(apps, schema_editor):
    Old = apps.get_model("feedback", "PersonalDataView")
    New = apps.get_model("access", "PersonalDataView")
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not Old.objects.exists():
        return
    feedback_type, _ = ContentType.objects.get_or_create(app_label="feedback", model="feedback")
    New.objects.bulk_create(
        [
            New(
                user_id=view.user_id,
                content_type=feedback_type,
                object_id=str(view.feedback_id),
                fields="姓名、手机号码",
                viewed_at=view.viewed_at,
            )
            for view in Old.objects.all()
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
        ("access", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(_copy_views, migrations.RunPython.noop),
        migrations.DeleteModel(name="PersonalDataView"),
        migrations.AlterModelOptions(
            name="feedback",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "公众评议",
                "verbose_name_plural": "公众评议",
            },
        ),
    ]
