"""`make run` seeds the life-event topics that the real service items support, each item a real
power of the provincial list (or of the filled demo powers), in the order a person does them."""

import csv
import json

import pytest
from wagtail.models import Revision

from demo.catalogue import FIXTURES, demo_catalogue_load
from demo.topics import demo_topics_load
from topics.models import TopicItem
from topics.selectors import topic_entries, topic_summaries

pytestmark = pytest.mark.django_db

SEED = json.loads((FIXTURES / "topics.json").read_text(encoding="utf-8"))


def _real_items() -> dict[str, str]:
    """{code: name} of every power the demo loads."""
    path = FIXTURES / "service-items" / "guangan-service-items.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        items = {row["item_code"]: row["name"] for row in csv.DictReader(handle)}
    demo = json.loads((FIXTURES / "demo_powers.json").read_text(encoding="utf-8"))
    items.update({entry["code"]: entry["title"] for entry in demo})
    return items


def test_every_seeded_topic_names_real_items_each_once():
    real = _real_items()
    assert len(SEED) >= 8
    assert len({topic["slug"] for topic in SEED}) == len(SEED)
    for topic in SEED:
        codes = [item["code"] for item in topic["items"]]
        assert len(codes) >= 2, topic["title"]  # an event the real list supports
        assert len(set(codes)) == len(codes), topic["title"]
        for item in topic["items"]:
            # the name beside each code is the one the list gives it (the file is read by people)
            assert real.get(item["code"]) == item["name"], (topic["title"], item)
        assert topic["audience"] and topic["summary"] and len(topic["keywords"]) >= 3


def test_the_demo_creates_the_topics_with_all_their_items_and_loading_again_changes_nothing(
    client,
):
    demo_catalogue_load()  # all 1,135 items, as `make run` loads them
    report = demo_topics_load()
    assert f"一件事主题：新增 {len(SEED)}，更新 0，未变 0，跳过 0" in report.lines
    assert not [line for line in report.lines if "跳过职权目录中没有的" in line]

    summaries = {summary.topic.slug: summary for summary in topic_summaries()}
    assert set(summaries) == {topic["slug"] for topic in SEED}
    for topic in SEED:
        entries = topic_entries(summaries[topic["slug"]].topic)
        assert [entry.power.code for entry in entries] == [i["code"] for i in topic["items"]]
        assert [entry.note for entry in entries] == [i["note"] for i in topic["items"]]
        assert all(entry.department is not None for entry in entries)

    listing = client.get("/topics/").content.decode()
    assert all(topic["title"] in listing for topic in SEED)
    assert "新生儿出生一件事" in client.get("/").content.decode()

    revisions = Revision.objects.count()
    again = demo_topics_load()
    assert f"一件事主题：新增 0，更新 0，未变 {len(SEED)}，跳过 0" in again.lines
    assert Revision.objects.count() == revisions


def test_the_loader_skips_codes_the_catalogue_does_not_have_and_says_so():
    demo_catalogue_load(items_limit=0)  # the filled demo powers only
    report = demo_topics_load()
    newborn = next(topic for topic in SEED if topic["slug"] == "newborn")
    line = next(line for line in report.lines if line.startswith("“新生儿出生一件事”跳过"))
    assert f"{len(newborn['items']) - 1} 个事项" in line  # only 出生医学证明 is a demo power
    assert "“水电气联合报装一件事”的事项都不在职权目录中，未建立该主题。" in report.lines
    item = TopicItem.objects.get(topic__slug="newborn")
    assert item.power.code == newborn["items"][0]["code"]
