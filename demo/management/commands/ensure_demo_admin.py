import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".demo-credentials"


class Command(BaseCommand):
    help = "创建演示用的站点管理员账号并打印其用户名和密码（仅用于本地演示）。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示账号只能在开发环境（DEBUG=True）中创建。")
        User = get_user_model()
        username = "admin"
        user = User.objects.filter(username=username).first()
        if user is None or not CREDENTIALS_FILE.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_superuser(username, "admin@example.com", password)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            CREDENTIALS_FILE.write_text(f"{username} {password}\n", encoding="utf-8")
            CREDENTIALS_FILE.chmod(0o600)
        # The first line is the administrator's; the demo users follow (create_demo_users).
        first = CREDENTIALS_FILE.read_text(encoding="utf-8").splitlines()[0]
        username, password = first.split()[:2]
        self.stdout.write(f"超级管理员：用户名 {username}  密码 {password}")
