from django import template
from django.utils.safestring import mark_safe

from common.pagecache import CSRF_HOLE

register = template.Library()


@register.simple_tag
def csrf_hole():
    """The CSRF field of a form on a page that the page cache may store: the page cache puts
    each visitor's own token in (common.pagecache)."""
    return mark_safe(f'<input type="hidden" name="csrfmiddlewaretoken" value="{CSRF_HOLE}">')  # noqa: S308
