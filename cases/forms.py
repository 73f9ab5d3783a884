"""The citizen's forms of cases: the list's filters, the lookup, the rating and the online
application. Every field is length-limited; errors come back in Chinese beside their fields."""

from __future__ import annotations

import re

from django import forms

from common.text import clean_public_text
from feedback.models import Rating

from .models import ApplicantType, IdType

CASE_NO_RE = re.compile(r"^BJ\d{8}-[0-9A-Z]{6}$")


class LookupForm(forms.Form):
    case_no = forms.CharField(label="办件编号", max_length=30,
                              error_messages={"required": "请填写办件编号。",
                                              "max_length": "办件编号过长。"})  # fmt: skip
    verifier = forms.CharField(
        label="查询密码（或联系电话后四位）", max_length=20,
        error_messages={"required": "请填写查询密码或联系电话后四位。",
                        "max_length": "查询密码过长。"},
    )  # fmt: skip

    def clean_case_no(self):
        from .numbers import normalise

        value = normalise(self.cleaned_data["case_no"])
        if not CASE_NO_RE.match(value):
            raise forms.ValidationError("办件编号的格式是 BJ20261203-7K3QXM（见受理回执）。")
        return value


class RatingForm(forms.Form):
    """一事一评: the five levels of the platform's evaluation and an optional comment."""

    token = forms.CharField(max_length=300)
    rating = forms.TypedChoiceField(
        label="满意程度", choices=Rating.choices, coerce=int, widget=forms.RadioSelect,
        error_messages={"required": "请选择满意程度。", "invalid_choice": "请选择有效的满意程度。"},
    )  # fmt: skip
    comment = forms.CharField(
        label="意见（选填）", required=False, max_length=500,
        error_messages={"max_length": "意见最多 500 字（现在 %(show_value)d 字）。"},
    )  # fmt: skip

    def clean_comment(self):
        return clean_public_text(self.cleaned_data["comment"], 500, multiline=True)


class ApplicationForm(forms.Form):
    """The applicant's fields of 网上申报; the checks of the values themselves are
    cases.applicants.Applicant.clean's (the same for every way in)."""

    applicant_type = forms.ChoiceField(
        label="申请人类型",
        choices=ApplicantType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择申请人类型。", "invalid_choice": "请选择申请人类型。"},
    )
    applicant_name = forms.CharField(
        label="申请人姓名或名称",
        max_length=200,
        error_messages={"required": "请填写申请人姓名或名称。", "max_length": "名称最多 200 字。"},
    )
    applicant_id_type = forms.ChoiceField(
        label="证件类型",
        choices=IdType.choices,
        error_messages={"invalid_choice": "证件类型无效。", "required": "请选择证件类型。"},
    )
    applicant_id_no = forms.CharField(
        label="证件号码",
        max_length=40,
        error_messages={"required": "请填写证件号码。", "max_length": "证件号码过长。"},
    )
    contact_name = forms.CharField(
        label="联系人（选填）",
        max_length=50,
        required=False,
        error_messages={"max_length": "联系人最多 50 字。"},
    )
    contact_phone = forms.CharField(
        label="联系电话",
        max_length=20,
        error_messages={
            "required": "请填写联系电话，便于通知补正和领取结果。",
            "max_length": "联系电话过长。",
        },
    )
    address = forms.CharField(
        label="通讯地址（选填）",
        max_length=200,
        required=False,
        error_messages={"max_length": "通讯地址最多 200 字。"},
    )
    # Left empty by people; bots fill every field.
    website = forms.CharField(required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError("提交未成功，请刷新页面后重试。")
        return data
