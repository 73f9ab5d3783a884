"""The public 调整公告: recent approved adjustments across the catalogue, and their feeds."""

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from common.text import clean_public_text

from .selectors import recent_adjustments, with_powers

PAGE_SIZE = 30
FEED_SIZE = 50


def adjustments(request):
    include_creations = clean_public_text(request.GET.get("all", ""), 1) == "1"
    paginator = Paginator(recent_adjustments(include_creations=include_creations), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "review/adjustments.html",
        {"page_obj": page, "rows": with_powers(page.object_list),
         "include_creations": include_creations},
    )  # fmt: skip


class AdjustmentsFeed(Feed):
    title = "行政权力调整公告"
    description = "经区政府法制办审核通过的行政权力事项调整，按批准时间倒序。"

    def link(self):
        return reverse("adjustments")

    def items(self):
        return with_powers(recent_adjustments()[:FEED_SIZE])

    def item_title(self, item):
        record, power, _department = item
        return f"{power.title}（{'、'.join(record.changed_fields) or '调整'}）"

    def item_description(self, item):
        record, power, department = item
        parts = [f"事项编码：{power.code}"]
        if department:
            parts.append(f"实施主体：{department.title}")
        if record.changed_fields:
            parts.append(f"调整内容：{'、'.join(record.changed_fields)}")
        if record.note:
            parts.append(f"调整说明：{record.note}")
        parts.append(f"批准时间：{record.published_at:%Y-%m-%d %H:%M}")
        return "；".join(parts)

    def item_link(self, item):
        return reverse("power_short_url", args=[item[1].code])

    def item_guid(self, item):
        return f"adjustment-{item[0].pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item[0].published_at


class AdjustmentsAtomFeed(AdjustmentsFeed):
    feed_type = Atom1Feed
    subtitle = AdjustmentsFeed.description
