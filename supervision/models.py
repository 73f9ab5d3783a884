"""电子监察: the rules supervision applies, the warnings (预警) they raise, 督办单 with their log,
and 过错责任追究 findings with the lists of fault kinds and measures.

Warnings are raised by supervision.alerts (at once, in the transaction of the case event that
broke a rule) and by supervision.sweep (the time-based ones, as days pass); 督办 and findings are
written by supervision.services. Nothing here is deleted: a warning is cleared (who, when, why),
a 督办单 is closed, a finding stays.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from common.appendonly import AppendOnly


class Level(models.TextChoices):
    """How serious a warning is: 提醒 (a reminder), 黄牌 (预警), 红牌 (报警)."""

    REMINDER = "reminder", "提醒"
    YELLOW = "yellow", "黄牌"
    RED = "red", "红牌"


LEVEL_ORDER = {Level.REMINDER: 0, Level.YELLOW: 1, Level.RED: 2}


class Category(models.TextChoices):
    TIME = "time", "时效"
    PROCESS = "process", "流程"
    FEE = "fee", "内容与收费"
    OPENNESS = "openness", "公开"
    CATALOGUE = "catalogue", "目录与评议"
    SUPERVISION = "supervision", "督办"


class Source(models.TextChoices):
    """What raised a warning."""

    EVENT = "event", "办件事件"
    PUSH = "push", "业务系统报送（被拒收）"
    SWEEP = "sweep", "每日巡查"
    HISTORY = "history", "历史记录"


class AlertRule(models.Model):
    """One rule of supervision. The code names its check in supervision.rules; a site
    administrator tunes the level, the threshold and whether it runs."""

    code = models.SlugField("规则代码", max_length=40, unique=True)
    name = models.CharField("规则名称", max_length=100)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    level = models.CharField("预警等级", max_length=16, choices=Level.choices)
    threshold = models.PositiveSmallIntegerField(
        "阈值",
        null=True,
        blank=True,
        help_text="含义见规则说明（百分比或工作日数）；无阈值的规则留空",
    )
    threshold_unit = models.CharField("阈值单位", max_length=20, blank=True, editable=False)
    enabled = models.BooleanField("启用", default=True)
    description = models.TextField("规则说明", max_length=1000, blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0, editable=False)

    class Meta:
        verbose_name = "监察规则"
        verbose_name_plural = "监察规则"
        ordering = ["position", "code"]

    def __str__(self):
        return self.name

    # The thresholds that make sense, per rule with a threshold (others take none).
    THRESHOLD_RANGES = {
        "case_time_used": (1, 99), "decision_not_public": (0, 60), "completion_due_soon": (1, 30),
    }  # fmt: skip

    def clean(self):
        from django.core.exceptions import ValidationError

        bounds = self.THRESHOLD_RANGES.get(self.code)
        if bounds is None:
            if self.threshold is not None:
                raise ValidationError({"threshold": "该规则没有阈值，请留空。"})
            return
        low, high = bounds
        if self.threshold is None or not low <= self.threshold <= high:
            raise ValidationError(
                {"threshold": f"阈值应在 {low} 到 {high} {self.threshold_unit} 之间。"}
            )


class AlertQuerySet(models.QuerySet):
    def open(self):
        return self.filter(cleared_at__isnull=True)


class Alert(models.Model):
    """A warning: which rule, how serious, about what (a case and its step, a power, a citizen's
    feedback, a 督办单), when; cleared with who, when and why. `key` names the subject so that a
    rule warns once about it (a sweep that runs again raises nothing new)."""

    rule = models.ForeignKey(AlertRule, verbose_name="规则", on_delete=models.PROTECT,
                             related_name="alerts")  # fmt: skip
    level = models.CharField("等级", max_length=16, choices=Level.choices)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    key = models.CharField("对象", max_length=80)
    department = models.ForeignKey(
        "catalogue.DepartmentPage", verbose_name="部门", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    case = models.ForeignKey(
        "cases.Case", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT,
        related_name="alerts",
    )  # fmt: skip
    step = models.PositiveSmallIntegerField("环节序号", null=True, blank=True)
    power = models.ForeignKey(
        "catalogue.PowerPage", verbose_name="事项", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    feedback = models.ForeignKey(
        "feedback.Feedback", verbose_name="评议", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    order = models.ForeignKey(
        "SupervisionOrder", verbose_name="督办单", null=True, blank=True,
        on_delete=models.PROTECT, related_name="alerts",
    )  # fmt: skip
    detail = models.CharField("情况", max_length=300)
    source = models.CharField("来源", max_length=16, choices=Source.choices, default=Source.EVENT)
    # The case event that raised it (its seq in the case's log), when one did.
    event_seq = models.PositiveIntegerField("办件日志序号", null=True, blank=True)
    raised_at = models.DateTimeField("发出时间", default=timezone.now)
    cleared_at = models.DateTimeField("解除时间", null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="解除人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    cleared_reason = models.CharField("解除原因", max_length=300, blank=True)
    cleared_automatically = models.BooleanField("自动解除", default=False)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "key"], name="alert_once_per_rule_and_subject")
        ]
        indexes = [
            # 电子监察's counts: open warnings per department and level.
            models.Index(
                fields=["department", "level"],
                condition=Q(cleared_at__isnull=True),
                name="alert_open_by_department",
            ),  # fmt: skip
            # The open warnings (of one level), newest first: the drill-down's list and count.
            models.Index(
                fields=["level", "-raised_at", "-id"],
                condition=Q(cleared_at__isnull=True),
                name="alert_open_by_level",
            ),
            models.Index(
                fields=["-raised_at", "-id"],
                condition=Q(cleared_at__isnull=True),
                name="alert_open_newest",
            ),
            models.Index(fields=["raised_at"], name="alert_raised"),
            models.Index(fields=["department", "raised_at"], name="alert_department_raised"),
        ]

    def __str__(self):
        return f"{self.get_level_display()} {self.rule.name}"

    @property
    def is_open(self):
        return self.cleared_at is None


class OrderState(models.TextChoices):
    OPEN = "open", "待回复"
    ANSWERED = "answered", "已回复待审查"
    ACCEPTED = "accepted", "已办结"


class SupervisionOrder(models.Model):
    """督办单: what a department must correct, by when; the department answers, the issuer
    accepts the answer or sends it back. Every step is an entry of its log."""

    number = models.CharField("督办单号", max_length=20, unique=True)
    department = models.ForeignKey(
        "catalogue.DepartmentPage", verbose_name="责任部门", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    case = models.ForeignKey(
        "cases.Case", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT,
        related_name="supervision_orders",
    )  # fmt: skip
    alert = models.ForeignKey(
        Alert, verbose_name="预警", null=True, blank=True, on_delete=models.PROTECT,
        related_name="supervision_orders",
    )  # fmt: skip
    feedback = models.ForeignKey(
        "feedback.Feedback", verbose_name="投诉或评议", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    requirement = models.TextField("督办事项及整改要求", max_length=2000)
    days = models.PositiveSmallIntegerField("办理时限（工作日）")
    due_on = models.DateField("回复期限")
    state = models.CharField("状态", max_length=16, choices=OrderState.choices,
                             default=OrderState.OPEN)  # fmt: skip
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="督办人", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    issued_by_name = models.CharField("督办人姓名", max_length=50)
    issuer_role = models.CharField("督办机关", max_length=20)
    issued_at = models.DateTimeField("督办时间", default=timezone.now)
    answer = models.TextField("整改情况", max_length=2000, blank=True)
    answered_at = models.DateTimeField("回复时间", null=True, blank=True)
    answered_on_time = models.BooleanField("按期回复", null=True, blank=True)
    returned_count = models.PositiveSmallIntegerField("退回次数", default=0)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["department", "state", "due_on"], name="order_department_state"),
            models.Index(fields=["state", "due_on"], name="order_state_due"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self):
        return self.state != OrderState.ACCEPTED

    def overdue_on(self, today) -> bool:
        return self.state == OrderState.OPEN and today > self.due_on


class OrderEntry(AppendOnly):
    """One step of a 督办单, never changed: issued, answered, accepted, returned."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "发出督办"
        ANSWERED = "answered", "部门回复"
        ACCEPTED = "accepted", "审查通过，办结"
        RETURNED = "returned", "退回重办"

    order = models.ForeignKey(SupervisionOrder, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveSmallIntegerField("序号")
    kind = models.CharField("操作", max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    actor_name = models.CharField("操作人姓名", max_length=50)
    at = models.DateTimeField("时间", default=timezone.now)
    text = models.TextField("内容", max_length=2000, blank=True)

    log_label = "督办记录"

    class Meta:
        verbose_name = "督办记录"
        verbose_name_plural = "督办记录"
        ordering = ["order_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seq"], name="order_entry_seq_unique")
        ]


