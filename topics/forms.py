from wagtail.admin.forms import WagtailAdminPageForm

from .rules import NOT_A_POWER, topic_item_errors


class TopicPageForm(WagtailAdminPageForm):
    """The topic editing form: each item names a power, and no power twice (rules.py says so in
    Chinese, on the item concerned)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        items = self.formsets.get("items")
        for form in items.forms if items is not None else ():
            if "power" in form.fields:
                form.fields["power"].error_messages["invalid_choice"] = NOT_A_POWER

    def clean(self):
        cleaned_data = super().clean()
        items = self.formsets.get("items")
        if items is None or not items.is_bound:
            return cleaned_data
        items.is_valid()  # each item's own checks first: a page that is not a power is refused
        rows = []
        for number, form in enumerate(items.forms):
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            order = data.get("ORDER")
            rows.append(((order is None, order or 0, number), form, data.get("power")))
        rows.sort(key=lambda row: row[0])  # the order the editor sees
        for position, message in topic_item_errors([power for _k, _f, power in rows]).items():
            rows[position][1].add_error("power", message)
        return cleaned_data
