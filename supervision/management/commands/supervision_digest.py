from django.core.management.base import BaseCommand

from supervision.digest import digest_send


class Command(BaseCommand):
    help = "发送电子监察每日提醒：向法制办和各部门编辑发送黄牌、红牌事项（供定时任务每日调用）。"

    def handle(self, *args, **options):
        report = digest_send()
        self.stdout.write(f"已发送 {report.sent} 封提醒邮件。")