class Vocabulary(models.Model):
    """A list site administrators keep (seeded with the usual entries): an entry in use is
    switched off, not deleted."""

    name = models.CharField("名称", max_length=50, unique=True)
    position = models.PositiveSmallIntegerField("排序", default=0)
    active = models.BooleanField("可选用", default=True)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class FaultKind(Vocabulary):
    """过错种类 of a finding."""

    class Meta(Vocabulary.Meta):
        verbose_name = "过错种类"
        verbose_name_plural = "过错种类"


class Measure(Vocabulary):
    """处理措施 of a finding."""

    class Meta(Vocabulary.Meta):
        verbose_name = "处理措施"
        verbose_name_plural = "处理措施"


class Finding(models.Model):
    """过错责任追究: the responsible post and person, the fault, the measure, who decided and
    when. Public figures count findings per department and kind; names are never public."""

    department = models.ForeignKey(
        "catalogue.DepartmentPage", verbose_name="责任部门", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    case = models.ForeignKey(
        "cases.Case", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT,
        related_name="findings",
    )  # fmt: skip
    order = models.ForeignKey(
        SupervisionOrder, verbose_name="督办单", null=True, blank=True,
        on_delete=models.PROTECT, related_name="findings",
    )  # fmt: skip
    post = models.CharField("责任岗位", max_length=100)
    person = models.CharField("责任人", max_length=50)
    fault_kind = models.ForeignKey(FaultKind, verbose_name="过错种类", on_delete=models.PROTECT)
    measure = models.ForeignKey(Measure, verbose_name="处理措施", on_delete=models.PROTECT)
    facts = models.TextField("过错事实", max_length=2000)
    decided_on = models.DateField("决定日期")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_by_name = models.CharField("决定人姓名", max_length=50)
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "过错责任追究"
        verbose_name_plural = "过错责任追究"
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["department", "decided_on"], name="finding_department")]

    def __str__(self):
        return f"{self.fault_kind} {self.measure}"


