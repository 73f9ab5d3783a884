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
        # The page row holds the live revision's fields: its note is the one made public with
        # the last approved change, which a new change must not simply repeat.
        last_note = (
            type(page).objects.filter(pk=page.pk).values_list("change_note", flat=True).first()
        )
        note = (cleaned_data.get("change_note") or "").strip()
        if not note or note == (last_note or "").strip():
            self.add_error("change_note", CHANGE_NOTE_REQUIRED)
        return cleaned_data
