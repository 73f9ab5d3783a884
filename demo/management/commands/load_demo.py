import time

from django.core.management.base import BaseCommand

from demo.catalogue import demo_catalogue_load
from demo.topics import demo_topics_load


class Command(BaseCommand):
    help = (
        "载入示例数据：法律法规、34 个部门、1,135 个政务服务事项、完整示例事项及“一件事”主题"
        "（可重复执行）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="只载入前 N 个服务事项")

    def handle(self, *args, limit=None, **options):
        started = time.monotonic()
        report = demo_catalogue_load(items_limit=limit)
        for line in report.lines + demo_topics_load().lines:
            self.stdout.write(line)
        self.stdout.write(f"示例数据载入完成，用时 {time.monotonic() - started:.1f} 秒。")
