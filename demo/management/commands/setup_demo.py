from django.core.management import call_command
from django.core.management.base import BaseCommand

from cases.models import Case
from demo.feedback import demo_feedback_load
from demo.supervision import demo_completion_load, demo_supervision_load

DEMO_CASES = 20000


class Command(BaseCommand):
    help = "一次完成本地演示环境：迁移数据库、建立缓存表、载入示例数据、创建演示管理员。"

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable")
        call_command("load_demo", stdout=self.stdout)
        call_command("setup_review", stdout=self.stdout)
        call_command("ensure_demo_admin", stdout=self.stdout)
        call_command("create_demo_users", stdout=self.stdout)
        made = demo_feedback_load()
        if made:
            self.stdout.write(f"公众评议示例数据（生成，非真实评价）：{made} 条")
        # Once: a second `make run` keeps the cases there are (and those staff added).
        if not Case.objects.filter(generated=True).exists():
            call_command("generate_demo_cases", count=DEMO_CASES, stdout=self.stdout)
        watched = demo_supervision_load()
        if watched:
            self.stdout.write(
                f"电子监察示例（生成）：历史预警 {watched['history']} 条，违规示例 "
                f"{watched['irregular']} 项，未解除预警 {watched['open']} 条，督办单 "
                f"{watched['orders']} 份，过错责任追究 {watched['findings']} 条"
            )
        dated = demo_completion_load()
        if dated:
            self.stdout.write(
                f"数据完整度期限示例：{dated['dates']} 个部门，临近期限提醒 "
                f"{dated['reminders']} 条，逾期红牌 {dated['red']} 条"
            )
