"""The power catalogue (职权目录): the catalogue index, departments and their powers."""

from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.api import APIField
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from access.permissions import (
    ContainerPagePermissionTester,
    DepartmentPagePermissionTester,
    PowerPagePermissionTester,
)

from . import blocks
from .choices import ExerciseLevel, OnlineDepth, PowerSource, PowerStatus, PowerType
from .forms import PowerPageForm
from .validators import validate_code


class PowerCatalogue(Page):
    """The single 职权目录 page: citizens filter every power by type, department and status."""

    intro = models.TextField("简介", blank=True, max_length=2000)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["home.HomePage"]
    subpage_types = ["catalogue.DepartmentPage"]
    max_count = 1

    class Meta:
        verbose_name = "职权目录"
        verbose_name_plural = "职权目录"

    def permissions_for_user(self, user):
        return ContainerPagePermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        from .selectors import catalogue_listing  # selectors import this module

        context = super().get_context(request, *args, **kwargs)
        context["listing"] = catalogue_listing(catalogue=self, params=request.GET)
        return context


class DepartmentPage(Page):
    """A department (实施主体/承办部门): contacts and complaint channels; parent of its powers."""

    short_name = models.CharField("简称", max_length=50, help_text="如：区教科体局")
    code = models.CharField(
        "部门编码", max_length=64, unique=True, help_text="统一社会信用代码或政务服务平台部门编码"
    )
    address = models.CharField("办公地址", max_length=200, blank=True)
    office_hours = models.CharField("办公时间", max_length=200, blank=True)
    consultation_phone = models.CharField("咨询电话", max_length=100, blank=True)
    complaint_phone = models.CharField("监督投诉电话", max_length=100, blank=True)
    complaint_email = models.EmailField("投诉邮箱", blank=True)
    description = models.TextField("部门职责", blank=True, max_length=5000)

    content_panels = Page.content_panels + [
        FieldRowPanel(
            [
                FieldPanel("short_name", required_on_save=True),
                FieldPanel("code", required_on_save=True),
            ]
        ),
        FieldPanel("address"),
        FieldPanel("office_hours"),
        FieldRowPanel(
            [
                FieldPanel("consultation_phone"),
                FieldPanel("complaint_phone"),
                FieldPanel("complaint_email"),
            ]
        ),
        FieldPanel("description"),
    ]

    search_fields = Page.search_fields + [
        index.SearchField("short_name", boost=2),
        index.SearchField("description"),
        index.FilterField("code"),
    ]

    parent_page_types = ["catalogue.PowerCatalogue"]
    subpage_types = ["catalogue.PowerPage"]

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"

    @property
    def complaint_channel(self):
        parts = []
        if self.complaint_phone:
            parts.append(f"监督投诉电话：{self.complaint_phone}")
        if self.complaint_email:
            parts.append(f"投诉邮箱：{self.complaint_email}")
        if self.address:
            parts.append(f"来信来访地址：{self.address}")
        return "；".join(parts)

    def permissions_for_user(self, user):
        return DepartmentPagePermissionTester(user, self)

    def get_context(self, request, *args, **kwargs):
        # The evaluation part of the page is rendered by feedback's template tag.
        from .selectors import department_overview  # selectors import this module

        context = super().get_context(request, *args, **kwargs)
        context.update(department_overview(self))
        return context


class PowerPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "catalogue.PowerPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class PowerPage(Page):
    """A power (行政权力事项): what the department may do, on what legal basis, how, and how fast.

    Citizens read it in the hall; editors change it only through a new revision that the legal
    office reviews before it goes live.
    """

    code = models.CharField(
        "事项编码",
        max_length=64,
        unique=True,
        validators=[validate_code],
        help_text="全国统一的实施编码，一经创建不可修改；短链接 /p/编码/ 永久指向本事项",
    )
    power_type = models.CharField(
        "事项类型", max_length=2, choices=PowerType.choices, help_text="国家标准的事项类型及代码"
    )
    item_group = models.CharField(
        "所属主项", max_length=200, blank=True, help_text="政务服务平台上的事项分组，无则留空"
    )
    exercise_level = models.CharField(
        "行使层级", max_length=16, choices=ExerciseLevel.choices, default=ExerciseLevel.COUNTY
    )
    power_source = models.CharField(
        "权力来源", max_length=16, choices=PowerSource.choices, default=PowerSource.STATUTORY
    )
    handling_agency = models.CharField(
        "承办机构", max_length=200, blank=True, help_text="部门内具体承办的科室或窗口"
    )
    staff = StreamField([("person", blocks.StaffBlock())], verbose_name="承办岗位/人员", blank=True)
    acceptance_conditions = models.TextField(
        "受理条件", blank=True, max_length=5000, help_text="申请人应当具备的条件，每条一行"
    )
    materials = StreamField(
        [("material", blocks.MaterialBlock())], verbose_name="申请材料", blank=True
    )
    steps = StreamField(
        [("step", blocks.StepBlock())], verbose_name="办理流程", blank=True,
        max_num=blocks.MAX_STEPS,
    )  # fmt: skip
    legal_time_limit = models.PositiveSmallIntegerField(
        "法定办结时限（工作日）", null=True, blank=True, help_text="法律法规规定的期限"
    )
    promised_time_limit = models.PositiveSmallIntegerField(
        "承诺办结时限（工作日）", null=True, blank=True, help_text="不得长于法定办结时限"
    )
    fee_free = models.BooleanField("不收费", default=True)
    fee_standard = models.TextField("收费标准", blank=True, max_length=2000)
    fee_basis = models.TextField("收费依据", blank=True, max_length=2000)
    service_mode = models.CharField(
        "办理形式", max_length=200, blank=True, help_text="如：窗口办理、网上办理、快递申请"
    )
    online_depth = models.PositiveSmallIntegerField(
        "网上办理深度", choices=OnlineDepth.choices, default=OnlineDepth.INFORMATION,
        help_text="三级及以上可在网上政务大厅在线申报",
    )  # fmt: skip
    result_name = models.CharField(
        "结果名称", max_length=200, blank=True, help_text="办理结果的证照或文书，如：营业执照"
    )
    right_to_state = models.BooleanField("陈述、申辩权", default=True)
    right_to_hearing = models.BooleanField("听证权", default=False)
    right_to_review = models.BooleanField("申请行政复议权", default=True)
    right_to_litigate = models.BooleanField("提起行政诉讼权", default=True)
    rights_note = models.TextField(
        "相对人权利说明", blank=True, max_length=2000, help_text="复议机关、管辖法院等补充说明"
    )
    complaint_channel = models.TextField(
        "投诉举报途径",
        blank=True,
        max_length=2000,
        help_text="留空则使用所属部门的监督投诉渠道",
    )
    discretion = StreamField(
        [("standard", blocks.DiscretionBlock())],
        verbose_name="裁量基准",
        blank=True,
        help_text="行政处罚事项的裁量基准：违法行为、情节、阶次与处罚标准",
    )
    flowchart = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="部门提供的流程图（补充）",
        help_text="平台根据“办理流程”自动生成流程图；此处可另附部门自己的流程图（如扫描件），"
        "在公开页面上作为补充显示，不代替生成的流程图",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tags = ClusterTaggableManager("标签", through=PowerPageTag, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=PowerStatus.choices, default=PowerStatus.IN_FORCE
    )
    effective_date = models.DateField("生效日期", null=True, blank=True)
    change_note = models.TextField(
        "本次调整说明",
        blank=True,
        max_length=1000,
        help_text="说明本次修改了什么、为什么修改（如：依据新修订的某法规调整行使依据）；"
        "审核通过后随调整记录向社会公开",
    )

    basic_panels = (
        [FieldPanel("change_note")]
        + Page.content_panels
        + [
            FieldRowPanel(
                [
                    FieldPanel("code", required_on_save=True),
                    FieldPanel("power_type", required_on_save=True),
                ]
            ),
            FieldRowPanel([FieldPanel("status"), FieldPanel("effective_date")]),
            FieldRowPanel([FieldPanel("exercise_level"), FieldPanel("power_source")]),
            FieldPanel("item_group"),
            FieldPanel("handling_agency"),
            FieldPanel("staff"),
            FieldPanel("tags"),
        ]
    )
    basis_panels = [InlinePanel("legal_bases", heading="行使依据", label="依据")]
    process_panels = [
        FieldPanel("acceptance_conditions"),
        FieldPanel("materials"),
        FieldPanel("steps"),
        FieldRowPanel([FieldPanel("legal_time_limit"), FieldPanel("promised_time_limit")]),
        MultiFieldPanel(
            [FieldPanel("fee_free"), FieldPanel("fee_standard"), FieldPanel("fee_basis")],
            heading="收费",
        ),
        FieldRowPanel([FieldPanel("service_mode"), FieldPanel("result_name")]),
        FieldPanel("online_depth"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("right_to_state"), FieldPanel("right_to_hearing")]),
                FieldRowPanel([FieldPanel("right_to_review"), FieldPanel("right_to_litigate")]),
                FieldPanel("rights_note"),
            ],
            heading="相对人权利",
        ),
        FieldPanel("complaint_channel"),
    ]
    flowchart_panels = [FieldPanel("flowchart")]
    discretion_panels = [FieldPanel("discretion")]

    edit_handler = TabbedInterface(
        [
            ObjectList(basic_panels, heading="基本信息"),
            ObjectList(basis_panels, heading="行使依据"),
            ObjectList(process_panels, heading="办理流程"),
            ObjectList(flowchart_panels, heading="流程图"),
            ObjectList(discretion_panels, heading="裁量基准"),
            ObjectList(Page.promote_panels, heading="推广"),
            ObjectList(Page.settings_panels, heading="设置"),
        ]
    )

    # What Wagtail's own search (the admin's) finds a power by: its name, code, result, tags and
    # cited laws. The hall's search has its own index (search.documents) with the materials,
    # steps and conditions, segmented for Chinese; indexing them here too would cost half of
    # `update_index` at 100,000 powers for a backend that cannot segment them.
    search_fields = Page.search_fields + [
        index.SearchField("code", boost=5),
        index.AutocompleteField("code"),
        index.SearchField("result_name"),
        index.SearchField("tag_names", boost=2),
        index.RelatedFields("legal_bases", [index.SearchField("law_title", boost=2)]),
        index.FilterField("power_type"),
        index.FilterField("status"),
    ]
    # Indexed by search.indexing, which can defer and batch the work during bulk writes.
    search_auto_update = False

    @classmethod
    def get_indexed_objects(cls):
        return super().get_indexed_objects().prefetch_related("tags")

    def tag_names(self) -> str:
        """The tags, in the order of their names: the index entry's text is then the same each
        time the power is indexed (the database returns tags in no set order), and an entry
        that did not change is not written again (search.admin_backend)."""
        return " ".join(sorted(tag.name for tag in self.tags.all()))

    parent_page_types = ["catalogue.DepartmentPage"]
    subpage_types = []
    base_form_class = PowerPageForm
    # Wagtail's pages API (/api/v3/pages/): what it shows of a power and what a token holder may
    # write through it — with the admin form's rules and the admin's permissions. The full
    # public record of a power is /api/v3/powers/<code>/ (api/).
    api_fields = [
        APIField("code", writable=True),
        APIField("power_type", writable=True),
        APIField("status", writable=True),
        APIField("exercise_level", writable=True),
        APIField("handling_agency", writable=True),
        APIField("acceptance_conditions", writable=True),
        APIField("legal_time_limit", writable=True),
        APIField("promised_time_limit", writable=True),
        APIField("fee_free", writable=True),
        APIField("fee_standard", writable=True),
        APIField("service_mode", writable=True),
        APIField("online_depth", writable=True),
        APIField("result_name", writable=True),
        APIField("effective_date", writable=True),
        APIField("change_note", writable=True),
    ]

    class Meta:
        verbose_name = "行政权力事项"
        verbose_name_plural = "行政权力事项"

    def clean(self):
        super().clean()
        errors = self.power_rule_errors()
        if errors:
            raise ValidationError(errors)

    def power_rule_errors(self) -> dict:
        """The rules of a power beyond its fields' own (also run by catalogue.bulk)."""
        errors = {}
        if (
            self.legal_time_limit is not None
            and self.promised_time_limit is not None
            and self.promised_time_limit > self.legal_time_limit
        ):
            errors["promised_time_limit"] = "承诺办结时限不得长于法定办结时限。"
        if not self.fee_free and not self.fee_standard.strip():
            errors["fee_standard"] = "收费事项必须填写收费标准；不收费请勾选“不收费”。"
        if self.pk and self.code:
            stored = PowerPage.objects.filter(pk=self.pk).values_list("code", flat=True).first()
            if stored and stored != self.code:
                errors["code"] = f"事项编码一经创建不可修改（原编码：{stored}）。"
        return errors

    def permissions_for_user(self, user):
        return PowerPagePermissionTester(user, self)

    @property
    def type_label(self):
        return PowerType(self.power_type).label

    @property
    def department(self):
        """The department this power sits under (its parent page)."""
        return self.get_parent().specific

    def get_context(self, request, *args, **kwargs):
        # The adjustment history and the evaluation parts of the page are rendered by the
        # template tags of review and feedback, which this layer does not import.
        from .selectors import power_detail  # selectors import this module

        context = super().get_context(request, *args, **kwargs)
        context.update(power_detail(self))
        return context


