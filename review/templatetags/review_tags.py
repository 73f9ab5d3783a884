from django import template
from wagtail.models import TaskState

from .. import selectors

register = template.Library()


@register.simple_tag
def latest_review_comment(page):
    """The comment of the legal office's last decision on this page ("" if none)."""
    if page is None:
        return ""
    state = (
        TaskState.objects.filter(
            workflow_state__base_content_type__model="page",
            workflow_state__object_id=str(page.pk),
            finished_at__isnull=False,
        )
        .order_by("-finished_at")
        .first()
    )
    return state.comment if state else ""


@register.inclusion_tag("review/_power_history.html")
def power_history(power):
    """The power page's 调整记录: the approved changes made public (never drafts or comments)."""
    return {"history": selectors.power_history(power) if power.pk else []}
