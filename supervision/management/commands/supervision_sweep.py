import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from common.database import maintain
from supervision.models import AlertRule
from supervision.performance import Period, evaluation_for
from supervision.sweep import sweep


class Command(BaseCommand):
    help = (
        "电子监察巡查：按监察规则发出随时间产生的预警（环节到期、时限预警、超期、未公示、督办逾期、"
        "审核与答复超期），并解除原因已消除的预警；计算刚结束的月、季度、年度的绩效评估。"
        "可重复运行，不会重复发出。建议每天运行一次。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="按该日期巡查（YYYY-MM-DD，默认今天）")

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError("日期格式应为 YYYY-MM-DD。") from error
        report = sweep(today=today)
        day = today or timezone.localdate()
        for kind in ("month", "quarter", "year"):
            evaluation_for(Period.last_complete(kind, day), today=day)
        # The daily run is also when SQLite's query planner looks at the tables' sizes again
        # and its full-text indexes are merged (a catalogue grown one power at a time;
        # common.database).
        maintain()
        names = dict(AlertRule.objects.values_list("code", "name"))
        for code, count in report.raised.items():
            if count:
                self.stdout.write(f"  发出 {names.get(code, code)}：{count} 条")
        self.stdout.write(
            f"巡查 {report.today}：发出预警 {report.total_raised} 条，"
            f"解除 {report.total_cleared} 条，用时 {report.seconds:.1f} 秒。"
        )
