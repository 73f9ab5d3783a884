"""Cases (办件): one application or proceeding of a published power, run along the steps of the
power's revision that was live when it was accepted, every change an event in its append-only
log. The national 办件 data elements (GB/T 39046-2020 and the 政务服务 data standards) are the
anchor: 申办流水号 is `external_id`, 事项编码/名称 `power_code`/`power_name`, 申请人类型/名称/证件
the applicant's fields, 提交方式 `channel`, 受理状态 `state`, and so on.

Every write goes through cases.services; models only hold data and refuse to rewrite the log.
Personal data (the applicant's identity number, phone, address, contact) is read only by the
department's staff, masked unless they hold the right to see it (access.personal_data); public
pages and the public API read `applicant_public_name` and nothing else of the applicant.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from common.appendonly import AppendOnly


class Channel(models.TextChoices):
    """提交方式: how the case entered the platform."""

    WINDOW = "window", "窗口受理"
    ONLINE = "online", "网上申报"
    SYSTEM = "system", "部门业务系统"
    BACKFILL = "backfill", "补录"


class ApplicantType(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"


class IdType(models.TextChoices):
    ID_CARD = "id_card", "居民身份证"
    CREDIT_CODE = "credit_code", "统一社会信用代码"
    PASSPORT = "passport", "护照"
    HK_MACAO = "hk_macao", "港澳居民来往内地通行证"
    TAIWAN = "taiwan", "台湾居民来往大陆通行证"
    OTHER = "other", "其他证件"


class State(models.TextChoices):
    """受理状态 and 办理状态 in one: where the case stands."""

    SUBMITTED = "submitted", "待受理"
    REJECTED = "rejected", "不予受理"
    IN_PROGRESS = "in_progress", "办理中"
    CORRECTION = "correction", "补正中"
    SPECIAL = "special", "特别程序中"
    FINISHED = "finished", "办结"
    RETURNED = "returned", "退件"
    WITHDRAWN = "withdrawn", "撤回"
    VOID = "void", "作废"


OPEN_STATES = (State.SUBMITTED, State.IN_PROGRESS, State.CORRECTION, State.SPECIAL)
RUNNING_STATES = (State.IN_PROGRESS, State.CORRECTION, State.SPECIAL)
# States a case ends in; nothing follows but corrections of the record.
CLOSED_STATES = (State.REJECTED, State.FINISHED, State.RETURNED, State.WITHDRAWN, State.VOID)


class Result(models.TextChoices):
    """办结结果."""

    GRANTED = "granted", "准予"
    DENIED = "denied", "不予"
    PARTIAL = "partial", "部分准予"


class SpecialProcedure(models.TextChoices):
    """特别程序 (行政许可法第四十五条): time it takes is not counted in the limit."""

    HEARING = "hearing", "听证"
    TENDER = "tender", "招标"
    AUCTION = "auction", "拍卖"
    INSPECTION = "inspection", "检验"
    TESTING = "testing", "检测"
    QUARANTINE = "quarantine", "检疫"
    APPRAISAL = "appraisal", "鉴定"
    EXPERT_REVIEW = "expert_review", "专家评审"


class WithholdReason(models.TextChoices):
    """Why a case is not shown in 办件公示 (recorded; supervision sees every one)."""

    STATE_SECRET = "state_secret", "涉及国家秘密"
    TRADE_SECRET = "trade_secret", "涉及商业秘密"
    PRIVACY = "privacy", "涉及个人隐私"


class Case(models.Model):
    case_no = models.CharField("办件编号", max_length=20, unique=True)
    # The password on the receipt (查询密码), kept as a keyed hash (cases.numbers).
    password_hash = models.CharField(max_length=64)
    channel = models.CharField("提交方式", max_length=16, choices=Channel.choices)
    # 申办流水号 of a department's own system: with the department, a push is idempotent.
    external_id = models.CharField("业务系统流水号", max_length=64, blank=True)
    generated = models.BooleanField("演示数据", default=False)

    # The power and the revision whose steps the case follows (a snapshot, see CaseStep).
    power = models.ForeignKey(
        "catalogue.PowerPage", verbose_name="事项", on_delete=models.PROTECT, related_name="cases"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision", verbose_name="事项版本", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    department = models.ForeignKey(
        "catalogue.DepartmentPage", verbose_name="受理部门", on_delete=models.PROTECT,
        related_name="cases",
    )  # fmt: skip
    power_code = models.CharField("事项编码", max_length=64)
    power_name = models.CharField("事项名称", max_length=255)
    power_type = models.CharField("事项类型", max_length=2)
    # None: the power publishes no promised limit (处罚、强制、检查 often): no due date.
    promised_days = models.PositiveSmallIntegerField(
        "承诺办结时限（工作日）", null=True, blank=True
    )
    legal_days = models.PositiveSmallIntegerField("法定办结时限（工作日）", null=True, blank=True)

    # The applicant. Personal data: see the module's docstring.
    applicant_type = models.CharField("申请人类型", max_length=16, choices=ApplicantType.choices)
    applicant_name = models.CharField("申请人名称", max_length=200)
    applicant_public_name = models.CharField("申请人（公示）", max_length=200)
    applicant_id_type = models.CharField("证件类型", max_length=16, choices=IdType.choices)
    applicant_id_no = models.CharField("证件号码", max_length=40)
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("通讯地址", max_length=200, blank=True)

    state = models.CharField("状态", max_length=16, choices=State.choices)
    # Index (0-based) of the step at hand; equal to the number of steps once all are done.
    current_step = models.PositiveSmallIntegerField("当前环节", default=0)
    # The posts of the step at hand (待办 lists, supervision); empty once no step is waiting.
    current_posts = models.CharField("当前承办岗位", max_length=200, blank=True)
    submitted_at = models.DateTimeField("申办时间")
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受理人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    accepted_by_name = models.CharField("受理人姓名", max_length=50, blank=True)
    rejection_reason = models.TextField("不予受理原因", max_length=1000, blank=True)
    # The promised date: from acceptance, the promised days plus any extension, the clock stopped
    # while 补正 or 特别程序 ran (cases.deadlines shows the computation).
    due_on = models.DateField("承诺办结日期", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("延期（工作日）", default=0)
    paused_since = models.DateField("暂停计时起", null=True, blank=True)
    correction_count = models.PositiveSmallIntegerField("补正次数", default=0)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    result = models.CharField("办结结果", max_length=16, choices=Result.choices, blank=True)
    result_description = models.TextField("办结结果描述", max_length=2000, blank=True)
    closing_reason = models.TextField("退件、撤回或作废原因", max_length=1000, blank=True)
    # Filled when the case closes, for figures and supervision without recomputing.
    working_days_used = models.PositiveSmallIntegerField(
        "实际用时（工作日）", null=True, blank=True
    )
    on_time = models.BooleanField("按期办结", null=True, blank=True)

    fee_due = models.DecimalField("应收费用（元）", max_digits=12, decimal_places=2, default=0)
    fee_paid = models.DecimalField("实收费用（元）", max_digits=12, decimal_places=2, default=0)
    fee_waived = models.DecimalField("减免费用（元）", max_digits=12, decimal_places=2, default=0)

    # 办件公示: shown in public unless withheld with a recorded reason.
    withheld = models.BooleanField("不予公示", default=False)
    withhold_reason = models.CharField(
        "不予公示原因", max_length=16, choices=WithholdReason.choices, blank=True
    )
    withhold_note = models.CharField("不予公示说明", max_length=300, blank=True)
    public = models.BooleanField("公示中", default=False, db_index=False)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)

    version = models.PositiveIntegerField("版本", default=0)
    recorded_at = models.DateTimeField("录入时间", default=timezone.now)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "external_id"],
                condition=~models.Q(external_id=""),
                name="case_external_id_unique_per_department",
            )
        ]
        indexes = [
            # 办件公示: newest first, all or one department's, one power's.
            models.Index(fields=["public", "-published_at", "-id"], name="case_public_newest"),
            models.Index(
                fields=["department", "public", "-published_at", "-id"], name="case_dept_public"
            ),
            models.Index(
                fields=["power", "public", "-published_at", "-id"], name="case_power_public"
            ),
            # The department's work: open cases by state and due date.
            models.Index(fields=["department", "state", "due_on"], name="case_dept_state_due"),
            # 绩效评估: the cases finished, and those submitted, in a period.
            models.Index(fields=["finished_at"], name="case_finished"),
            models.Index(fields=["submitted_at"], name="case_submitted"),
            # 电子监察's list of cases withheld from 办件公示 (few among many).
            models.Index(
                fields=["-submitted_at"], condition=models.Q(withheld=True), name="case_withheld"
            ),
        ]
        permissions = [("handle_cases", "办理本部门的办件")]

    def __str__(self):
        return f"{self.case_no} {self.power_name}"

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def is_person(self):
        return self.applicant_type == ApplicantType.PERSON

    @property
    def steps_list(self):
        """The steps in order (prefetched `steps` when the caller prefetched them)."""
        return sorted(self.steps.all(), key=lambda step: step.position)

    @property
    def current(self):
        steps = self.steps_list
        return steps[self.current_step] if self.current_step < len(steps) else None

    @property
    def days_used_label(self):
        return "" if self.working_days_used is None else f"{self.working_days_used} 个工作日"


class CaseStep(models.Model):
    """A step of a case: copied from the power's revision at acceptance (name, posts, limit,
    what to do), then completed once, by a holder of one of its posts, in order."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField("序号")
    name = models.CharField("环节名称", max_length=100)
    posts = models.CharField("承办岗位", max_length=200, blank=True)
    time_limit = models.PositiveSmallIntegerField("时限（工作日）", null=True, blank=True)
    description = models.TextField("办理内容及标准", max_length=2000, blank=True)
    by_applicant = models.BooleanField("申请人环节", default=False)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    due_on = models.DateField("环节期限", null=True, blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办理人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    # The official's name as recorded (also for business systems' and recorded cases' handlers,
    # who have no account here). Officials act in office: shown in public.
    handler_name = models.CharField("办理人姓名", max_length=50, blank=True)
    handler_post = models.CharField("办理岗位", max_length=100, blank=True)
    opinion = models.TextField("办理意见", max_length=2000, blank=True)

    class Meta:
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        ordering = ["case_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="case_step_position_unique")
        ]

    def __str__(self):
        return self.name

    @property
    def post_names(self) -> list[str]:
        return post_names(self.posts)

    @property
    def late(self):
        if self.due_on is None:
            return False
        if self.completed_at is None:
            return timezone.localdate() > self.due_on
        return timezone.localdate(self.completed_at) > self.due_on


def post_names(text: str) -> list[str]:
    """'分管负责人、窗口发证岗' → the two posts; '执法人员（两名以上）' → 执法人员."""
    names = []
    for part in text.replace("，", "、").replace(",", "、").replace("/", "、").split("、"):
        name = part.split("（")[0].split("(")[0].strip()
        if name and name not in names:
            names.append(name)
    return names


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", "提交申请"
    ACCEPTED = "accepted", "受理"
    REJECTED = "rejected", "不予受理"
    STEP_COMPLETED = "step_completed", "完成环节"
    CORRECTION_REQUESTED = "correction_requested", "补正告知"
    CORRECTION_RECEIVED = "correction_received", "补正材料收到"
    SPECIAL_STARTED = "special_started", "特别程序开始"
    SPECIAL_ENDED = "special_ended", "特别程序结束"
    EXTENDED = "extended", "延期"
    FINISHED = "finished", "办结"
    RETURNED = "returned", "退件"
    WITHDRAWN = "withdrawn", "撤回"
    VOIDED = "voided", "作废"
    WITHHELD = "withheld", "不予公示"
    DISCLOSED = "disclosed", "恢复公示"
    FEE_RECORDED = "fee_recorded", "收费"
    MATERIALS_RECEIVED = "materials_received", "收取材料"
    AMENDED = "amended", "更正记录"
    RATED = "rated", "评价"


class CaseEvent(AppendOnly):
    """One change of a case, never changed or deleted: who, what, when it happened and when it
    was recorded (they differ for 补录 and business-system pushes). A correction is a new event."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField("序号")
    kind = models.CharField("事件", max_length=24, choices=EventKind.choices)
    occurred_at = models.DateTimeField("发生时间")
    recorded_at = models.DateTimeField("记录时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    actor_name = models.CharField("操作人姓名", max_length=50, blank=True)
    channel = models.CharField("来源", max_length=16, choices=Channel.choices)
    step = models.PositiveSmallIntegerField("环节序号", null=True, blank=True)
    # The business system's own id of the event: a retried push is recognised and ignored.
    external_id = models.CharField("业务系统事件号", max_length=64, blank=True)
    data = models.JSONField("内容", default=dict, blank=True)

    log_label = "办件日志"

    class Meta:
        verbose_name = "办件日志"
        verbose_name_plural = "办件日志"
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique"),
            models.UniqueConstraint(
                fields=["case", "external_id"],
                condition=~models.Q(external_id=""),
                name="case_event_external_id_unique",
            ),
        ]

    def __str__(self):
        return f"{self.case_id}#{self.seq} {self.get_kind_display()}"


class ClockStop(models.Model):
    """A time the promised limit did not run: 补正 (until the materials arrive) or 特别程序."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "补正"
        SPECIAL = "special", "特别程序"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clock_stops")
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    procedure = models.CharField(
        "特别程序种类", max_length=16, choices=SpecialProcedure.choices, blank=True
    )
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    # 补正: what the applicant must bring (一次性告知); 特别程序: why, then its result.
    reason = models.TextField("内容", max_length=2000)
    result = models.TextField("结果", max_length=2000, blank=True)
    # Requested before acceptance (补正 of an application): the clock had not started, so it
    # stops nothing.
    before_acceptance = models.BooleanField("受理前", default=False, db_default=False)

    class Meta:
        verbose_name = "暂停计时"
        verbose_name_plural = "暂停计时"
        ordering = ["case_id", "started_on", "id"]


def case_files():
    """Where applicants' materials are kept: CASE_FILES_ROOT, not under the public media."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.CASE_FILES_ROOT, base_url=None)


def _material_path(instance, filename):
    return f"cases/{instance.case.case_no}/{instance.pk or 'new'}-{filename}"


class CaseMaterial(models.Model):
    """A material of the application: ticked as received at the window, or uploaded online.
    Files are kept outside the public media and served only to the department's staff."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField("材料名称", max_length=300)
    received = models.BooleanField("已收取", default=False)
    file = models.FileField(
        "文件", upload_to=_material_path, storage=case_files, blank=True, max_length=300
    )
    content_type = models.CharField("文件类型", max_length=40, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    uploaded_at = models.DateTimeField("上传时间", null=True, blank=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["case_id", "id"]