class CompletionDeadline(models.Model):
    """数据完整度期限: the date by which a department must complete its powers' information
    (catalogue.completeness), set by a site administrator. One is active per department; a new
    date replaces it (the old one is kept, inactive) and the sweep warns before and after it
    while the department's powers are incomplete."""

    department = models.ForeignKey(
        "catalogue.DepartmentPage", verbose_name="部门", on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    due_on = models.DateField("完成期限")
    note = models.CharField("说明", max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设定人", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    set_at = models.DateTimeField("设定时间", default=timezone.now)
    active = models.BooleanField("有效", default=True)
    ended_at = models.DateTimeField("撤销或替换时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据完整度期限"
        verbose_name_plural = "数据完整度期限"
        ordering = ["due_on", "department_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["department"], condition=Q(active=True),
                name="completion_deadline_one_active",
            )
        ]  # fmt: skip

    def __str__(self):
        return f"{self.department} {self.due_on}"


@register_setting(icon="form")
class PerformanceSettings(BaseGenericSetting):
    """绩效评估: the weights of the indicators (points out of 100) and the grade bands, which a
    site administrator edits (设置 → 绩效评估). An indicator without data in a period (no
    督办, no ratings) gives its weight to the others in proportion."""

    weight_on_time = models.PositiveSmallIntegerField("按时办结率（分）", default=40)
    weight_early = models.PositiveSmallIntegerField("提前办结率（分）", default=10)
    weight_speed = models.PositiveSmallIntegerField(
        "办理用时（分）",
        default=10,
        help_text="平均用时不超过承诺时限一半得满分，达到承诺时限得 0 分，其间按比例",
    )
    weight_orders = models.PositiveSmallIntegerField("督办按期回复率（分）", default=10)
    weight_satisfaction = models.PositiveSmallIntegerField("好差评满意率（分）", default=20)
    weight_online = models.PositiveSmallIntegerField("网上办理率（分）", default=10)
    red_card_deduction = models.DecimalField(
        "每百件红牌扣分", max_digits=4, decimal_places=2, default=Decimal("0.20"),
        help_text="每百件办结办件中的红牌数 × 该分值，最多扣 20 分",
    )  # fmt: skip
    finding_deduction = models.DecimalField(
        "每起过错责任追究扣分", max_digits=4, decimal_places=1, default=Decimal("2.0"),
        help_text="最多扣 15 分",
    )  # fmt: skip
    excellent = models.PositiveSmallIntegerField("优秀（不低于）", default=90)
    good = models.PositiveSmallIntegerField("良好（不低于）", default=80)
    passing = models.PositiveSmallIntegerField("合格（不低于）", default=60)

    WEIGHTS = ("on_time", "early", "speed", "orders", "satisfaction", "online")

    class Meta:
        verbose_name = "绩效评估"

    def clean(self):
        from django.core.exceptions import ValidationError

        total = sum(getattr(self, f"weight_{name}") for name in self.WEIGHTS)
        errors = {}
        if total != 100:
            errors["weight_on_time"] = f"各项分值合计应为 100 分（现为 {total} 分）。"
        if not 100 >= self.excellent > self.good > self.passing > 0:
            errors["excellent"] = "等级线应满足 100 ≥ 优秀 > 良好 > 合格 > 0。"
        if self.red_card_deduction < 0 or self.finding_deduction < 0:
            errors["red_card_deduction"] = "扣分不能为负数。"
        if errors:
            raise ValidationError(errors)

    def weights(self) -> dict[str, int]:
        return {name: getattr(self, f"weight_{name}") for name in self.WEIGHTS}

    def grade(self, score: float) -> str:
        if score >= self.excellent:
            return "优秀"
        if score >= self.good:
            return "良好"
        if score >= self.passing:
            return "合格"
        return "不合格"


class Evaluation(models.Model):
    """A department's evaluation for a complete period, kept once computed (the public page
    and the API read it; a change of the weights computes it again)."""

    period = models.CharField("期间", max_length=10)  # 2026-11, 2026-Q4, 2026
    department = models.ForeignKey(
        "catalogue.DepartmentPage", verbose_name="部门", on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    figures = models.JSONField("指标")
    score = models.DecimalField("得分", max_digits=5, decimal_places=1)
    grade = models.CharField("等级", max_length=8)
    rank = models.PositiveSmallIntegerField("排名")
    settings_key = models.CharField(max_length=64)
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        verbose_name = "绩效评估结果"
        verbose_name_plural = "绩效评估结果"
        ordering = ["period", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["period", "department"], name="evaluation_once")
        ]
