"""What /api/v3/cases/ takes and answers: 办件公示 (the public view, no personal data), the full
view for the department's token, and the pushes of departments' business systems."""

import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StrictInt

from cases.ingest import MAX_BATCH
from cases.models import IdType, SpecialProcedure

from .schemas import Choice

EventKindName = Literal[
    "accept", "reject", "complete_step", "correction_request", "correction_received",
    "special_start", "special_end", "extend", "return", "withdraw", "fee",
]  # fmt: skip


# --- reads ----------------------------------------------------------------------------------


class CaseDepartment(Schema):
    code: str = Field(description="部门编码")
    name: str = Field(description="受理部门")


class CaseSummary(Schema):
    case_no: str = Field(description="办件编号")
    power_code: str = Field(description="事项编码")
    power_name: str = Field(description="事项名称")
    power_type: Choice = Field(description="事项类型")
    department: CaseDepartment | None = Field(description="受理部门")
    applicant: str = Field(description="申请人（公示：自然人只显示姓氏，如 张*；法人显示全称）")
    channel: Choice = Field(description="提交方式")
    state: Choice = Field(description="办件状态")
    accepted_at: datetime.datetime | None = Field(description="受理时间")
    due_on: datetime.date | None = Field(description="承诺办结日期")
    finished_at: datetime.datetime | None = Field(description="办结时间")
    result: Choice | None = Field(description="办结结果")
    on_time: bool | None = Field(description="按期办结（未办结时为 null）")
    promised_days: int | None = Field(
        description="承诺办结时限（工作日）；null：该事项未公布承诺时限"
    )
    working_days_used: int | None = Field(description="实际用时（工作日）")
    api_url: str


class CaseList(Schema):
    count: int = Field(description="符合条件的办件数（最多统计到 count_limit）")
    count_limit: int = Field(description="统计和翻页的上限：更早的办件请按月份（month）筛选")
    count_capped: bool = Field(description="实际数量超过 count_limit")
    page: int
    page_size: int
    pages: int
    next: str | None = Field(description="下一页的地址")
    previous: str | None
    items: list[CaseSummary]


class CaseStepOut(Schema):
    position: int = Field(description="环节序号（从 1 起）")
    name: str = Field(description="环节名称")
    posts: str = Field(description="承办岗位")
    time_limit: int | None = Field(description="环节时限（工作日）")
    started_at: datetime.datetime | None = Field(description="开始时间")
    due_on: datetime.date | None = Field(description="环节期限")
    completed_at: datetime.datetime | None = Field(description="完成时间")
    handler_name: str = Field(description="办理人（履行职务的工作人员）")
    handler_post: str = Field(description="办理岗位")
    opinion: str | None = Field(description="办理意见（仅本部门令牌可见；公示中为 null）")


class ClockStopOut(Schema):
    kind: Choice = Field(description="补正 或 特别程序")
    procedure: Choice | None = Field(description="特别程序种类")
    started_on: datetime.date
    ended_on: datetime.date | None
    reason: str | None = Field(description="补正内容或特别程序理由（仅本部门令牌可见）")
    result: str | None = Field(description="特别程序结果（仅本部门令牌可见）")


class ApplicantOut(Schema):
    type: Choice = Field(description="申请人类型")
    name: str = Field(description="申请人名称（自然人姓名已遮蔽，除非有查看个人信息的权限）")
    id_type: Choice = Field(description="证件类型")
    id_no: str = Field(description="证件号码（已遮蔽，除非有查看个人信息的权限）")
    contact_name: str = Field(description="联系人")
    contact_phone: str = Field(description="联系电话")
    address: str = Field(description="通讯地址")
    masked: bool = Field(description="个人信息是否已遮蔽；未遮蔽的每次查看均记录在案")


class FeesOut(Schema):
    due: str = Field(description="应收费用（元）")
    paid: str = Field(description="实收费用（元）")
    waived: str = Field(description="减免费用（元）")


class MaterialOut(Schema):
    name: str = Field(description="材料名称")
    received: bool = Field(description="已收取")
    uploaded: bool = Field(description="已上传文件（文件只在管理后台查看）")


