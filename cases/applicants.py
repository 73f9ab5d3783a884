"""The applicant of a case (申请人) and the checks of what is typed: the same for the window,
the online form, business systems and recorded cases."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from access.personal_data import surname_only
from common.text import clean_public_text

from .models import ApplicantType, IdType

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")


class ApplicantError(ValueError):
    """What is wrong with the applicant's data, in Chinese, by field."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("；".join(errors.values()))


def id_card_valid(number: str) -> bool:
    """An 18-digit resident identity number with its check character (GB 11643)."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11] == number[17]


def credit_code_valid(code: str) -> bool:
    """An 18-character unified social credit code with its check character (GB 32100)."""
    if len(code) != 18 or any(char not in CREDIT_CODE_CHARS for char in code):
        return False
    total = sum(CREDIT_CODE_CHARS.index(char) * weight
                for char, weight in zip(code[:17], CREDIT_WEIGHTS, strict=True))  # fmt: skip
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31] == code[17]


def _plain(value) -> str:
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).upper()


@dataclass
class Applicant:
    type: str
    name: str
    id_type: str
    id_no: str
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""

    @classmethod
    def clean(cls, data: dict) -> Applicant:
        """The applicant from typed values, checked; ApplicantError naming each bad field."""
        errors = {}
        kind = str(data.get("type") or data.get("applicant_type") or "")
        if kind not in ApplicantType.values:
            errors["applicant_type"] = "请选择申请人类型：自然人或法人（其他组织）。"
        name = clean_public_text(data.get("name") or data.get("applicant_name") or "", 200)
        if not name:
            errors["applicant_name"] = "请填写申请人姓名或名称。"
        id_type = str(data.get("id_type") or data.get("applicant_id_type") or "")
        if not id_type:
            id_type = IdType.ID_CARD if kind == ApplicantType.PERSON else IdType.CREDIT_CODE
        id_no = _plain(data.get("id_no") or data.get("applicant_id_no"))
        if id_type not in IdType.values:
            errors["applicant_id_type"] = "证件类型无效。"
        elif not id_no:
            errors["applicant_id_no"] = "请填写证件号码。"
        elif len(id_no) > 40:
            errors["applicant_id_no"] = "证件号码过长。"
        elif id_type == IdType.ID_CARD and not id_card_valid(id_no):
            errors["applicant_id_no"] = "居民身份证号码无效：应为 18 位，最后一位校验码须正确。"
        elif id_type == IdType.CREDIT_CODE and not credit_code_valid(id_no):
            errors["applicant_id_no"] = "统一社会信用代码无效：应为 18 位，最后一位校验码须正确。"
        if kind == ApplicantType.ORGANISATION and id_type == IdType.ID_CARD:
            errors["applicant_id_type"] = "法人或其他组织请填写统一社会信用代码。"
        phone = _plain(data.get("contact_phone") or data.get("phone"))
        if phone and not PHONE.match(phone):
            errors["contact_phone"] = "联系电话格式不正确：手机号码 11 位，固定电话带区号。"
        contact = clean_public_text(data.get("contact_name") or "", 50)
        address = clean_public_text(data.get("address") or "", 200)
        if errors:
            raise ApplicantError(errors)
        return cls(kind, name, id_type, id_no, contact, phone, address)

    @property
    def public_name(self) -> str:
        """As 办件公示 shows it: a natural person by surname (张*), a legal person in full."""
        if self.type == ApplicantType.PERSON:
            return surname_only(self.name)
        return self.name
