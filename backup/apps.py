from django.apps import AppConfig


class BackupConfig(AppConfig):
    """Backups of the database and the uploaded files (`manage.py backup`, `manage.py restore`),
    made with django-dbbackup; no models of its own."""

    name = "backup"
    verbose_name = "备份与恢复"
