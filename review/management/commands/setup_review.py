from django.core.management.base import BaseCommand

from review.setup import review_setup_ensure


class Command(BaseCommand):
    help = "建立或修复各角色及“法制办审核”流程（可重复执行）。"

    def handle(self, *args, **options):
        workflow = review_setup_ensure()
        self.stdout.write(f"角色与审核流程已就绪：{workflow.name}（指定于职权目录）")