class EventOut(Schema):
    seq: int = Field(description="日志序号")
    kind: Choice = Field(description="事件")
    occurred_at: datetime.datetime = Field(description="发生时间")
    recorded_at: datetime.datetime = Field(description="记录时间")
    actor_name: str = Field(description="操作人")
    channel: Choice = Field(description="来源")
    step: int | None = Field(description="环节序号（从 1 起）")
    external_id: str = Field(description="业务系统事件号")
    data: dict[str, Any] = Field(description="事件内容")


class CaseDetail(CaseSummary):
    view: Literal["public", "full"] = Field(
        description="public：办件公示（所有人）；full：本部门的 API 令牌看到的完整记录"
    )
    current_step: int = Field(description="当前环节序号（从 1 起；全部办完时为环节数 + 1）")
    extension_days: int = Field(description="延期（工作日）")
    rejection_reason: str = Field(description="不予受理原因")
    steps: list[CaseStepOut] = Field(description="办理环节")
    clock_stops: list[ClockStopOut] = Field(description="补正、特别程序（不计入时限）")
    # The full view only (null in the public view).
    external_id: str | None = Field(description="申办流水号（完整视图）")
    submitted_at: datetime.datetime | None = Field(description="申办时间（完整视图）")
    accepted_by_name: str | None = Field(description="受理人（完整视图）")
    result_description: str | None = Field(description="办结结果描述（完整视图）")
    closing_reason: str | None = Field(description="退件、撤回或作废原因（完整视图）")
    public: bool | None = Field(description="是否在办件公示中（完整视图）")
    withhold_reason: Choice | None = Field(description="不予公示原因（完整视图）")
    applicant_detail: ApplicantOut | None = Field(description="申请人（完整视图）")
    fees: FeesOut | None = Field(description="收费（完整视图）")
    materials: list[MaterialOut] | None = Field(description="申请材料（完整视图）")
    events: list[EventOut] | None = Field(description="办件日志（完整视图）")


# --- pushes of business systems -------------------------------------------------------------
# Plain pydantic models: ninja's Schema wraps every value to read ORM objects, which costs a
# batch of 100 events some 20 ms; pushes and their answers are plain data.


class ApplicantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["person", "organisation"] = Field(
        description="person 自然人；organisation 法人或其他组织"
    )
    name: str = Field(min_length=1, max_length=200, description="申请人姓名或名称")
    id_type: Literal[tuple(IdType.values)] | None = Field(  # type: ignore[valid-type]
        None, description="证件类型（默认：自然人 id_card，法人 credit_code）"
    )
    id_no: str = Field(
        min_length=1,
        max_length=40,
        description="证件号码（身份证、统一社会信用代码须含正确校验位）",
    )
    contact_name: str = Field("", max_length=50, description="联系人")
    contact_phone: str = Field("", max_length=20, description="联系电话")
    address: str = Field("", max_length=200, description="通讯地址")


class AcceptanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handler: str = Field(min_length=1, max_length=50, description="受理人姓名")
    post: str = Field("", max_length=100, description="受理岗位")
    accepted_at: datetime.datetime = Field(description="受理时间（不早于申办时间，不晚于现在）")


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    power: str = Field(min_length=1, max_length=64, description="事项编码（本部门已发布的事项）")
    external_id: str = Field(
        min_length=1,
        max_length=64,
        description="申办流水号：业务系统自己的编号；重复报送返回同一办件",
    )
    applicant: ApplicantIn
    submitted_at: datetime.datetime = Field(description="申办时间")
    acceptance: AcceptanceIn | None = Field(None, description="已受理时：受理人、岗位、受理时间")
    materials: list[str] = Field(
        [], max_length=100, description="已收取的申请材料名称（须为该事项的材料）"
    )


class ApproverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=50, description="批准延期的负责人姓名")
    post: str = Field(min_length=1, max_length=100, description="负责人岗位（本部门的负责人岗位）")


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(
        min_length=1,
        max_length=64,
        description="业务系统的事件号：重复报送返回已记录的事件，不作修改",
    )
    kind: EventKindName = Field(
        description="accept 受理；reject 不予受理（reason）；complete_step 完成环节（position、"
        "opinion；最后一个环节须 result：granted 准予、denied 不予、partial 部分准予）；"
        "correction_request 补正告知（items）；correction_received 补正材料收到（note）；"
        "special_start 特别程序开始（procedure、reason）；special_end 特别程序结束（result）；"
        "extend 延期（days、reason、approver）；return 退件（reason）；withdraw 撤回（reason）；"
        "fee 收费（fee_due、fee_paid、fee_waived）"
    )
    occurred_at: datetime.datetime = Field(
        description="发生时间：不晚于现在，不早于该办件上一个事件"
    )
    handler: str = Field("", max_length=50, description="办理人姓名")
    post: str = Field("", max_length=100, description="办理岗位")
    position: StrictInt | None = Field(None, ge=1, le=999, description="完成的环节序号（从 1 起）")
    opinion: str = Field("", max_length=2000, description="办理意见")
    result: str = Field("", max_length=2000, description="办结结果（最后一个环节）或特别程序结果")
    result_description: str = Field(
        "", max_length=2000, description="办结结果描述（不予、部分准予须写明理由）"
    )
    reason: str = Field("", max_length=2000, description="理由")
    items: str = Field("", max_length=2000, description="补正告知：一次性列明需补正的全部内容")
    note: str = Field("", max_length=2000, description="说明")
    procedure: Literal[tuple(SpecialProcedure.values)] | None = Field(  # type: ignore[valid-type]
        None,
        description="特别程序种类：hearing 听证、tender 招标、auction 拍卖、inspection 检验、"
        "testing 检测、quarantine 检疫、appraisal 鉴定、expert_review 专家评审",
    )
    days: StrictInt | None = Field(None, ge=1, le=30, description="延期的工作日数")
    approver: ApproverIn | None = Field(None, description="延期的批准人（部门负责人）")
    fee_due: Decimal | None = Field(None, ge=0, lt=10**9, max_digits=12, decimal_places=2,
                                    description="应收费用（元）")  # fmt: skip
    fee_paid: Decimal | None = Field(None, ge=0, lt=10**9, max_digits=12, decimal_places=2,
                                     description="实收费用（元）")  # fmt: skip
    fee_waived: Decimal | None = Field(None, ge=0, lt=10**9, max_digits=12, decimal_places=2,
                                       description="减免费用（元）")  # fmt: skip
    materials: list[str] = Field([], max_length=100, description="受理时收取的材料名称")


class CaseReceipt(Schema):
    case_no: str = Field(description="办件编号")
    external_id: str = Field(description="申办流水号")
    created: bool = Field(description="true：新建（201）；false：重复报送，返回原办件（200）")
    password: str = Field(description="查询密码（只在新建时返回一次，请打印在回执上）")
    state: Choice
    due_on: datetime.date | None = Field(description="承诺办结日期")
    api_url: str


class EventReceipt(Schema):
    case_no: str
    external_id: str = Field(description="业务系统事件号")
    created: bool = Field(description="true：已记录（201）；false：重复报送，返回原事件（200）")
    seq: int | None = Field(description="日志序号")
    kind: str = Field(description="事件种类")
    occurred_at: datetime.datetime | None
    state: Choice = Field(description="办件当前状态")
    current_step: int = Field(description="当前环节序号（从 1 起）")
    due_on: datetime.date | None = Field(description="承诺办结日期")


class BatchItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case: CaseIn | None = Field(None, description="一个办件（与 event 二选一）")
    event: EventIn | None = Field(None, description="一个事件（与 case 二选一）")
    case_no: str | None = Field(None, max_length=20, description="事件所属的办件编号")
    case_external_id: str | None = Field(
        None,
        max_length=64,
        description="或事件所属办件的申办流水号（可引用同一批次中先报送的办件）",
    )


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[BatchItem] = Field(min_length=1, max_length=MAX_BATCH,
                                   description=f"最多 {MAX_BATCH} 项，按顺序逐项办理")  # fmt: skip


class BatchResult(BaseModel):
    index: int = Field(description="在 items 中的位置（从 0 起）")
    status: int = Field(description="该项的结果：201 新建、200 重复报送、403、404、409、422")
    code: str | None = Field(description="出错时的错误代码")
    detail: str | None = Field(description="出错时的中文说明")
    errors: list[dict[str, Any]] | None = Field(description="逐字段的错误")
    case_no: str | None
    password: str | None = Field(description="新建办件的查询密码（只返回一次）")
    seq: int | None = Field(description="事件的日志序号")


class BatchOut(BaseModel):
    created: int = Field(description="新建的办件和事件数")
    retried: int = Field(description="重复报送（未作修改）的项数")
    refused: int = Field(description="被拒绝的项数")
    results: list[BatchResult]
