"""manage.py restore [--timestamp …]: put a backup set back — the database, the media, the
applicants' materials and the imported spreadsheets, each as it was backed up. The newest set
unless --timestamp names one; an incomplete or damaged set is refused and nothing is changed.
--list shows the sets. Stop the web and the worker first (deploy/README.md, 备份)."""

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backup.services import (
    PARTS,
    BackupError,
    backup_set_choose,
    backup_sets,
    folders,
    location,
    restore_apply,
    restore_prepare,
    size_text,
)


class Command(BaseCommand):
    help = "从备份恢复数据库、媒体文件、申请材料与导入文件（默认最近一套；不完整的备份拒绝恢复）"

    def add_arguments(self, parser):
        parser.add_argument("--timestamp", help="要恢复的备份的时间，如 2026-12-03-013000")
        parser.add_argument("--list", action="store_true", help="列出备份目录里的备份，不恢复")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive",
            help="不询问确认（用于脚本）",
        )  # fmt: skip
        parser.add_argument(
            "--passphrase-file", help="加密的备份：GPG 私钥口令所在的文件（第一行）",
        )  # fmt: skip

    def handle(self, *args, timestamp=None, interactive=True, verbosity=1, **options):
        if options["list"]:
            return self._list()
        try:
            chosen = backup_set_choose(timestamp)
            passphrase = self._passphrase(chosen, options["passphrase_file"], interactive)
            self.stdout.write(f"正在取出并核对备份 {chosen.stamp}（{size_text(chosen.size)}）…")
            with restore_prepare(chosen, passphrase=passphrase) as prepared:
                self._plan(prepared)
                if interactive and input("确认恢复请输入 yes：").strip().lower() != "yes":
                    self.stdout.write("已取消，没有做任何改动。")
                    return
                restored = restore_apply(prepared, verbose=verbosity >= 2)
        except BackupError as error:
            raise CommandError(str(error)) from error
        out = self.stdout.write
        out(self.style.SUCCESS(f"已恢复备份 {restored.stamp}："))
        out(f"  数据库：{restored.database}")
        for part, (folder, count) in restored.folders.items():
            out(f"  {PARTS[part]}：{folder}（{count} 个文件）")
        out("接下来：备份来自较早的版本时运行 manage.py migrate；配置了 Elasticsearch 时运行 "
            "manage.py update_index；然后启动 web 与 worker。")  # fmt: skip

    def _list(self):
        sets = backup_sets()
        if not sets:
            self.stdout.write(f"备份目录 {location()} 里没有备份。")
            return
        self.stdout.write(f"备份目录 {location()}，共 {len(sets)} 套（最新的在前）：")
        for backup in sets:
            if backup.complete:
                encrypted = "，已加密" if backup.encrypted_for else ""
                self.stdout.write(f"  {backup.stamp}  完整，{size_text(backup.size)}{encrypted}")
            else:
                self.stdout.write(f"  {backup.stamp}  不完整：{'；'.join(backup.problems)}")

    def _passphrase(self, chosen, passphrase_file, interactive):
        if not chosen.encrypted_for:
            return None
        if passphrase_file:
            try:
                return Path(passphrase_file).read_text(encoding="utf-8").splitlines()[0]
            except (OSError, IndexError) as error:
                raise CommandError(f"无法读取口令文件 {passphrase_file}：{error}") from error
        if interactive:
            prompt = (
                f"备份已用 GPG 密钥 {chosen.encrypted_for} 加密。私钥的口令（没有口令直接回车）："
            )
            return getpass.getpass(prompt) or None
        return None

    def _plan(self, prepared):
        out = self.stdout.write
        out(f"备份 {prepared.backup.stamp} 完整，核对无误。恢复将替换：")
        out(f"  数据库 {prepared.database}：现有数据全部换成备份时的数据")
        for part, folder in folders().items():
            out(f"  {PARTS[part]}目录 {folder}：现有文件全部删除，换成备份中的 "
                f"{prepared.counts[part]} 个文件")  # fmt: skip
        out("恢复前请停止 web 与 worker（systemctl stop disclosure-web disclosure-worker）。")