class LegalBasis(Orderable):
    """One citation in a power's legal basis (行使依据): a law of the library and its articles, or
    free text when the law is not in the library."""

    power = ParentalKey(PowerPage, on_delete=models.CASCADE, related_name="legal_bases")
    law = models.ForeignKey(
        "laws.Law",
        verbose_name="法律法规",
        null=True,
        blank=True,
        # A law that live powers cite cannot be deleted: mark it 已废止 instead.
        on_delete=models.PROTECT,
        related_name="citations",
        help_text="从法律法规库中选择；库中没有时留空并填写名称",
    )
    law_title = models.CharField(
        "法规名称",
        max_length=200,
        blank=True,
        help_text="法规库中没有时填写，如：四川省道路运输条例",
    )
    articles = models.CharField(
        "条款", max_length=200, blank=True, help_text="如：第十二条第一款、第十三条"
    )
    quote = models.TextField(
        "条文内容",
        blank=True,
        max_length=5000,
        help_text="法规库中的条文会自动显示；库外法规或只引用部分内容时在此填写",
    )

    panels = [
        FieldRowPanel([FieldPanel("law"), FieldPanel("law_title")]),
        FieldPanel("articles"),
        FieldPanel("quote"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = "行使依据"
        verbose_name_plural = "行使依据"

    def clean(self):
        super().clean()
        if self.law_id is None and not self.law_title.strip():
            raise ValidationError({"law_title": "请从法规库选择法规，或填写法规名称。"})

    def __str__(self):
        return f"《{self.display_title}》{self.articles}"

    @property
    def display_title(self):
        if self.law_id and self.law:
            return self.law.title
        return self.law_title or "（法规已不在法规库中）"
