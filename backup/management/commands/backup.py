"""manage.py backup: one set of backup files — the database, the media, the applicants'
materials and the imported spreadsheets — in the backup folder (DJANGO_BACKUP_ROOT); then only
the newest DJANGO_BACKUP_KEEP complete sets are kept. Run daily by disclosure-backup.timer."""

from django.core.management.base import BaseCommand, CommandError

from backup.services import BackupError, backup_create, size_text


class Command(BaseCommand):
    help = "备份数据库、媒体文件、申请材料与导入文件（一套文件，同一时间戳），并清理较早的备份"

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep", type=int, default=None,
            help="保留最近几套完整备份（默认取设置 DJANGO_BACKUP_KEEP）",
        )  # fmt: skip

    def handle(self, *args, keep=None, verbosity=1, **options):
        try:
            created = backup_create(keep=keep, verbose=verbosity >= 2)
        except BackupError as error:
            raise CommandError(str(error)) from error
        out = self.stdout.write
        out(self.style.SUCCESS(f"备份完成：{created.stamp}"))
        out(f"备份目录：{created.location}")
        for entry in created.written:
            label = f"数据库（{created.database}）" if entry.part == "database" else entry.label
            files = "" if entry.count is None else f"{entry.count} 个文件，"
            out(f"  {label}：{entry.name}（{files}{size_text(entry.size)}）")
            if entry.metadata:
                out(f"  数据库的说明文件：{entry.metadata}")
        out(f"  清单：{created.manifest}（各文件的大小与 SHA-256，恢复时逐一核对）")
        if created.encrypted_for:
            out(f"已用 GPG 密钥 {created.encrypted_for} 加密：恢复时需要它的私钥。")
        else:
            out("未加密：备份含申请人的个人信息，请限制备份目录的访问并加密异地副本"
                "（见 deploy/README.md“备份”）。")  # fmt: skip
        if created.removed:
            out(f"保留最近 {created.kept} 套完整备份，删除了较早的 {len(created.removed)} 套："
                f"{'、'.join(created.removed)}")  # fmt: skip
        else:
            out(f"保留最近 {created.kept} 套完整备份，没有需要删除的旧备份。")
