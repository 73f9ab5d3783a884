from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.users import DEMO_USERS, demo_users_ensure


class Command(BaseCommand):
    help = "创建各角色的演示账号（仅限开发环境；生产环境不会创建）。"

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("演示账号只能在开发环境（DEBUG=True）中创建。")
        demo_users_ensure()
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.role}：{user.username} / {user.password}")
