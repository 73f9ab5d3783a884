"""Reads of the life-event topics for the hall (and for search). Only live, public topics, and in
them only live, public powers: a power that is unpublished or private is simply left out."""

from dataclasses import dataclass

from django.db.models import Count, Q

from catalogue.selectors import POWER_LIST_FIELDS, live_powers, public, with_departments

from .models import TopicItem, TopicPage

# The columns a list of topics needs (title, link, who it is for, its words for search).
TOPIC_LIST_FIELDS = ("id", "path", "depth", "title", "url_path", "audience", "summary", "keywords")


def live_topics():
    """The live, public topics in the editors' order (the page tree's)."""
    return public(TopicPage.objects.live()).order_by("path")


@dataclass
class TopicSummary:
    """A topic as lists show it: the page (TOPIC_LIST_FIELDS loaded) and how many of its items
    a citizen sees."""

    topic: TopicPage
    item_count: int


def topic_summaries(*, index=None) -> list[TopicSummary]:
    """The live, public topics (under `index` when given) with the number of their items that
    are live, public powers; topics with none are left out. One query (and Wagtail's two reads of
    the view restrictions), however many topics."""
    topics = live_topics()
    if index is not None:
        topics = topics.child_of(index)
    shown = Q(items__power__in=live_powers().values("pk"))
    topics = topics.only(*TOPIC_LIST_FIELDS).annotate(item_count=Count("items", filter=shown))
    return [
        TopicSummary(topic=topic, item_count=topic.item_count)
        for topic in topics
        if topic.item_count
    ]


@dataclass
class TopicEntry:
    """One numbered item of a topic page: the power (POWER_LIST_FIELDS loaded), its department
    (or None) and the editor's note."""

    number: int
    power: object
    department: object
    note: str


def topic_entries(topic) -> list[TopicEntry]:
    """The topic's items in order, those whose power is live and public, numbered as shown.
    Reads the topic's own items (so a preview shows the items being edited): three queries and
    Wagtail's read of the view restrictions, however many items."""
    items = sorted(topic.items.all(), key=lambda item: (item.sort_order is None, item.sort_order))
    wanted = [item.power_id for item in items if item.power_id]
    powers = live_powers().filter(pk__in=wanted).only(*POWER_LIST_FIELDS)
    found = {power.pk: (power, department) for power, department in with_departments(powers)}
    entries = []
    for item in items:
        if item.power_id in found:
            power, department = found[item.power_id]
            entries.append(TopicEntry(len(entries) + 1, power, department, item.note))
    return entries


def topic_powers(topics) -> dict[int, list]:
    """{topic id: [its live, public powers in order]} for many topics in two queries (and the
    view restrictions): what search needs to show a topic's items beside it."""
    topic_ids = [getattr(topic, "pk", topic) for topic in topics]
    items = list(
        TopicItem.objects.filter(
            topic_id__in=topic_ids, power__in=live_powers().values("pk")
        ).order_by("topic_id", "sort_order")
    )
    powers = live_powers().filter(pk__in={item.power_id for item in items})
    by_id = {power.pk: power for power in powers.only(*POWER_LIST_FIELDS)}
    result = {topic_id: [] for topic_id in topic_ids}
    for item in items:
        if item.power_id in by_id:
            result[item.topic_id].append(by_id[item.power_id])
    return result
