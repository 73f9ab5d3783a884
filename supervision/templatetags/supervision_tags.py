"""Template tags of 电子监察, also loaded by the admin's case page and feedback page (a lower
layer's template showing what supervision knows of its record, without importing it)."""

from django import template

from access import roles

from ..alert_selectors import alerts_for, findings_for, orders_for

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.inclusion_tag("supervision/_case_supervision.html", takes_context=True)
def case_supervision(context, case):
    """A case's warnings, 督办单 and findings, with the supervisor's actions."""
    user = context["request"].user
    return {
        "case": case,
        "alerts": list(alerts_for(user).filter(case=case).order_by("-raised_at")[:50]),
        "orders": list(orders_for(user).filter(case=case).order_by("-issued_at")),
        "findings": list(findings_for(user).filter(case=case)),
        "supervises": roles.supervises(user),
    }


@register.inclusion_tag("supervision/_feedback_supervision.html", takes_context=True)
def feedback_supervision(context, feedback):
    """The 督办单 on a citizen's complaint or rating, with the supervisor's action."""
    user = context["request"].user
    return {
        "feedback": feedback,
        "orders": list(orders_for(user).filter(feedback=feedback).order_by("-issued_at")),
        "supervises": roles.supervises(user),
    }
