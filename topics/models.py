"""Life-event topics (高效办成一件事): the powers a person needs for one event of their life, in
the order they do them, curated by content administrators under one index page (/topics/)."""

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable, Page
from wagtail.search import index

from access.permissions import ContainerPagePermissionTester

from .forms import TopicPageForm
from .rules import MAX_KEYWORD_LENGTH, parse_keywords


class TopicIndexPage(Page):
    """高效办成一件事: the one page that lists the life-event topics; citizens start here when
    they know what happened to them but not which powers it involves."""

    intro = models.TextField(
        "简介",
        blank=True,
        max_length=1000,
        help_text="显示在主题列表上方，说明“一件事”是什么、怎样使用",
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["topics.TopicPage"]
    max_count = 1

    class Meta:
        verbose_name = "一件事主题列表"
        verbose_name_plural = "一件事主题列表"

    def permissions_for_user(self, user):
        return ContainerPagePermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        from .selectors import topic_summaries  # selectors import this module

        context = super().get_context(request, *args, **kwargs)
        context["topics"] = topic_summaries(index=self)
        return context


class TopicPage(Page):
    """One life event (一件事), e.g. 新生儿出生一件事: who it is for, a short introduction, the
    everyday words people use for it (search finds the topic by them), and the powers it
    involves in the order a person does them. Editorial content: published directly, without the
    legal office's review (the powers it links to are reviewed on their own)."""

    audience = models.CharField(
        "适用对象",
        max_length=200,
        help_text="谁需要办这件事，如：新生儿的父母或其他监护人",
    )
    summary = models.TextField(
        "简介",
        max_length=1000,
        help_text="一两句话说明这件事包括哪些环节、可以一次办好哪些事项",
    )
    keywords = models.TextField(
        "群众常用说法",
        blank=True,
        max_length=1000,
        help_text="群众描述这件事时常用的词语，用逗号或顿号分隔，如：孩子出生、生孩子、新生儿、"
        "宝宝出生；站内搜索据此找到本主题",
    )

    content_panels = Page.content_panels + [
        FieldPanel("audience"),
        FieldPanel("summary"),
        FieldPanel("keywords"),
        InlinePanel(
            "items",
            heading="办理事项（按办理先后排序）",
            label="事项",
            min_num=1,
        ),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("keywords", boost=2),
        index.SearchField("summary"),
        index.SearchField("audience"),
    ]

    parent_page_types = ["topics.TopicIndexPage"]
    subpage_types = []
    base_form_class = TopicPageForm

    class Meta:
        verbose_name = "一件事主题"
        verbose_name_plural = "一件事主题"

    def clean(self):
        super().clean()
        words = parse_keywords(self.keywords)
        too_long = [word for word in words if len(word) > MAX_KEYWORD_LENGTH]
        if too_long:
            raise ValidationError(
                {
                    "keywords": f"“{too_long[0][:MAX_KEYWORD_LENGTH]}…”太长：每个说法不超过 "
                    f"{MAX_KEYWORD_LENGTH} 个字，多个说法请用逗号或顿号分开。"
                }
            )
        self.keywords = "、".join(words)

    @property
    def keyword_list(self) -> list[str]:
        """The keywords as a list (search matches a query against them)."""
        return parse_keywords(self.keywords)

    def get_context(self, request, *args, **kwargs):
        from .selectors import topic_entries  # selectors import this module

        context = super().get_context(request, *args, **kwargs)
        context["entries"] = topic_entries(self)
        return context


class TopicItem(Orderable):
    """One step of a life-event topic: a power (行政权力事项) and, when it helps, a short note
    on when or for whom (e.g. 出生后一个月内)."""

    topic = ParentalKey(TopicPage, on_delete=models.CASCADE, related_name="items")
    # A deleted power leaves its item empty (not shown) rather than taking the topic's row with it.
    power = models.ForeignKey(
        "catalogue.PowerPage",
        verbose_name="行政权力事项",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="从职权目录中选择事项；未发布或不公开的事项不会在主题页上显示",
    )
    note = models.CharField(
        "提示",
        max_length=200,
        blank=True,
        help_text="何时办、谁需要办等简短说明，如：出生后一个月内；母亲参加职工医保的",
    )

    panels = [FieldPanel("power"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = "办理事项"
        verbose_name_plural = "办理事项"

    def __str__(self):
        return self.power.title if self.power_id and self.power else "（事项已删除）"
