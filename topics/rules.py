"""The rules of a topic that hold on every path (the admin form, the service): its keywords' form
and its items without repeats. No models here, so the form and the models both import it."""

import re

# What separates a topic's keywords: commas and 顿号 (full or half width), semicolons, spaces.
KEYWORD_SEPARATORS = re.compile(r"[,，、;；\s]+")
MAX_KEYWORD_LENGTH = 30


def parse_keywords(text: str) -> list[str]:
    """The keywords of a topic as a list: split on commas, 顿号, semicolons and spaces, empty
    and repeated ones left out, in the order they were written."""
    seen = []
    for word in KEYWORD_SEPARATORS.split(text or ""):
        if word and word not in seen:
            seen.append(word)
    return seen


def topic_item_errors(powers) -> dict[int, str]:
    """The rules of a topic's items, beyond their fields' own: {position: Chinese message} for
    each item that repeats an earlier one (None for an item without a power is skipped). The admin
    form (forms.TopicPageForm) and the service (services.topic_upsert) both ask it."""
    errors, first = {}, {}
    for position, power in enumerate(powers):
        if power is None:
            continue
        key = getattr(power, "pk", power)
        if key in first:
            errors[position] = (
                f"“{getattr(power, 'title', key)}”已是本主题的第 {first[key] + 1} 项，"
                "同一事项在一个主题中只列一次；请删除重复的一项或改选其他事项。"
            )
        else:
            first[key] = position
    return errors


NOT_A_POWER = (
    "这里只能选择行政权力事项（职权目录中某个部门下的事项），不能选择部门、栏目或其他页面。"
)
