"""Spreadsheet import of new powers (manage.py import_powers), beside stock Wagtail's page API.

Run from the repository root:  python -m bench.spreadsheet_import   (`--help` lists the
options). Formerly `bench/import.py`, renamed: `import` is a Python keyword, so that script could
not be imported. Its options are unchanged.
A run takes about 5 minutes (plus ~30-70 s when the demo database has to be built; --profile
about 1 more, each extra --rounds about 2.5 more); the developer's db.sqlite3 is never touched.

What it does
  1. Base database: the one bench.pages uses (migrate, createcachetable, load_demo; under /tmp,
     named after a hash of the fixtures and migrations, reused while they are unchanged;
     --rebuild reloads it). Two throw-away copies are made from it for each run (SQLite backup
     API): one for the stock baseline, one for the import; in each, a superuser "bench-import"
     is created to write as.
  2. The import file: --size rows (default 10,000; XLSX written with openpyxl's write-only mode,
     or --format csv) of new powers made from the real service items
     (../shared/data/service-items/, else disclosure/fixtures/service-items/): names in the
     manner of bench/harness/powers.py (the subject of a real item's name with another action
     of its type), the item's real department (by its short name or full title), 事项类型 as a
     name or a national code, exactly two citations of in-force laws of the library with real
     article numbers (行使依据 like 《中华人民共和国行政许可法》第十二条；《…》第八条、第九条), four
     steps (办理流程, one per line or separated by →, each "名称（n个工作日）：内容"),
     法定/承诺办结时限, 标签, 状态 在用. Codes look like
     511AX000000001-511602000000-000-<department>-1-00 (the X marks them as the bench's; the
     write refuses any code that already exists).
  3. Stock baseline, in a child process on its copy: the first --stock-size rows (default 1,000)
     of the same file, read with the import's own reader (not timed), each created the way
     Wagtail's API does it, one transaction per page as an admin request would:
       department.add_child(instance=PowerPage(…, legal_bases=[LegalBasis…], steps=…, tags))
       page.save_revision(user=user, log_action=True).publish(user=user)
     — the same rows as the import (revision, audit log create (Page.save logs it)/edit/publish,
     legal bases, tags, publication record, search indexes through the project's signal
     handlers). Timed as a whole and per 100 pages; SQL statements counted with
     connection.execute_wrapper.
  4. The import, as an operator runs it, in a child process on its copy:
       DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=sqlite:///… \\
         python manage.py import_powers FILE --publish --user bench-import
     Wall time (including Django's start-up), pages/s, peak RSS of the child (os.wait4), and
     when each stage of its progress bar (检查/比对/写入) ended, from its stderr. Then, in a child
     process, checks that every new power is there: live, exactly one revision (the live one),
     audit log wagtail.create/edit/publish, two legal bases linked to laws, four steps, tags, a
     publication record, a hall search document (hall_search.SearchDocument), an entry in
     Wagtail's own index (wagtailsearch IndexEntry) and reference-index rows; and that the hall
     search finds a few of them by code. The stock pages are checked the same way.
  5. Re-import of the same file, unchanged: wall time, RSS; checks that no revision, log entry,
     publication or page was added.
  6. Bounded memory: a --big-size-row CSV (default 100,000; new codes) through
     `import_powers FILE --dry-run` (read, check and compare without writing) on the imported
     database: peak RSS and time.
  7. Prints a table and writes everything to bench/results/import-latest.json.
  --profile N additionally runs import_data.services.import_apply in-process under cProfile on
  the first N rows (fresh copy), then again on the same file (unchanged), counts the SQL
  statements of each, and writes the top functions to bench/results/import-profile-latest.txt.
  --rounds N repeats steps 3-4 on fresh copies (alternating which goes first) and quotes the
  median ratio; checks, re-import and dry run use the last round's database.

How to read it
  ratio = import pages/s ÷ stock pages/s, both measured in this run on copies of the same
  database; the machine is shared and noisy, so quote the ratio (and with --rounds, the medians),
  not the absolute pages/s. Import pages/s and wall time count the whole command: Django's
  start-up, reading and checking the file, writing, indexing and the commit. Goals (the issue):
  ratio >= 10, import <= 60 s, re-import <= 20 s, peak RSS <= 500 MB for the import and for the
  100,000-row dry run. The notes split a command's wall time at the moments its progress bar
  finished each stage: 启动 (start-up, until reading began), 检查 (reading and checking), 比对
  (comparing with the catalogue: dry run, --cancel-missing), 写入 (writing the rows); after
  写入 come the bulk indexing at the end of the transaction, the commit and the report. The
  stock path's SQL statements per page are listed by kind below the table. Stock slows down as
  a department grows (the issue measured 17 pages/s for 1,000 pages and 13 for 10,000), so
  --stock-size 1000 flatters it slightly. A failed check (or a warning in a command's report)
  is printed as WARNING and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from bench.harness import REPO, RESULTS
from bench.harness.database import (
    bench_env,
    copy_sqlite,
    fixtures_fingerprint,
    prepare_sqlite,
    sqlite_database,
    temporary,
)
from bench.harness.powers import TYPE_LAW, TYPE_PREFIX, PowerNames, RealItem
from bench.harness.report import header, mark, write_report
from bench.harness.runner import (
    add_output_option,
    add_phase_options,
    parser_for,
    run,
    run_child_phase,
    run_phase,
)
from bench.harness.sql import StatementCounter

SERVICE_ITEMS = [
    REPO.parent / "shared" / "data" / "service-items",
    REPO / "disclosure" / "fixtures" / "service-items",
]
USERNAME = "bench-import"
GOALS = {"ratio": 10.0, "import_s": 60.0, "reimport_s": 20.0, "rss_mb": 500.0}
STOCK_CHUNK = 100
BIG_START = 100_000_001  # number of the first code of the big file (the import file's start at 1)
SEED = 20240611

HEADERS = [
    "事项编码",
    "事项名称",
    "事项类型",
    "实施主体",
    "承办机构",
    "行使层级",
    "权力来源",
    "行使依据",
    "办理流程",
    "法定办结时限",
    "承诺办结时限",
    "收费标准",
    "办理形式",
    "结果名称",
    "标签",
    "状态",
]
STEPS = [
    ("受理", "核验申请人身份和申请材料，材料齐全的出具受理通知书"),
    ("审查", "审查申请材料，必要时对{subject}场所进行现场核查"),
    ("决定", "作出准予或者不予的书面决定并说明理由"),
    ("送达", "送达决定文书，办结后开展好差评回访"),
]
RESULT_NAMES = {
    "01": "准予行政许可决定书",
    "02": "行政处罚决定书",
    "03": "查封（扣押）决定书",
    "04": "缴款通知书",
    "05": "给付决定通知书",
    "06": "现场检查记录",
    "07": "确认结果通知书",
    "08": "奖励决定",
    "09": "行政裁决书",
    "10": "办理结果通知书",
    "20": "办理结果告知单",
}
TAGS = [
    "一网通办",
    "就近办",
    "全程网办",
    "最多跑一次",
    "承诺件",
    "即办件",
    "高频事项",
    "跨省通办",
    "告知承诺",
    "企业开办",
    "帮办代办",
    "容缺受理",
    "川渝通办",
    "秒批秒办",
]
TYPE_LABELS = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务",
}


# --- Child processes (no Django in this process) --------------------------------------------


STAGE_NAMES = {"检查", "比对", "写入", "提交审核"}  # import_powers' progress bar
_PROGRESS_RE = re.compile(r"^(\S+) .*?(\d+)(?:/\d+)? 行 ([\d,]+) 行/秒")


def run_command(label: str, arguments: list[str], env: dict) -> dict:
    """Run `manage.py …` as a child process: wall time, exit status, peak RSS (os.wait4, this
    child only), its stdout, and from the progress bar on its stderr when each stage ended."""
    log_dir = RESULTS / "import-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stdout_path = log_dir / f"{label}.out"
    stderr_path = log_dir / f"{label}.err"
    command = [sys.executable, "manage.py", *arguments]
    stages: dict[str, dict] = {}
    timeline: list[tuple] = []  # (seconds, stage, rows done, rows/s) of every progress line
    started = time.monotonic()
    with stdout_path.open("wb") as out, stderr_path.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.PIPE)

        def read_stderr():
            # Each progress line is written and flushed as "\r" + line: a line is complete when
            # it arrives, not when the next "\r" does.
            decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
            pending, handled = "", None
            while chunk := process.stderr.read1(65536):
                now = time.monotonic() - started
                decoded = decoder.decode(chunk)
                err.write(decoded)
                segments = re.split(r"[\r\n]", pending + decoded)
                last = len(segments) - 1
                matched_last = False
                for index, line in enumerate(segments):
                    if index == 0 and line == handled:
                        continue  # the partial line of the last chunk, handled then
                    match = _PROGRESS_RE.match(line.strip())
                    if not match or match.group(1) not in STAGE_NAMES:
                        continue
                    stage, done = match.group(1), int(match.group(2))
                    rate = float(match.group(3).replace(",", ""))
                    timeline.append((round(now, 2), stage, done, rate))
                    info = stages.setdefault(stage, {"start_s": None, "end_s": None})
                    if info["start_s"] is None and rate > 0:
                        info["start_s"] = round(now - done / rate, 2)
                    info["end_s"] = round(now, 2)
                    matched_last = index == last
                handled = segments[last] if matched_last else None
                pending = segments[last]

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        reader.join()
        process.stderr.close()
    wall = time.monotonic() - started
    stdout = stdout_path.read_text(encoding="utf-8", errors="replace")
    counts = re.search(r"新增 (\d+)，修改 (\d+)，未变 (\d+)", stdout)
    own = re.search(r"用时 ([\d.]+) 秒", stdout)
    # The command lists the report's errors and warnings, then the changes (新增/修改/取消 …).
    messages = [
        line.strip()
        for line in stdout.splitlines()
        if line.startswith("  ") and not line.strip().startswith(("新增 ", "修改 ", "取消 ", "……"))
    ]
    return {
        "command": " ".join(["python", "manage.py", *arguments]),
        "returncode": process.returncode,
        "wall_s": round(wall, 2),
        "own_s": float(own.group(1)) if own else None,
        "max_rss_mb": round(usage.ru_maxrss / 1024, 1),  # KiB on Linux
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "created": int(counts.group(1)) if counts else None,
        "changed": int(counts.group(2)) if counts else None,
        "unchanged": int(counts.group(3)) if counts else None,
        "stages": stages,
        "timeline": timeline,
        "summary": next((x for x in reversed(stdout.splitlines()) if "用时" in x), ""),
        "messages": len(messages),
        "first_messages": messages[:12],
        "stderr_tail": stderr_path.read_text(encoding="utf-8")[-1500:].split("\r")[-1].strip(),
        "log": str(stdout_path.relative_to(REPO)),
    }


# --- Inside Django --------------------------------------------------------------------------


def bench_user():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=USERNAME)


def snapshot() -> dict:
    """Totals of what writing powers adds, to compare before and after."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
    from wagtail.search.models import IndexEntry

    from catalogue.models import LegalBasis, PowerPage
    from review.models import PowerPublication
    from search.models import DocumentKind, SearchDocument

    power_type = ContentType.objects.get_for_model(PowerPage)
    last = Page.objects.order_by("-pk").values_list("pk", flat=True).first()
    return {
        "max_page_id": last or 0,
        "powers": PowerPage.objects.count(),
        "live_powers": PowerPage.objects.live().count(),
        "revisions": Revision.objects.count(),
        "log_entries": PageLogEntry.objects.count(),
        "legal_bases": LegalBasis.objects.count(),
        "publications": PowerPublication.objects.count(),
        "hall_documents": SearchDocument.objects.filter(kind=DocumentKind.POWER).count(),
        "wagtail_index_entries": IndexEntry.objects.filter(content_type=power_type).count(),
        "references": ReferenceIndex.objects.count(),
    }


