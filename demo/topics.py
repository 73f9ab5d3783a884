"""The demo's life-event topics (高效办成一件事): the events of the national programme that the
real service items of disclosure/fixtures/ support, each with its items in the order a person
does them, from disclosure/fixtures/topics.json (codes of the provincial list and of
demo_powers.json). Loaded by `manage.py load_demo` after the catalogue; idempotent."""

import json
from pathlib import Path

from topics.services import TopicData, topic_upsert

from .catalogue import FIXTURES, DemoReport


def demo_topics_load(*, fixtures: Path = FIXTURES, user=None) -> DemoReport:
    report = DemoReport()
    path = fixtures / "topics.json"
    if not path.exists():
        return report
    outcomes = {"created": 0, "changed": 0, "unchanged": 0, "skipped": 0}
    for entry in json.loads(path.read_text(encoding="utf-8")):
        data = TopicData.from_dict(entry)
        result = topic_upsert(data=data, user=user)
        outcomes[result.outcome] += 1
        if result.outcome == "skipped":
            report.add(f"“{data.title}”的事项都不在职权目录中，未建立该主题。")
        elif result.missing:
            report.add(
                f"“{data.title}”跳过职权目录中没有的 {len(result.missing)} 个事项："
                + "、".join(result.missing)
            )
    report.add(
        "一件事主题：新增 {created}，更新 {changed}，未变 {unchanged}，跳过 {skipped}".format(
            **outcomes
        )
    )
    return report
