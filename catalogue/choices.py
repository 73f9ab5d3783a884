"""Fixed vocabularies of the catalogue, with the national codes and Chinese labels."""

from django.db import models


class PowerType(models.TextChoices):
    """事项类型: the national item-type codes."""

    LICENSING = "01", "行政许可"
    PENALTY = "02", "行政处罚"
    COERCION = "03", "行政强制"
    LEVY = "04", "行政征收"
    BENEFIT = "05", "行政给付"
    INSPECTION = "06", "行政检查"
    CONFIRMATION = "07", "行政确认"
    REWARD = "08", "行政奖励"
    ADJUDICATION = "09", "行政裁决"
    OTHER = "10", "其他行政权力"
    PUBLIC_SERVICE = "20", "公共服务"

    @classmethod
    def parse(cls, value) -> "PowerType":
        """Accept a national code (1, 01, "20") or a label (行政许可). Raises ValueError."""
        text = str(value).strip()
        if text.isdigit():
            text = text.zfill(2)
            if text in cls.values:
                return cls(text)
        for member in cls:
            if member.label == text:
                return member
        raise ValueError(f"未知的事项类型：{value}")


class ExerciseLevel(models.TextChoices):
    """行使层级."""

    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡级"


class PowerSource(models.TextChoices):
    """权力来源."""

    STATUTORY = "statutory", "法定本级行使"
    DELEGATED_DOWN = "delegated_down", "上级下放"
    AUTHORISED = "authorised", "上级授权"
    ENTRUSTED = "entrusted", "上级委托"
    OTHER = "other", "其他"


class PowerStatus(models.TextChoices):
    """状态 of a power in the catalogue."""

    IN_FORCE = "in_force", "在用"
    SUSPENDED = "suspended", "暂停"
    CANCELLED = "cancelled", "取消"


class OnlineDepth(models.IntegerChoices):
    """网上办理深度 (the national four levels): what of the item can be done online."""

    INFORMATION = 1, "一级：网上提供办事指南"
    FORMS = 2, "二级：网上下载申请表格"
    PRE_REVIEW = 3, "三级：网上申报、预审（到现场核验一次）"
    FULLY_ONLINE = 4, "四级：全程网办"
