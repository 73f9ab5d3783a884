"""The evaluation part of power and department pages (their templates load this; the catalogue
does not import feedback)."""

from django import template

from ..selectors import page_feedback

register = template.Library()


@register.inclusion_tag("feedback/_section.html")
def feedback_section(*, power=None, department=None):
    """The rating summary, the published comments with their replies, and the form."""
    scope = {"power": power} if power is not None else {"department": department}
    return {"power": power, "department": department, **page_feedback(**scope)}
