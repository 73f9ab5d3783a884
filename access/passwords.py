"""Password rules a government sets for its staff (等级保护): long enough, not common, not the
username, and mixing kinds of characters. Django's validators cover the first three; this one
the last, with its message in Chinese."""

from django.core.exceptions import ValidationError

CLASSES = (
    ("小写字母", str.islower),
    ("大写字母", str.isupper),
    ("数字", str.isdigit),
    ("符号", lambda ch: not ch.isalnum() and not ch.isspace()),
)


class CharacterClassesValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        present = {name for name, test in CLASSES for ch in password if test(ch)}
        if len(present) < self.min_classes:
            raise ValidationError(
                f"密码须包含小写字母、大写字母、数字、符号中的至少 {self.min_classes} 类。",
                code="password_too_simple",
            )

    def get_help_text(self):
        return f"密码须包含小写字母、大写字母、数字、符号中的至少 {self.min_classes} 类。"


class MinimumLengthValidator:
    """At least `min_length` characters (Django's, with its message in Chinese)."""

    def __init__(self, min_length: int = 12):
        self.min_length = min_length

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短：至少需要 {self.min_length} 个字符。", code="password_too_short"
            )

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"


class NotContainingUsernameValidator:
    """The password does not contain the username (jtj-official → jtj-official-2026 is refused),
    which Django's similarity check lets through when the rest is long enough."""

    def validate(self, password, user=None):
        username = (getattr(user, "get_username", lambda: "")() or "").strip().lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")

    def get_help_text(self):
        return "密码不能包含用户名。"
