from wagtail.admin.forms import WagtailAdminPageForm

CHANGE_NOTE_REQUIRED = "请说明本次调整了什么、为什么调整（审核通过后随调整记录公开）。"


class PowerPageForm(WagtailAdminPageForm):
    """The power editing form: a change to a published power must say what changed and why
    when it is submitted to the legal office (not when a draft is merely saved)."""

    def clean(self):
        cleaned_data = super().clean()
        page = self.instance
        if self.is_deferred_validation or not page.pk or page.first_published_at is None:
            return cleaned_data
        from review.models import PowerPublication

        note = (cleaned_data.get("change_note") or "").strip()
        last_note = (
            PowerPublication.objects.filter(power_id=page.pk)
            .order_by("-published_at", "-id")
            .values_list("note", flat=True)
            .first()
        )
        if not note or note == (last_note or "").strip():
            self.add_error("change_note", CHANGE_NOTE_REQUIRED)
        return cleaned_data
