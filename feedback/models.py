"""Citizens' evaluations, questions, complaints and reports (公众评议 / 好差评 / 投诉举报), the
departments' replies, and appeals against malicious reviews."""

import unicodedata

from django.conf import settings
from django.db import models
from django.utils import timezone

from access.personal_data import mask_name, mask_phone


class Kind(models.TextChoices):
    EVALUATION = "evaluation", "评价"
    INQUIRY = "inquiry", "咨询"
    SUGGESTION = "suggestion", "建议"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"


class Rating(models.IntegerChoices):
    """The five national 好差评 levels."""

    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


SATISFIED_RATINGS = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
BAD_RATINGS = (Rating.DISSATISFIED, Rating.VERY_DISSATISFIED)
# Kinds that need a written comment, and are routed to the department with a reply deadline.
COMMENT_REQUIRED = (Kind.COMPLAINT, Kind.REPORT)


class Status(models.TextChoices):
    RECEIVED = "received", "已受理"
    ANSWERED = "answered", "已答复"


class Moderation(models.TextChoices):
    PENDING = "pending", "待审核"
    PUBLISHED = "published", "已公开"
    HIDDEN = "hidden", "不公开"


def normalise_tracking_no(value: str) -> str:
    """PJ20261128-4F7K however it was typed: full-width letters and digits, lower case, spaces
    and a full-width dash are all read as the receipt prints it."""
    text = unicodedata.normalize("NFKC", value or "")
    text = "".join(text.split()).upper()
    return text.replace("—", "-").replace("－", "-").replace("–", "-")


class Feedback(models.Model):
    tracking_no = models.CharField("受理编号", max_length=20, unique=True)
    power = models.ForeignKey(
        "catalogue.PowerPage", verbose_name="事项", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="feedback",
    )  # fmt: skip
    department = models.ForeignKey(
        "catalogue.DepartmentPage", verbose_name="部门", null=True,
        on_delete=models.SET_NULL, related_name="feedback",
    )  # fmt: skip
    power_type = models.CharField("事项类型", max_length=2, blank=True)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    rating = models.PositiveSmallIntegerField("满意程度", choices=Rating.choices, null=True)
    comment = models.TextField("意见内容", max_length=500, blank=True)
    # Personal data: never on public pages, in search, feeds or the public API; masked in the
    # admin unless the viewer holds access.view_personal_data (each look logged)
    name = models.CharField("姓名", max_length=30, blank=True)
    phone = models.CharField("手机号码", max_length=11, blank=True)
    consent_to_contact = models.BooleanField("同意联系", default=False)
    # For a submission without a phone number: the code shown on the receipt for the lookup.
    lookup_code = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField("提交时间", default=timezone.now, db_index=True)
    due_on = models.DateField("答复期限", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices,
                              default=Status.RECEIVED)  # fmt: skip
    reply = models.TextField("部门答复", max_length=2000, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    moderation = models.CharField("公开审核", max_length=16, choices=Moderation.choices,
                                  default=Moderation.PENDING)  # fmt: skip
    excluded_from_statistics = models.BooleanField("不计入统计", default=False)
    # Where it came from, hashed with the site's secret (never the address itself): enough to
    # tell a burst from one source from many citizens' opinions.
    source = models.CharField("来源标识", max_length=16, blank=True, db_index=True)
    # A burst of bad ratings from few sources is held: stored, not counted, no deadline, until
    # the legal office releases it (it then counts, and its deadline starts) or removes it.
    held = models.BooleanField("暂不计入（待核实）", default=False, db_index=True)
    hold_reason = models.CharField("暂不计入的原因", max_length=300, blank=True)
    hold_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    hold_decided_at = models.DateTimeField("核实时间", null=True, blank=True)
    # A rating of a finished case by its applicant (一事一评): verified by the case number and
    # its password, one per case; shown apart from anonymous ratings.
    case_no = models.CharField("办件编号", max_length=20, blank=True)

    class Meta:
        verbose_name = "公众评议"
        verbose_name_plural = "公众评议"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "created_at"]),
            models.Index(fields=["power", "moderation"]),
            models.Index(fields=["status", "due_on"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case_no"], condition=~models.Q(case_no=""), name="feedback_one_per_case"
            )
        ]

    def __str__(self):
        return self.tracking_no

    @property
    def verified(self):
        """Given by the applicant of a finished case."""
        return bool(self.case_no)

    @property
    def is_bad_review(self):
        return self.rating in BAD_RATINGS

    @property
    def masked_phone(self):
        return mask_phone(self.phone)

    @property
    def masked_name(self):
        return mask_name(self.name)

    @property
    def answered_on_time(self):
        if self.due_on is None or self.replied_at is None:
            return None
        return timezone.localdate(self.replied_at) <= self.due_on


class AppealDecision(models.TextChoices):
    PENDING = "pending", "待法制办决定"
    GRANTED = "granted", "同意剔除"
    REFUSED = "refused", "不予剔除"


class Appeal(models.Model):
    """A department asks the legal office to leave a malicious bad review out of the statistics.
    The review itself stays stored whatever the decision."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="appeals")
    reason = models.TextField("申诉理由", max_length=1000)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    requested_at = models.DateTimeField(default=timezone.now)
    decision = models.CharField("决定", max_length=16, choices=AppealDecision.choices,
                                default=AppealDecision.PENDING)  # fmt: skip
    decision_reason = models.TextField("决定理由", max_length=1000, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "差评申诉"
        verbose_name_plural = "差评申诉"
        ordering = ["-requested_at"]
