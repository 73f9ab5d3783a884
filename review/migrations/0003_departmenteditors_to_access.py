"""The department editors' link now belongs to the access app (its table moves there in
access.0001); review forgets it without touching the rows."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0002_legal_office_review_task"),
        ("access", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DepartmentEditors")],
            database_operations=[],
        ),
    ]
