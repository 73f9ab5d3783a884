from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from laws.parsing import LawFormatError
from laws.services import law_library_load

DEFAULT_ROOT = settings.BASE_DIR / "disclosure" / "fixtures" / "laws"


class Command(BaseCommand):
    help = "载入法律法规库（LawRefBook/Laws 格式的 Markdown 文件），可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument("root", nargs="?", default=str(DEFAULT_ROOT), help="法规文件所在目录")

    def handle(self, *args, root, **options):
        path = Path(root)
        if not path.is_dir():
            raise CommandError(f"目录不存在：{path}")
        try:
            report = law_library_load(root=path)
        except LawFormatError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"法律法规：新增 {len(report.created)}，更新 {len(report.updated)}，"
            f"未变 {len(report.unchanged)}"
        )
        for law in report.no_longer_in_force:
            self.stdout.write(f"{law} 已被新版本替代：已向引用它的事项发起调整要求。")
