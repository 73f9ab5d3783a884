"""Writes of the life-event topics: the index page under the hall, and a topic from plain data
(the demo loader; the admin edits topics through Wagtail's own views and TopicPageForm).

Topics are editorial: a change is a new revision by the user, published at once (no legal review:
the powers they link to are reviewed on their own)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction

from catalogue.models import PowerPage

from .models import TopicIndexPage, TopicItem, TopicPage
from .rules import parse_keywords, topic_item_errors

INDEX_TITLE = "高效办成一件事"
INDEX_SLUG = "topics"
INDEX_INTRO = (
    "把一件事涉及的多个事项集中在一起：选择您要办的事，按顺序查看需要办理的事项、办理部门和"
    "注意事项。"
)


class TopicError(Exception):
    """A topic that cannot be written as given (Chinese message)."""


@dataclass
class TopicItemData:
    code: str  # the power's 事项编码: what the item is
    note: str = ""
    name: str = ""  # the power's name, for the reader of a data file (the code decides)


@dataclass
class TopicData:
    title: str
    slug: str
    audience: str
    summary: str
    keywords: list[str] | str = ""
    items: list[TopicItemData] = field(default_factory=list)

    @classmethod
    def from_dict(cls, entry: dict) -> TopicData:
        values = dict(entry)
        values["items"] = [TopicItemData(**item) for item in values.get("items", [])]
        return cls(**values)


@dataclass
class TopicWriteResult:
    page: TopicPage | None
    outcome: str  # "created", "changed", "unchanged" or "skipped" (none of its powers exist)
    missing: list[str] = field(default_factory=list)  # codes of powers not in the catalogue


@transaction.atomic
def topic_index_ensure(*, hall, title=INDEX_TITLE, slug=INDEX_SLUG) -> TopicIndexPage:
    """The one index of the topics, under the hall (/topics/), published; idempotent. Content
    administrators get their rights on it when it is saved (topics.receivers)."""
    index = TopicIndexPage.objects.first()
    if index is None:
        index = TopicIndexPage(title=title, slug=slug, intro=INDEX_INTRO)
        hall.add_child(instance=index)
        index.save_revision().publish()
    return index


@transaction.atomic
def topic_upsert(*, data: TopicData, user=None) -> TopicWriteResult:
    """Create or change the topic with `data.slug` under the index, published at once; nothing is
    written when the latest revision already says the same. Items whose power code is not in the
    catalogue are left out and reported; a topic none of whose powers exist is not written."""
    index = TopicIndexPage.objects.first()
    if index is None:
        raise TopicError("“高效办成一件事”栏目尚未建立：请先运行 manage.py setup_demo 或建立站点。")
    if user is not None and not index.permissions_for_user(user).can_publish_subpage():
        raise PermissionDenied("只有内容管理员和站点管理员可以编辑“一件事”主题。")

    codes = [item.code for item in data.items]
    found = PowerPage.objects.filter(code__in=codes).only("id", "code", "title")
    powers = {power.code: power for power in found}
    missing = [code for code in codes if code not in powers]
    wanted = [(powers[item.code], item.note.strip()) for item in data.items if item.code in powers]
    if not wanted:
        return TopicWriteResult(page=None, outcome="skipped", missing=missing)
    errors = topic_item_errors([power for power, _note in wanted])
    if errors:
        raise TopicError(f"主题“{data.title}”：{next(iter(errors.values()))}")

    keywords = data.keywords if isinstance(data.keywords, str) else "、".join(data.keywords)
    values = {
        "title": data.title,
        "audience": data.audience,
        "summary": data.summary,
        "keywords": "、".join(parse_keywords(keywords)),
    }
    items = [(power.pk, note) for power, note in wanted]
    existing = TopicPage.objects.child_of(index).filter(slug=data.slug).first()
    if existing is None:
        page = TopicPage(slug=data.slug, owner=user, **values)
        page.items = _items(items)
        index.add_child(instance=page)
        page.save_revision(user=user, log_action=True).publish(user=user)
        return TopicWriteResult(page=page, outcome="created", missing=missing)

    draft = existing.get_latest_revision_as_object()
    stored = [(item.power_id, item.note) for item in _ordered(draft.items.all())]
    if stored == items and all(getattr(draft, name) == value for name, value in values.items()):
        return TopicWriteResult(page=existing, outcome="unchanged", missing=missing)
    for name, value in values.items():
        setattr(draft, name, value)
    draft.items = _items(items)
    draft.save_revision(user=user, log_action=True).publish(user=user)
    return TopicWriteResult(page=draft, outcome="changed", missing=missing)


def _items(items):
    return [
        TopicItem(power_id=power_id, note=note, sort_order=number)
        for number, (power_id, note) in enumerate(items)
    ]


def _ordered(items):
    return sorted(items, key=lambda item: (item.sort_order is None, item.sort_order))
