"""Case numbers (办件编号) and query passwords (查询密码), as printed on the receipt."""

import hashlib
import hmac
import secrets
import unicodedata

from django.conf import settings
from django.utils import timezone

# No 0/O, 1/I/L to misread on a printed receipt.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_case_no(now=None) -> str:
    """BJ20261203-7K3QXM: the day of application and six random characters (887 million a day:
    a retry on the rare collision keeps it unique)."""
    day = timezone.localdate(now or timezone.now())
    return f"BJ{day:%Y%m%d}-{''.join(secrets.choice(ALPHABET) for _ in range(6))}"


def new_password() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(6))


def password_hash(case_no: str, password: str) -> str:
    """Keyed with the site's secret: the table alone does not give the passwords back."""
    message = f"{case_no}\x1f{password}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def normalise(value: str) -> str:
    """A case number or password however it was typed: full-width, spaces, lower case, dashes."""
    text = "".join(unicodedata.normalize("NFKC", value or "").split()).upper()
    return text.replace("—", "-").replace("－", "-").replace("–", "-")
