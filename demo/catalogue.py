"""The demo catalogue: real laws, departments and service items from disclosure/fixtures/.

Loaded by `manage.py load_demo` (part of `make setup`); every step is idempotent, so running it
again keeps existing data and writes nothing new.
"""

import csv
import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.images import ImageFile
from wagtail.images import get_image_model
from wagtail.utils.file import hash_filelike

from catalogue.services import CitationData, PowerData, department_upsert, powers_bulk_upsert
from home.services import site_structure_ensure
from laws.services import law_library_load
from review.models import AdjustmentRequirement
from search.services import synonyms_load

FIXTURES = Path(settings.BASE_DIR) / "disclosure" / "fixtures"


@dataclass
class DemoReport:
    lines: list[str] = field(default_factory=list)

    def add(self, line):
        self.lines.append(line)


def demo_catalogue_load(*, fixtures: Path = FIXTURES, user=None, items_limit=None) -> DemoReport:
    report = DemoReport()
    site_structure_ensure()
    laws = law_library_load(root=fixtures / "laws")
    report.add(
        f"法律法规：新增 {len(laws.created)}，更新 {len(laws.updated)}，未变 {len(laws.unchanged)}"
    )
    for law in laws.no_longer_in_force:  # the review opened the requirements (review.receivers)
        opened = AdjustmentRequirement.objects.open().filter(law=law).count()
        report.add(f"{law} 已被新版本替代：向 {opened} 个事项发起调整要求。")

    departments = json.loads((fixtures / "departments.json").read_text(encoding="utf-8"))
    outcomes = {"created": 0, "changed": 0, "unchanged": 0}
    code_by_name = {}
    for entry in departments:
        values = {
            key: entry[key]
            for key in (
                "title",
                "short_name",
                "address",
                "office_hours",
                "consultation_phone",
                "complaint_phone",
                "description",
            )
            if key in entry
        }
        _page, outcome = department_upsert(code=entry["code"], values=values, user=user)
        outcomes[outcome] += 1
        code_by_name[entry["short_name"]] = entry["code"]
    report.add("部门：新增 {created}，更新 {changed}，未变 {unchanged}".format(**outcomes))

    synonyms = fixtures / "synonyms.txt"
    if synonyms.exists():
        report.add(f"搜索同义词：新增 {len(synonyms_load(synonyms))} 组")

    items = list(_service_items(fixtures, code_by_name))
    if items_limit is not None:
        items = items[:items_limit]
    bulk = powers_bulk_upsert(items, user=user, publish=True)
    report.add(f"政务服务事项：新增 {bulk.created}，更新 {bulk.changed}，未变 {bulk.unchanged}")

    demo_file = fixtures / "demo_powers.json"
    if demo_file.exists():
        detailed = [
            _detailed_power(entry, fixtures, user)
            for entry in json.loads(demo_file.read_text(encoding="utf-8"))
        ]
        bulk = powers_bulk_upsert(detailed, user=user, publish=True)
        report.add(f"完整示例事项：新增 {bulk.created}，更新 {bulk.changed}，未变 {bulk.unchanged}")
        report.lines.extend(bulk.warnings)
    return report


def _service_items(fixtures: Path, code_by_name: dict):
    path = fixtures / "service-items" / "guangan-service-items.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield PowerData(
                code=row["item_code"],
                department_code=code_by_name[row["department"]],
                title=row["name"],
                power_type=row["task_type"],
                item_group="" if row["group"] == "未分类" else row["group"],
            )


def _detailed_power(entry: dict, fixtures: Path, user) -> PowerData:
    entry = dict(entry)
    entry.setdefault("online_depth", online_depth_of(entry.get("service_mode", "")))
    citations = [CitationData(**citation) for citation in entry.pop("citations", [])]
    flowchart = entry.pop("flowchart", None)
    if "effective_date" in entry and entry["effective_date"]:
        entry["effective_date"] = datetime.date.fromisoformat(entry["effective_date"])
    data = PowerData(**entry, citations=citations)
    if flowchart:
        data.flowchart_id = image_from_file(
            fixtures / "flowcharts" / flowchart, title=f"{data.title}流程图", user=user
        ).pk
    return data


def online_depth_of(service_mode: str) -> int | None:
    """网上办理深度 of a demo power from its 办理形式: 四级 (全程网办) when it says 全程电子化,
    三级 (online application, materials checked online) when it names 网上办理 or 网上申报, the
    default (一级, information only) otherwise. Online application needs three or four."""
    if "网上办理" not in service_mode and "网上申报" not in service_mode:
        return None
    return 4 if "全程" in service_mode else 3


def image_from_file(path: Path, *, title: str, user=None):
    """The library image for a file, added once: Wagtail's own file hash identifies it."""
    Image = get_image_model()
    with path.open("rb") as handle:
        digest = hash_filelike(handle)
    existing = Image.objects.filter(file_hash=digest).first()
    if existing:
        return existing
    with path.open("rb") as handle:
        image = Image(title=title[:255], uploaded_by_user=user)
        image.file = ImageFile(handle, name=path.name)
        image._set_image_file_metadata()
        image.save()
    return image