def phase_prepare(args) -> dict:
    """The superuser the bench writes as; the totals before anything is written."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = User.objects.create_superuser(USERNAME, "bench-import@example.com", None)
    return snapshot()


def _real_items(departments_by_name: dict[str, str]) -> tuple[list[RealItem], Path, int]:
    """The real service items whose department is in the demo catalogue; how many were not."""
    folder = next(f for f in SERVICE_ITEMS if f.is_dir())
    items, unknown = [], 0
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                code = departments_by_name.get(row["department"].strip())
                if code is None:
                    unknown += 1
                    continue
                power_type = row["task_type"].strip().zfill(2)
                items.append(RealItem(row["item_code"], row["name"], power_type, code))
    return items, folder, unknown


class RowGenerator:
    """Rows of the import file: new powers made from the real items (see the module's text).
    The same seed gives the same rows, so the first N rows of any size are the same."""

    def __init__(self, items, departments, laws, *, seed=SEED):
        self.rng = random.Random(seed)
        self.departments = departments  # code → (title, short name)
        self.laws = laws  # [(title, [article numbers])]
        self.law_titles = {title for title, _numbers in laws}
        self.names = PowerNames(items)
        self.taken: set[tuple[str, str]] = {(i.department_code, i.title) for i in items}

    def _citations(self, power_type: str) -> str:
        rng = self.rng
        first = TYPE_LAW.get(power_type)
        titles = [first] if first in self.law_titles else []
        while len(titles) < 2:
            title = rng.choice(self.laws)[0]
            if title not in titles:
                titles.append(title)
        articles_of = dict(self.laws)
        parts = []
        for title in titles:
            numbers = articles_of[title]
            picked = sorted(
                rng.sample(numbers, k=min(len(numbers), rng.choice([1, 1, 2]))), key=numbers.index
            )
            parts.append(f"《{title}》{'、'.join(picked)}")
        return ("\n" if rng.random() < 0.2 else "；").join(parts)

    def _steps(self, subject: str, promised: int) -> str:
        limits = [1, max(1, promised - 3), 1, 1]
        lines = [
            f"{name}（{days}个工作日）：{text.format(subject=subject)}"
            for (name, text), days in zip(STEPS, limits, strict=True)
        ]
        return ("→" if self.rng.random() < 0.2 else "\n").join(lines)

    def rows(self, count: int, *, start: int = 1, numeric_limits: bool = True):
        rng = self.rng
        for number in range(start, start + count):
            for _attempt in range(20):  # a new name in its department, if one can be found
                power_type, source, subject, name = self.names.draw(rng)
                if (source.department_code, name) not in self.taken and len(name) <= 200:
                    break
            self.taken.add((source.department_code, name))
            department = source.department_code
            title, short_name = self.departments[department]
            legal = rng.choice([20, 30, 60])
            promised = rng.randint(4, legal // 2)
            if numeric_limits and rng.random() < 0.7:
                legal_cell, promised_cell = legal, promised
            else:
                legal_cell, promised_cell = f"{legal}个工作日", f"{promised}个工作日"
            code = f"{TYPE_PREFIX[power_type]}X{number:09d}-511602000000-000-{department}-1-00"
            yield [
                code,
                name,
                power_type if rng.random() < 0.2 else TYPE_LABELS[power_type],
                short_name if rng.random() < 0.7 else title,
                "区政务服务中心综合窗口",
                "县级",
                "法定本级行使",
                self._citations(power_type),
                self._steps(subject, promised),
                legal_cell,
                promised_cell,
                "不收费",
                rng.choice(["窗口办理", "窗口办理、网上办理（四川政务服务网）"]),
                RESULT_NAMES[power_type],
                "、".join(rng.sample(TAGS, k=rng.randint(2, 3))),
                "在用",
            ]


def phase_write(args) -> dict:
    """Write the import file (args.file): args.rows rows from code number args.start."""
    from catalogue.models import DepartmentPage, PowerPage
    from import_data.columns import COLUMNS
    from laws.models import Law

    template = {column.header for column in COLUMNS}
    if set(HEADERS) - template:
        raise SystemExit(f"not template headers: {sorted(set(HEADERS) - template)}")
    departments, by_name = {}, {}
    for department in DepartmentPage.objects.order_by("path"):
        departments[department.code] = (department.title, department.short_name)
        by_name.setdefault(department.short_name, department.code)
        by_name.setdefault(department.title, department.code)
    items, folder, unknown = _real_items(by_name)
    laws = []
    for law in Law.objects.in_force().prefetch_related("articles").order_by("title"):
        numbers = [a.number for a in sorted(law.articles.all(), key=lambda a: a.ordinal)]
        numbers = [n for n in numbers if re.fullmatch(r"第[零一二三四五六七八九十百千]+条", n)]
        if len(numbers) >= 2:
            laws.append((law.title, numbers))
    existing = set(PowerPage.objects.values_list("code", flat=True))
    generator = RowGenerator(items, departments, laws)
    if args.start > 1:  # the big file: other codes, the same kind of rows
        generator.rng.seed(SEED + args.start)
    path = Path(args.file)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    rows = generator.rows(args.rows, start=args.start, numeric_limits=path.suffix == ".xlsx")
    sample, clashes, used = [], 0, Counter()

    def checked(rows):
        nonlocal clashes
        for row in rows:
            if row[0] in existing:
                clashes += 1
            if len(sample) < 3:
                sample.append(dict(zip(HEADERS, row, strict=True)))
            used[row[3]] += 1
            yield row

    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("行政权力事项")
        sheet.append(HEADERS)
        for row in checked(rows):
            sheet.append(row)
        workbook.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            writer.writerows(checked(rows))
    if clashes:
        path.unlink()
        raise SystemExit(f"{clashes} generated codes already exist in the catalogue")
    return {
        "file": str(path),
        "rows": args.rows,
        "bytes": path.stat().st_size,
        "seconds": round(time.monotonic() - started, 1),
        "real_items": len(items),
        "real_items_folder": str(folder),
        "real_items_without_department": unknown,
        "laws": len(laws),
        "departments_used": len(used),
        "sample": sample,
    }


def _stock_page(data, user):
    """A PowerPage for `data` (PowerData from the import's reader), in memory, unsaved."""
    from django.utils.text import slugify

    from catalogue.models import LegalBasis, PowerPage
    from catalogue.services import POWER_SCALAR_FIELDS

    page = PowerPage(
        code=data.code, slug=slugify(data.code, allow_unicode=True), live=False, owner=user
    )
    for name in POWER_SCALAR_FIELDS:
        value = getattr(data, name)
        if value is not None:
            setattr(page, name, value)
    page.steps = [("step", step) for step in data.steps or []]
    page.legal_bases = [
        LegalBasis(
            law_id=c.law_id,
            law_title="" if c.law_id else c.law_title,
            articles=c.articles,
            quote=c.quote,
        )
        for c in data.citations or []
    ]
    if data.tags:
        page.tags.add(*data.tags)
    return page


def phase_stock(args) -> dict:
    """Create the first args.stock_size rows of the file the stock way; pages/s, SQL/page."""
    from django.db import connection, transaction

    from catalogue.models import DepartmentPage
    from import_data.spreadsheet import PowerReader

    user = bench_user()
    items = []
    path = Path(args.file)
    with PowerReader(path, path.name) as reader:
        for result in reader:
            if result.data is not None:
                items.append(result.data)
            if len(items) >= args.stock_size:
                break
    departments = {d.code: d for d in DepartmentPage.objects.all()}
    counter = StatementCounter()
    chunks = []
    with connection.execute_wrapper(counter):
        started = chunk_started = time.perf_counter()
        for number, data in enumerate(items, start=1):
            with transaction.atomic():
                page = _stock_page(data, user)
                # Page.save() logs wagtail.create for a new page (user: its owner)
                departments[data.department_code].add_child(instance=page)
                revision = page.save_revision(user=user, log_action=True)
                revision.publish(user=user)
            if number % STOCK_CHUNK == 0 or number == len(items):
                now = time.perf_counter()
                size = (number - 1) % STOCK_CHUNK + 1
                chunks.append(round(size / (now - chunk_started), 2))
                chunk_started = now
                if number % (5 * STOCK_CHUNK) == 0:
                    print(
                        f"  stock: {number:,} pages, {number / (now - started):.1f} pages/s",
                        flush=True,
                    )
        seconds = time.perf_counter() - started
    return {
        "pages": len(items),
        "seconds": round(seconds, 2),
        "pages_per_s": round(len(items) / seconds, 2),
        "chunk_pages_per_s": chunks,
        "median_chunk_pages_per_s": statistics.median(chunks) if chunks else None,
        "sql_statements": counter.count,
        "sql_per_page": round(counter.count / max(1, len(items)), 1),
        "sql_per_page_by_kind": {
            k: round(v / max(1, len(items)), 2) for k, v in counter.kinds.most_common(25)
        },
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def phase_verify(args) -> dict:
    """Check every power created after page id args.since; the totals."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Count
    from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision
    from wagtail.search.models import IndexEntry

    from catalogue.models import LegalBasis, PowerPage, PowerPageTag
    from review.models import PowerPublication
    from search.engine import search_hall
    from search.models import DocumentKind, SearchDocument

    since = args.since
    power_type = ContentType.objects.get_for_model(PowerPage)
    page_type = ContentType.objects.get_for_model(Page)
    rows = list(
        PowerPage.objects.filter(pk__gt=since)
        .order_by("pk")
        .values_list(
            "pk",
            "code",
            "live",
            "has_unpublished_changes",
            "latest_revision_id",
            "live_revision_id",
            "status",
        )
    )
    ids = {row[0] for row in rows}

    def per_page(pairs):
        counts: Counter = Counter()
        for page_id, n in pairs:
            if int(page_id) in ids:
                counts[int(page_id)] += n
        return counts

    revisions = per_page(
        Revision.objects.filter(content_type=power_type)
        .values("object_id")
        .annotate(n=Count("id"))
        .values_list("object_id", "n")
    )
    logs = defaultdict(Counter)
    for page_id, action, n in (
        PageLogEntry.objects.filter(page_id__gt=since)
        .values("page_id", "action")
        .annotate(n=Count("id"))
        .values_list("page_id", "action", "n")
    ):
        logs[page_id][action] += n
    bases = {
        power: (n, linked)
        for power, n, linked in LegalBasis.objects.filter(power_id__gt=since)
        .values("power_id")
        .annotate(n=Count("id"), linked=Count("law_id"))
        .values_list("power_id", "n", "linked")
    }
    tags = per_page(
        PowerPageTag.objects.filter(content_object_id__gt=since)
        .values("content_object_id")
        .annotate(n=Count("id"))
        .values_list("content_object_id", "n")
    )
    publications = per_page(
        PowerPublication.objects.filter(power_id__gt=since)
        .values("power_id")
        .annotate(n=Count("id"))
        .values_list("power_id", "n")
    )
    documents = per_page(
        (object_id, 1)
        for object_id in SearchDocument.objects.filter(
            kind=DocumentKind.POWER, object_id__gt=since
        ).values_list("object_id", flat=True)
    )
    entries = per_page(
        (object_id, 1)
        for object_id in IndexEntry.objects.filter(content_type=power_type).values_list(
            "object_id", flat=True
        )
    )
    references = per_page(
        (object_id, 1)
        for object_id in ReferenceIndex.objects.filter(base_content_type=page_type).values_list(
            "object_id", flat=True
        )
    )
    steps = {
        pk: len(value)
        for pk, value in PowerPage.objects.filter(pk__gt=since).values_list("pk", "steps")
    }
    checks = {
        "live, no unpublished changes": sum(1 for r in rows if r[2] and not r[3]),
        "one revision, the live one": sum(
            1 for r in rows if revisions[r[0]] == 1 and r[4] and r[4] == r[5]
        ),
        "log create+edit+publish": sum(
            1
            for r in rows
            if all(
                logs[r[0]][a] == 1 for a in ("wagtail.create", "wagtail.edit", "wagtail.publish")
            )
        ),
        "2 legal bases, linked to laws": sum(1 for r in rows if bases.get(r[0]) == (2, 2)),
        "4 steps": sum(1 for r in rows if steps.get(r[0]) == 4),
        "tags": sum(1 for r in rows if tags[r[0]] >= 2),
        "publication record": sum(1 for r in rows if publications[r[0]] == 1),
        "hall search document": sum(1 for r in rows if documents[r[0]] == 1),
        "wagtail index entry": sum(1 for r in rows if entries[r[0]] >= 1),
        "reference index": sum(1 for r in rows if references[r[0]] >= 1),
    }
    other_actions = Counter(a for counts in logs.values() for a in counts)
    rng = random.Random(1)
    sampled = rng.sample(rows, k=min(5, len(rows)))
    found = 0
    for row in sampled:
        hits = search_hall(row[1], {}).hits[:10]
        found += any(hit.document.code == row[1] for hit in hits)
    return {
        "since_page_id": since,
        "new_powers": len(rows),
        "expected": args.expect,
        "marked_codes": sum(1 for r in rows if "X" in r[1].split("-")[0]),
        "checks": checks,
        "log_actions": dict(other_actions),
        "search_by_code_found": f"{found}/{len(sampled)}",
        "totals": snapshot(),
    }


def phase_profile(args) -> dict:
    """import_apply in this process under cProfile, with its SQL statements counted: the file
    once (new powers), then again (unchanged)."""
    import cProfile
    import io
    import pstats

    from django.db import connection

    from import_data.services import import_apply

    user = bench_user()
    path = Path(args.file)
    texts, figures = [], {}
    for label in ("import", "re-import"):
        counter = StatementCounter()
        profiler = cProfile.Profile()
        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            profiler.enable()
            result = import_apply(path, path.name, user=user, publish=True)
            profiler.disable()
        seconds = time.perf_counter() - started
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        texts.append(
            f"=== {label}: import_apply({path.name}, publish=True): {result.summary()}; "
            f"{seconds:.1f} s under cProfile; {counter.count} SQL statements\n{text.getvalue()}"
        )
        figures[label] = {
            "rows": result.report.rows,
            "summary": result.summary(),
            "seconds_under_profiler": round(seconds, 1),
            "sql_statements": counter.count,
            "sql_per_row": round(counter.count / max(1, result.report.rows), 2),
            "sql_by_kind": dict(counter.kinds.most_common(15)),
        }
    output = RESULTS / "import-profile-latest.txt"
    output.write_text("\n\n".join(texts))
    return {**figures, "output": str(output.relative_to(REPO))}


PHASES = {
    "prepare": phase_prepare,
    "write": phase_write,
    "stock": phase_stock,
    "verify": phase_verify,
    "profile": phase_profile,
}


# --- Reporting ----------------------------------------------------------------------------


def problems_of(check: dict, label: str) -> list[str]:
    found = []
    expected = check["expected"]
    if check["new_powers"] != expected:
        found.append(f"{label}: {check['new_powers']} new powers, expected {expected}")
    for name, passed in check["checks"].items():
        if passed != expected:
            found.append(f"{label}: {name}: {passed} of {expected} powers")
    return found


def _stages(run: dict) -> str:
    """Start-up, then each stage of the progress bar, then what follows the last one."""
    stages = run["stages"]
    parts, previous = [], 0.0
    start = (stages.get("检查") or {}).get("start_s")
    if start is not None:
        parts.append(f"启动 {start:.1f}")
        previous = start
    for stage, info in stages.items():
        if info["end_s"] is not None:
            parts.append(f"{stage} {info['end_s'] - previous:.1f}")
            previous = info["end_s"]
    rest = "索引+提交+退出" if "写入" in stages else "报告+退出"
    parts.append(f"{rest} {run['wall_s'] - previous:.1f}")
    return " / ".join(parts) + " s"


def print_table(report: dict):
    stock, runs = report["stock"], report["rounds"]
    imp, re_run, dry = report["import"], report["reimport"], report.get("dry_run")
    ratio = report["ratio_median"]
    many = len(runs) > 1

    def per_round(key, side, form="{:.1f}"):
        values = [r[side][key] if side else r[key] for r in runs]
        return ("per round " + ", ".join(form.format(v) for v in values) + "; ") if many else ""

    stock_rate = statistics.median(r["stock"]["pages_per_s"] for r in runs)
    import_rate = statistics.median(r["import"]["pages_per_s"] for r in runs)
    wall = statistics.median(r["import"]["wall_s"] for r in runs)
    rows = [
        (
            f"stock Wagtail, {stock['pages']:,} pages",
            f"{stock_rate:.1f} pages/s",
            "",
            f"{per_round('pages_per_s', 'stock')}{stock['sql_per_page']:.0f} SQL/page; per "
            f"{STOCK_CHUNK} pages: median {stock['median_chunk_pages_per_s']:.1f}, first "
            f"{stock['chunk_pages_per_s'][0]:.1f}, last {stock['chunk_pages_per_s'][-1]:.1f}",
        ),
        (
            f"import, {report['size']:,} rows --publish",
            f"{import_rate:.1f} pages/s",
            "",
            f"{per_round('pages_per_s', 'import')}the command's own 用时 {imp['own_s']} s; "
            f"CPU {imp['cpu_s']} s",
        ),
        (
            "ratio import / stock",
            f"{ratio:.1f}×",
            f"{mark(ratio >= GOALS['ratio'])} ≥ {GOALS['ratio']:.0f}",
            per_round("ratio", None).rstrip("; "),
        ),
        (
            "import wall time",
            f"{wall:.1f} s",
            f"{mark(wall <= GOALS['import_s'])} ≤ {GOALS['import_s']:.0f} s",
            f"{per_round('wall_s', 'import')}last: {_stages(imp)}",
        ),
        (
            "import peak RSS",
            f"{imp['max_rss_mb']:.0f} MB",
            f"{mark(imp['max_rss_mb'] <= GOALS['rss_mb'])} ≤ {GOALS['rss_mb']:.0f} MB",
            "",
        ),
        (
            "re-import, unchanged",
            f"{re_run['wall_s']:.1f} s",
            f"{mark(re_run['wall_s'] <= GOALS['reimport_s'])} ≤ {GOALS['reimport_s']:.0f} s",
            f"未变 {re_run['unchanged']}; {_stages(re_run)}; RSS {re_run['max_rss_mb']:.0f} MB",
        ),
    ]
    if dry:
        rows.append(
            (
                f"dry run, {report['big_size']:,} rows CSV",
                f"{dry['max_rss_mb']:.0f} MB",
                f"{mark(dry['max_rss_mb'] <= GOALS['rss_mb'])} ≤ {GOALS['rss_mb']:.0f} MB",
                f"{dry['wall_s']:.1f} s ({report['big_size'] / dry['wall_s']:,.0f} rows/s), "
                f"{report['big_file']['bytes'] / 2**20:.0f} MB file; {_stages(dry)}",
            )
        )
    print()
    head = f"{'measure':<34} {'value':>16}  {'goal':<12} notes"
    print(head)
    print("-" * 110)
    for label, value, goal, note in rows:
        print(f"{label:<34} {value:>16}  {goal:<12} {note}")


def parse_args():
    parser = parser_for(__doc__)
    parser.add_argument("--size", type=int, default=10_000, help="rows of the import file")
    parser.add_argument("--stock-size", type=int, default=1_000, help="pages made the stock way")
    parser.add_argument(
        "--big-size",
        type=int,
        default=100_000,
        help="rows of the dry-run CSV (0: skip the dry run)",
    )
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--rebuild", action="store_true", help="reload the base database")
    parser.add_argument("--rounds", type=int, default=1, help="stock + import pairs to measure")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="ROWS",
        help="also profile import_apply in-process on ROWS rows",
    )
    add_output_option(parser, "import-latest.json")
    # Used by the child processes.
    add_phase_options(parser, PHASES)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--since", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, help=argparse.SUPPRESS)
    return parser.parse_args()


def phase(name: str, db: Path, media: str, **options) -> dict:
    """Run a phase of this script in a child process on `db`."""
    return run_phase(__spec__.name, name, bench_env(db, media=media), **options)


def measure_round(number, base, media, work, import_file, args) -> dict:
    """Stock baseline and import, each on a fresh copy of the base database."""
    stock_db, import_db = (work.with_name(f"{work.name}-{kind}.db") for kind in ("stock", "import"))
    for db in (stock_db, import_db):
        copy_sqlite(base, db)
    before_stock = phase("prepare", stock_db, media)
    before_import = phase("prepare", import_db, media)

    def stock():
        print(f"round {number}: stock Wagtail, {args.stock_size:,} pages…", flush=True)
        result = phase("stock", stock_db, media, file=import_file, stock_size=args.stock_size)
        print(
            f"  {result['pages_per_s']:.1f} pages/s, {result['sql_per_page']:.0f} SQL/page",
            flush=True,
        )
        return result

    def imported():
        print(f"round {number}: import_powers, {args.size:,} rows --publish…", flush=True)
        arguments = ["import_powers", str(import_file), "--publish", "--user", USERNAME]
        result = run_command(f"import-round{number}", arguments, bench_env(import_db, media=media))
        result["pages_per_s"] = round((result["created"] or 0) / result["wall_s"], 1)
        print(
            f"  {result['wall_s']:.1f} s, {result['pages_per_s']:.1f} pages/s, "
            f"peak RSS {result['max_rss_mb']:.0f} MB — {result['summary']}",
            flush=True,
        )
        return result

    if number % 2:
        stock_result, import_result = stock(), imported()
    else:
        import_result, stock_result = imported(), stock()
    return {
        "round": number,
        "stock": stock_result,
        "import": import_result,
        "ratio": import_result["pages_per_s"] / stock_result["pages_per_s"],
        "stock_db": stock_db,
        "import_db": import_db,
        "before_stock": before_stock,
        "before_import": before_import,
    }


def main():
    args = parse_args()
    if args.phase:
        return run_child_phase(args, PHASES)

    started, report_head = time.monotonic(), header()
    # The base database is bench.pages' (the demo catalogue); every measurement uses a copy.
    base_db = sqlite_database(rebuild=args.rebuild)
    base, base_env = base_db.path, bench_env(base_db.path)
    built = prepare_sqlite(base_db, base_env)
    media = base_env["DJANGO_MEDIA_ROOT"]
    work = temporary(f"disclosure-bench-import-{fixtures_fingerprint()}")
    files = temporary("disclosure-bench-import-files")
    import_file = files / f"powers-{args.size}.{args.format}"
    big_file = files / f"powers-big-{args.big_size}.csv"
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; base database {base}")

    # The files are written from the first copy (departments, laws and codes of the catalogue).
    write_db = work.with_name(f"{work.name}-import.db")
    copy_sqlite(base, write_db)
    phase("prepare", write_db, media)
    print(f"writing {import_file} ({args.size:,} rows)…", flush=True)
    written = phase("write", write_db, media, file=import_file, rows=args.size)
    print(
        f"  {written['bytes'] / 2**20:.1f} MB in {written['seconds']:.0f} s; "
        f"{written['real_items']:,} real items, {written['laws']} laws, "
        f"{written['departments_used']} departments",
        flush=True,
    )
    big = None
    if args.big_size:
        print(f"writing {big_file} ({args.big_size:,} rows)…", flush=True)
        big = phase("write", write_db, media, file=big_file, rows=args.big_size, start=BIG_START)
        print(f"  {big['bytes'] / 2**20:.1f} MB in {big['seconds']:.0f} s", flush=True)

    rounds = [
        measure_round(n, base, media, work, import_file, args) for n in range(1, args.rounds + 1)
    ]
    last = rounds[-1]
    stock_db, import_db = last["stock_db"], last["import_db"]
    import_env = bench_env(import_db, media=media)

    print("checking what the import and the stock path wrote…", flush=True)
    since = last["before_import"]["max_page_id"]
    checked = phase("verify", import_db, media, since=since, expect=args.size)
    since_stock = last["before_stock"]["max_page_id"]
    stock_checked = phase("verify", stock_db, media, since=since_stock, expect=args.stock_size)
    warnings = problems_of(checked, "import") + problems_of(stock_checked, "stock")
    imp = last["import"]
    if imp["returncode"] != 0 or imp["created"] != args.size:
        warnings.append(f"import: exit {imp['returncode']}, created {imp['created']}")

    print("re-import of the same file (unchanged)…", flush=True)
    arguments = ["import_powers", str(import_file), "--publish", "--user", USERNAME]
    reimport = run_command("reimport", arguments, import_env)
    print(f"  {reimport['wall_s']:.1f} s — {reimport['summary']}", flush=True)
    after = phase("verify", import_db, media, since=since, expect=args.size)
    added = {k: after["totals"][k] - checked["totals"][k] for k in checked["totals"]}
    if any(added.values()):
        warnings.append(f"re-import wrote: {', '.join(f'{k} +{v}' for k, v in added.items() if v)}")
    if reimport["returncode"] != 0 or reimport["unchanged"] != args.size:
        warnings.append(f"re-import: exit {reimport['returncode']}, {reimport['summary']}")

    dry = None
    if big:
        print(f"dry run of {big_file.name} ({args.big_size:,} rows)…", flush=True)
        dry = run_command("dry-run-big", ["import_powers", str(big_file), "--dry-run"], import_env)
        print(
            f"  {dry['wall_s']:.1f} s, peak RSS {dry['max_rss_mb']:.0f} MB — {dry['summary']}",
            flush=True,
        )
        if dry["returncode"] != 0 or dry["created"] != args.big_size:
            warnings.append(f"dry run: exit {dry['returncode']}, {dry['summary']}")

    profile = None
    if args.profile:
        profile_db = work.with_name(f"{work.name}-profile.db")
        copy_sqlite(base, profile_db)
        phase("prepare", profile_db, media)
        small = files / f"powers-{args.profile}.{args.format}"
        phase("write", profile_db, media, file=small, rows=args.profile)
        print(f"profiling import_apply on {args.profile:,} rows in-process…", flush=True)
        profile = phase("profile", profile_db, media, file=small)
        for label in ("import", "re-import"):
            figures = profile[label]
            print(
                f"  {label}: {figures['seconds_under_profiler']} s under cProfile, "
                f"{figures['sql_per_row']} SQL/row — {figures['summary']}",
                flush=True,
            )
        print(f"  see {profile['output']}", flush=True)

    for command in [r["import"] for r in rounds] + [reimport] + ([dry] if dry else []):
        if command["messages"]:
            warnings.append(
                f"{command['log']}: {command['messages']} messages, first: "
                + " | ".join(command["first_messages"][:3])
            )

    elapsed = time.monotonic() - started
    ratios = [r["ratio"] for r in rounds]
    report = report_head | {
        "goals": GOALS,
        "size": args.size,
        "stock_size": args.stock_size,
        "big_size": args.big_size,
        "format": args.format,
        "base_database": str(base),
        "databases": {"stock": str(stock_db), "import": str(import_db)},
        "file": written,
        "big_file": big,
        "ratio_median": statistics.median(ratios),
        "rounds": [{k: v for k, v in r.items() if not k.endswith("_db")} for r in rounds],
        "stock": last["stock"],
        "import": imp,
        "import_check": checked,
        "stock_check": stock_checked,
        "reimport": reimport,
        "reimport_added": added,
        "dry_run": dry,
        "profile": profile,
        "warnings": warnings,
        "elapsed_s": round(elapsed, 1),
        "base_database_built": built,
    }
    print_table(report)
    top = list(last["stock"]["sql_per_page_by_kind"].items())[:8]
    print(f"\nstock SQL per page, most frequent: {', '.join(f'{k} {v:g}' for k, v in top)}")
    print(
        f"checks of the {checked['new_powers']:,} imported powers (stock: "
        f"{stock_checked['new_powers']:,}):"
    )
    for name, passed in checked["checks"].items():
        stock_passed = stock_checked["checks"][name]
        print(
            f"  {mark(passed == args.size)} {name:<32} {passed:>6,} / {args.size:,}"
            f"   stock {stock_passed:,} / {args.stock_size:,}"
        )
    print(
        f"  hall search by code finds {checked['search_by_code_found']} sampled imported "
        f"powers; re-import added {sum(added.values())} rows "
        f"({', '.join(f'{k} {v:+}' for k, v in added.items())})"
    )
    print(
        f"\nratio: import pages/s (whole command, start-up included) ÷ stock pages/s, measured "
        f"in this run on copies of the same database; quote the ratio, not the pages/s. "
        f"Took {elapsed:.0f} s (base database {built.get('total_s', 0):.0f} s)."
    )
    for warning in warnings:
        print(f"WARNING {warning}")
    write_report(report, args.output, "import-latest.json")
    return 1 if warnings else 0


if __name__ == "__main__":
    run(main)
