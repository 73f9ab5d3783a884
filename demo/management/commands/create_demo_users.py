from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.management.commands.ensure_demo_admin import CREDENTIALS_FILE
from demo.users import DEMO_USERS, demo_users_ensure


class Command(BaseCommand):
    help = "创建各角色的演示账号及各部门承办岗位的在岗人员（仅限开发环境；生产环境不会创建）。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示账号只能在开发环境（DEBUG=True）中创建。")
        demo_users_ensure()
        lines = [f"{user.username} {user.password}  # {user.role}" for user in DEMO_USERS]
        if CREDENTIALS_FILE.exists():
            # Keep the administrator's line (ensure_demo_admin) first; list the demo users after.
            first = CREDENTIALS_FILE.read_text(encoding="utf-8").splitlines()[:1]
            CREDENTIALS_FILE.write_text("\n".join(first + lines) + "\n", encoding="utf-8")
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.role}：{user.username} / {user.password}")
