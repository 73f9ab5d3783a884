from django.core.validators import RegexValidator

CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,63}$"

validate_code = RegexValidator(
    CODE_PATTERN,
    "编码只能由字母、数字、连字符（-）、下划线（_）和点（.）组成，以字母或数字开头，最长 64 位。",
)
