"""The law library (法律法规库): the texts that powers cite as their legal basis (行使依据)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable
from wagtail.search import index


class LawLevel(models.TextChoices):
    LAW = "law", "法律"
    ADMINISTRATIVE_REGULATION = "administrative_regulation", "行政法规"
    LOCAL_REGULATION = "local_regulation", "地方性法规"
    DEPARTMENTAL_RULE = "departmental_rule", "部门规章"
    LOCAL_GOVERNMENT_RULE = "local_government_rule", "地方政府规章"
    NORMATIVE_DOCUMENT = "normative_document", "规范性文件"


class LawStatus(models.TextChoices):
    IN_FORCE = "in_force", "现行有效"
    AMENDED = "amended", "已修改"
    REPEALED = "repealed", "已废止"


class LawQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(status=LawStatus.IN_FORCE)

    def find_by_title(self, title: str):
        """Laws whose full or short title is `title` (《》 optional), in-force and newest first."""
        cleaned = title.strip().strip("《》").strip()
        short = cleaned.removeprefix("中华人民共和国")
        return self.filter(models.Q(title=cleaned) | models.Q(short_title=short)).order_by(
            models.Case(models.When(status=LawStatus.IN_FORCE, then=0), default=1),
            "-version_date",
        )


class Law(index.Indexed, ClusterableModel):
    """One version of a law or regulation. Editors pick it when citing a power's legal basis;
    citizens read its articles on the law page, with the powers that cite it."""

    title = models.CharField("名称", max_length=200, help_text="全称，如：中华人民共和国行政许可法")
    short_title = models.CharField(
        "简称", max_length=100, blank=True, help_text="不含“中华人民共和国”的名称，用于匹配引用"
    )
    level = models.CharField("效力级别", max_length=32, choices=LawLevel.choices)
    issuing_authority = models.CharField("制定机关", max_length=200, blank=True)
    promulgation_date = models.DateField("公布日期", null=True, blank=True)
    version_date = models.DateField(
        "本版本日期", help_text="本版本公布、修正或修订的日期；同一法规的各版本以此区分"
    )
    effective_date = models.DateField("施行日期", null=True, blank=True)
    status = models.CharField(
        "时效性", max_length=16, choices=LawStatus.choices, default=LawStatus.IN_FORCE
    )
    status_changed_on = models.DateField(
        "时效变更日期",
        null=True,
        blank=True,
        help_text="修改、废止或被新版本替代的日期；引用本法规的事项自此日起算调整期限",
    )
    supersedes = models.ForeignKey(
        "self",
        verbose_name="所替代的版本",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_by",
        help_text="本版本修改或替代的上一版本",
    )
    history = models.TextField("制定及修改沿革", blank=True)
    source = models.CharField("来源", max_length=300, blank=True)

    objects = LawQuerySet.as_manager()

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("title"),
                FieldPanel("short_title"),
                FieldRowPanel([FieldPanel("level"), FieldPanel("issuing_authority")]),
                FieldRowPanel(
                    [
                        FieldPanel("promulgation_date"),
                        FieldPanel("version_date"),
                        FieldPanel("effective_date"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("status"),
                        FieldPanel("status_changed_on"),
                        FieldPanel("supersedes"),
                    ]
                ),
                FieldPanel("history"),
                FieldPanel("source"),
            ],
            heading="基本信息",
        ),
        InlinePanel("articles", heading="条文", label="条文"),
    ]

    search_fields = [
        index.SearchField("title", boost=3),
        index.AutocompleteField("title"),
        index.SearchField("short_title", boost=3),
        index.FilterField("status"),
        index.FilterField("level"),
        index.RelatedFields("articles", [index.SearchField("number"), index.SearchField("text")]),
    ]

    class Meta:
        verbose_name = "法律法规"
        verbose_name_plural = "法律法规库"
        ordering = ["title", "-version_date"]
        constraints = [
            models.UniqueConstraint(fields=["title", "version_date"], name="law_unique_version")
        ]

    def __str__(self):
        return f"{self.title}（{self.version_date:%Y-%m-%d}）"

    def clean(self):
        super().clean()
        if self.status != LawStatus.IN_FORCE and not self.status_changed_on:
            raise ValidationError({"status_changed_on": "法规已修改或废止时，请填写时效变更日期。"})
        if self.supersedes_id and self.supersedes_id == self.pk:
            raise ValidationError({"supersedes": "法规不能替代它自己。"})

    def get_absolute_url(self):
        return reverse("laws:detail", args=[self.pk])


class LawArticle(Orderable):
    """An article (条) of a law version, the unit that legal-basis citations point to."""

    law = ParentalKey(Law, on_delete=models.CASCADE, related_name="articles")
    number = models.CharField("条号", max_length=20, help_text="如：第十二条")
    ordinal = models.PositiveIntegerField(
        "序号", help_text="条号的阿拉伯数字，如 12", db_index=True
    )
    chapter = models.CharField("所在章节", max_length=200, blank=True)
    text = models.TextField("条文")

    panels = [
        FieldRowPanel([FieldPanel("number"), FieldPanel("ordinal")]),
        FieldPanel("chapter"),
        FieldPanel("text"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "条文"
        verbose_name_plural = "条文"
        constraints = [
            models.UniqueConstraint(fields=["law", "ordinal"], name="law_article_unique_ordinal")
        ]

    def __str__(self):
        return f"{self.law.title} {self.number}"

    @property
    def anchor(self):
        return f"art-{self.ordinal}"
