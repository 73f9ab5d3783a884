"""Public reads of the review record: approved changes only, never drafts or reviewer comments."""

from catalogue.models import PowerPage
from catalogue.selectors import POWER_LIST_FIELDS, live_powers, with_departments

from .models import PowerPublication

PUBLIC_RECORD_FIELDS = ("id", "power_id", "published_at", "submitted_at", "is_creation",
                        "changed_fields", "note")  # fmt: skip


def power_history(power: PowerPage):
    """A power's approved changes, newest first (one query)."""
    return list(
        PowerPublication.objects.filter(power_id=power.pk)
        .only(*PUBLIC_RECORD_FIELDS)
        .order_by("-published_at", "-id")
    )


def recent_adjustments(*, include_creations=False):
    """Approved changes of live, public powers across the catalogue, newest first."""
    records = PowerPublication.objects.filter(power__in=live_powers().values("pk"))
    if not include_creations:
        records = records.filter(is_creation=False)
    return records.only(*PUBLIC_RECORD_FIELDS).order_by("-published_at", "-id")


def with_powers(records):
    """[(record, power, department)] for a page of records, with two more queries."""
    records = list(records)
    powers = {
        power.pk: power
        for power in PowerPage.objects.filter(pk__in={r.power_id for r in records}).only(
            *POWER_LIST_FIELDS
        )
    }
    departments = {power.pk: department for power, department in with_departments(powers.values())}
    return [
        (record, powers[record.power_id], departments.get(record.power_id))
        for record in records
        if record.power_id in powers
    ]
