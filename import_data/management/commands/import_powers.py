"""manage.py import_powers FILE: import a department's spreadsheet from the shell, the way the
admin does (import_data.services), with a progress bar."""

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from import_data.services import ImportRefused, import_apply, import_preview

STAGES = {"check": "检查", "compare": "比对", "apply": "写入", "submit": "提交审核"}


class Progress:
    """A one-line progress bar on stderr: rows done, rows per second, time left."""

    def __init__(self, stream):
        self.stream, self.started, self.stage = stream, time.monotonic(), None

    def __call__(self, stage, done, total):
        if stage != self.stage:
            self.stage, self.started = stage, time.monotonic()
            if done == 0:
                return
        elapsed = time.monotonic() - self.started
        if done < total and elapsed < 0.5:
            return  # too early to say how fast
        rate = done / max(elapsed, 1e-3)
        if total:
            width = 30
            filled = int(width * done / total)
            left = (total - done) / rate if rate else 0
            bar = "█" * filled + "·" * (width - filled)
            line = (
                f"{STAGES.get(stage, stage)} [{bar}] {done}/{total} 行 "
                f"{rate:,.0f} 行/秒 剩余 {left:,.0f} 秒"
            )
        else:
            line = f"{STAGES.get(stage, stage)} {done} 行 {rate:,.0f} 行/秒"
        self.stream.write("\r" + line.ljust(90))
        self.stream.flush()

    def done(self):
        self.stream.write("\n")


class Command(BaseCommand):
    help = "从 Excel/WPS 表格或 CSV 导入行政权力事项（默认提交法制办审核）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="XLSX 或 CSV 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查和预览，不写入")
        parser.add_argument("--publish", action="store_true", help="直接发布（需要直接发布权限）")
        parser.add_argument("--user", help="以哪个用户的名义导入（默认：第一个超级管理员）")
        parser.add_argument("--flowcharts", help="流程图压缩包（ZIP，图片以事项编码命名）")
        parser.add_argument("--cancel-missing", action="store_true",
                            help="把文件中各部门未列出的事项标记为“取消”")  # fmt: skip

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        user = self._user(options["user"])
        progress = Progress(sys.stderr)
        flowcharts = options["flowcharts"]
        if flowcharts and not Path(flowcharts).is_file():
            raise CommandError(f"找不到流程图压缩包：{flowcharts}")
        kwargs = {"cancel_missing": options["cancel_missing"], "progress": progress,
                  "flowcharts": flowcharts}  # fmt: skip
        try:
            if options["dry_run"]:
                result = import_preview(path, path.name, **kwargs)
            else:
                result = import_apply(path, path.name, user=user, publish=options["publish"],
                                      **kwargs)  # fmt: skip
        except ImportRefused as error:
            progress.done()
            self._messages(error.args[0] if error.args else "")
            raise CommandError("导入被拒绝，没有写入任何内容。") from error
        progress.done()
        self._report(result)
        if not result.ok:
            raise CommandError("文件有错误，没有写入任何内容。")

    def _user(self, username):
        User = get_user_model()
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"没有这个用户：{username}")
            return user
        user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("没有超级管理员：请用 --user 指定导入用户。")
        return user

    def _messages(self, text):
        if text:
            self.stderr.write(text)

    def _report(self, result):
        report = result.report
        self.stdout.write(
            f"文件：{report.filename}（{report.format}"
            + (f"，工作表“{report.sheet}”" if report.sheet else "")
            + (f"，编码 {report.encoding}" if report.encoding else "")
            + f"），{report.rows} 行"
        )
        for message in report.messages()[:200]:
            self.stdout.write(f"  {message}")
        for warning in result.warnings[:50]:
            self.stdout.write(f"  提示：{warning}")
        for change in result.changes[:50]:
            what = {"created": "新增", "changed": "修改", "cancelled": "取消"}[change.outcome]
            fields = f"（{'、'.join(change.fields)}）" if change.fields else ""
            self.stdout.write(f"  {what} {change.code} {change.title}{fields}")
        if len(result.changes) > 50:
            self.stdout.write(f"  …… 共 {len(result.changes)} 项变动")
        self.stdout.write(result.summary() + f"（用时 {result.seconds:.1f} 秒）")
