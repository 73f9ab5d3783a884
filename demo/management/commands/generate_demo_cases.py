from django.core.management.base import BaseCommand, CommandError

from demo.cases import generate_cases


class Command(BaseCommand):
    help = (
        "生成演示办件（标记为生成数据，非真实办件）：已发布且有办理流程的事项，"
        "最近若干个月，含补正、特别程序、不予受理、超期、办理中和撤回的办件。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="生成的办件数")
        parser.add_argument("--months", type=int, default=12, help="分布在最近几个月（默认 12）")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（相同种子结果相同）")
        parser.add_argument("--batch", type=int, default=5000, help="每批写入的办件数")

    def handle(self, *args, count, months, seed, batch, **options):
        if count < 1 or months < 1 or batch < 1:
            raise CommandError("--count、--months 和 --batch 须为正整数。")
        try:
            made = generate_cases(count, months=months, seed=seed, batch=batch,
                                  progress=self._progress(count))  # fmt: skip
        except ValueError as error:
            raise CommandError(str(error)) from error
        rows = "，".join(f"{table} {number:,}" for table, number in made.rows.items())
        self.stdout.write(f"演示办件（生成，非真实办件）：{made.cases:,} 件，用时 "
                          f"{made.seconds:.1f} 秒（{rows}）")  # fmt: skip
        for case_no, password in made.samples:
            self.stdout.write(f"  查询示例：办件编号 {case_no}  查询密码 {password}")

    def _progress(self, count):
        step = max(1, count // 10)

        def report(done):
            if done % step < 5000 or done == count:
                self.stderr.write(f"  {done:,}/{count:,}")

        return report if count >= 50000 else None
