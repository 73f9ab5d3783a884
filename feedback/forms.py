"""The citizen's forms: a submission and a lookup. Every field is length-limited and checked;
errors come back in Chinese."""

import re

from django import forms

from common.text import clean_public_text

from .models import COMMENT_REQUIRED, Kind, Rating, normalise_tracking_no

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
TRACKING_RE = re.compile(r"^PJ\d{8}-[0-9A-Z]{4}$")


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=Kind.choices, initial=Kind.EVALUATION,
                             error_messages={"invalid_choice": "请选择有效的类别。",
                                             "required": "请选择类别。"})  # fmt: skip
    rating = forms.TypedChoiceField(
        label="满意程度", choices=Rating.choices, coerce=int, required=False, empty_value=None,
        widget=forms.RadioSelect, error_messages={"invalid_choice": "请选择有效的满意程度。"},
    )  # fmt: skip
    comment = forms.CharField(
        label="意见内容", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "意见内容最多 500 字（现在 %(show_value)d 字）。"},
    )  # fmt: skip
    name = forms.CharField(label="姓名（选填）", required=False, max_length=30,
                           error_messages={"max_length": "姓名最多 30 字。"})  # fmt: skip
    phone = forms.CharField(label="手机号码（选填）", required=False, max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                          "autocomplete": "tel"}))  # fmt: skip
    consent_to_contact = forms.BooleanField(
        label="同意工作人员通过手机号码与我联系", required=False
    )
    # Left empty by people; bots fill every field. Hidden from view and from screen readers.
    website = forms.CharField(required=False, max_length=200)

    def clean_comment(self):
        return clean_public_text(self.cleaned_data["comment"], 500, multiline=True)

    def clean_name(self):
        return clean_public_text(self.cleaned_data["name"], 30)

    def clean_phone(self):
        phone = re.sub(r"[\s-]", "", self.cleaned_data["phone"])
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError("请填写 11 位手机号码，如 13812345678。")
        return phone

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError("提交未成功，请刷新页面后重试。")
        kind = data.get("kind")
        if kind == Kind.EVALUATION and data.get("rating") is None and "rating" not in self.errors:
            self.add_error("rating", "请选择满意程度。")
        if kind in COMMENT_REQUIRED and not data.get("comment") and "comment" not in self.errors:
            self.add_error("comment", f"{Kind(kind).label}需要写明具体内容。")
        return data


class LookupForm(forms.Form):
    tracking_no = forms.CharField(label="受理编号", max_length=40,
                                  error_messages={"required": "请填写受理编号。"})  # fmt: skip
    verifier = forms.CharField(
        label="手机号码后四位（未留手机号码的，填写回执上的查询码）", max_length=8,
        error_messages={"required": "请填写手机号码后四位或查询码。"},
    )  # fmt: skip

    def clean_tracking_no(self):
        value = normalise_tracking_no(clean_public_text(self.cleaned_data["tracking_no"], 40))
        if not TRACKING_RE.match(value):
            raise forms.ValidationError("受理编号的格式是 PJ20261128-4F7K。")
        return value
