"""What the API answers: one schema per kind of object, documented in the OpenAPI document.
Field names are English; every label a citizen reads is Chinese."""

import datetime

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, StrictInt


class Choice(Schema):
    code: str = Field(description="代码，如 01 或 in_force")
    label: str = Field(description="中文名称，如 行政许可 或 在用")


class DepartmentRef(Schema):
    code: str
    name: str = Field(description="全称")
    short_name: str = Field(description="简称")
    api_url: str


class PowerSummary(Schema):
    code: str = Field(description="事项编码")
    title: str = Field(description="事项名称")
    type: Choice = Field(description="事项类型")
    status: Choice = Field(description="状态")
    department: DepartmentRef | None = Field(description="实施主体")
    promised_time_limit: int | None = Field(description="承诺办结时限（工作日）")
    legal_time_limit: int | None = Field(description="法定办结时限（工作日）")
    last_published_at: datetime.datetime | None
    url: str = Field(description="网上政务大厅中的页面地址")
    api_url: str


class Page(Schema):
    count: int = Field(description="符合条件的总数")
    page: int
    page_size: int
    pages: int
    next: str | None = Field(description="下一页的地址")
    previous: str | None


class PowerList(Page):
    items: list[PowerSummary]


class LawRef(Schema):
    id: int
    title: str
    short_title: str
    status: Choice
    url: str
    api_url: str


class CitedArticle(Schema):
    number: str = Field(description="条号，如 第十二条")
    text: str


class Citation(Schema):
    law_title: str = Field(description="法律法规名称")
    articles: str = Field(description="条款，如 第十二条第一款")
    quote: str = Field(description="引用的原文（如有）")
    law: LawRef | None = Field(description="法规库中的法律法规；不在法规库中时为 null")
    cited_articles: list[CitedArticle]


class Staff(Schema):
    post: str = Field(description="岗位")
    name: str
    phone: str


class Material(Schema):
    name: str
    form: Choice
    copies: int | None
    required: bool
    note: str


class Step(Schema):
    name: str = Field(description="环节名称")
    post: str = Field(description="承办岗位")
    description: str = Field(description="办理内容及标准")
    time_limit: int | None = Field(description="时限（工作日）")
    supervision: str = Field(description="监督制约环节")
    outcomes: list[Choice] = Field(
        description="本环节可能作出的决定（流程图的分支）：approve 准予（进入下一环节）、"
        "refuse 不予（办结并书面告知理由和权利）、correction 补正（退回申请人补正材料）；"
        "没有分支时为空"
    )


class Discretion(Schema):
    violation: str
    circumstance: str
    tier: Choice
    standard: str


class Fees(Schema):
    free: bool = Field(description="不收费")
    standard: str = Field(description="收费标准")
    basis: str = Field(description="收费依据")


class Rights(Schema):
    state: bool = Field(description="陈述、申辩权")
    hearing: bool = Field(description="听证权")
    review: bool = Field(description="申请行政复议权")
    litigate: bool = Field(description="提起行政诉讼权")
    note: str


class Rendition(Schema):
    width: int
    height: int
    url: str


class Flowchart(Schema):
    title: str
    width: int
    height: int
    original_url: str
    renditions: list[Rendition]


class GeneratedFlowchart(Schema):
    svg: str = Field(description="流程图（SVG）的地址")
    png: str = Field(description="流程图（PNG 图片）的地址")


class Adjustment(Schema):
    published_at: datetime.datetime = Field(description="批准发布时间")
    submitted_at: datetime.datetime | None = Field(description="提交审核时间")
    is_creation: bool = Field(description="新增事项")
    changed_fields: list[str] = Field(description="调整的字段")
    note: str = Field(description="调整说明")


class RatingSummary(Schema):
    ratings: int = Field(description="评价总数")
    satisfied: int = Field(description="非常满意、满意、基本满意的总数")
    satisfaction_rate: float | None = Field(description="满意率（0–1），无评价时为 null")
    levels: dict[str, int] = Field(description="各评价等级的数量（好差评五级）")


class PublicComment(Schema):
    kind: Choice = Field(description="类别：评价、咨询、建议、投诉、举报")
    rating: Choice | None = Field(description="评价等级（好差评五级）")
    comment: str
    created_at: datetime.datetime
    reply: str = Field(description="部门答复")
    replied_at: datetime.datetime | None


class PowerDetail(PowerSummary):
    item_group: str = Field(description="所属主项")
    exercise_level: Choice | None = Field(description="行使层级")
    power_source: Choice | None = Field(description="权力来源")
    handling_agency: str = Field(description="承办机构")
    staff: list[Staff] = Field(description="承办岗位/人员")
    legal_bases: list[Citation] = Field(description="行使依据")
    acceptance_conditions: str = Field(description="受理条件")
    materials: list[Material] = Field(description="申请材料")
    steps: list[Step] = Field(description="办理流程")
    fees: Fees
    service_mode: str = Field(description="办理形式")
    online_depth: int = Field(
        description="网上办理深度：1 一级（办事指南）…4 四级（全程网办）；三级及以上可网上申报"
    )
    result_name: str = Field(description="结果名称")
    rights: Rights = Field(description="行政相对人权利")
    discretion: list[Discretion] = Field(description="裁量基准")
    complaint_channel: str = Field(description="监督投诉渠道")
    consultation_phone: str = Field(description="咨询电话（部门）")
    flowchart: Flowchart | None = Field(description="部门上传的流程图图片；未上传时为 null")
    generated_flowchart: GeneratedFlowchart | None = Field(
        description="平台按办理流程（环节、承办岗位、时限、监督制约环节、决定分支）生成的流程图，"
        "与网上政务大厅的事项页面所示相同；没有办理流程时为 null"
    )
    tags: list[str]
    effective_date: datetime.date | None = Field(description="生效日期")
    first_published_at: datetime.datetime | None
    history: list[Adjustment] = Field(description="公开的调整记录（新→旧）")
    rating: RatingSummary = Field(description="公众评议")
    comments: list[PublicComment] = Field(description="公开的群众意见与部门答复（最新 10 条）")


class DepartmentSummary(Schema):
    code: str
    name: str
    short_name: str
    powers: int = Field(description="公开的事项数")
    url: str
    api_url: str


class DepartmentList(Page):
    items: list[DepartmentSummary]


class TypeCount(Schema):
    type: Choice
    count: int


class DepartmentDetail(DepartmentSummary):
    address: str
    office_hours: str
    consultation_phone: str
    complaint_phone: str
    complaint_email: str
    description: str = Field(description="部门职责")
    powers_by_type: list[TypeCount]
    powers_api_url: str = Field(description="该部门事项列表的接口地址")
    rating: RatingSummary
    comments: list[PublicComment] = Field(description="公开的群众意见与部门答复（最新 10 条）")


class LawSummary(LawRef):
    level: Choice = Field(description="效力级别")
    issuing_authority: str
    promulgation_date: datetime.date | None
    effective_date: datetime.date | None
    articles: int = Field(description="条文数")


class LawList(Page):
    items: list[LawSummary]


class Article(Schema):
    number: str
    chapter: str
    text: str
    anchor: str


class CitingPower(Schema):
    code: str
    title: str
    articles: str = Field(description="引用的条款")
    url: str
    api_url: str


class LawDetail(LawSummary):
    history: str = Field(description="制定及修改沿革")
    source: str
    status_changed_on: datetime.date | None
    article_list: list[Article]
    cited_by: list[CitingPower] = Field(description="引用本法的公开事项")


class Highlight(Schema):
    title: str = Field(description="标题，命中词以 <mark> 标出（已转义）")
    snippet: str


class SearchHit(Schema):
    kind: str = Field(description="power、topic、department 或 article")
    title: str
    url: str
    api_url: str | None
    code: str
    type: str
    status: str
    highlight: Highlight


class FacetValue(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchResult(Schema):
    query: str
    searched: str = Field(description="结果所依据的搜索词：原词，或纠正错别字后的词")
    corrected_from: str = Field(
        description="纠正了错别字时为原词（结果按 searched 搜索；"
        "加 exact=1 仍按原词搜索），否则为空"
    )
    suggestion: str = Field(description="不确定的纠正建议（结果仍按原词），没有则为空")
    departments_named: list[str] = Field(description="搜索词里识别出的部门俗称，其事项排在前面")
    words: list[str] = Field(description="分词结果（已转为简体、去掉虚词，意图词代表目录里的说法）")
    total: int
    page: int
    pages: int
    partial: bool = Field(description="没有同时包含全部词语的结果时，按部分词语匹配")
    narrowed: bool = Field(
        description="true：只列出名称、编码或设定依据中有这些词的事项（足够多时）；"
        "加 scope=all 也列出只在申请材料、办理流程等内容中提到的事项"
    )
    listed: int = Field(
        description="搜索词在问一件事要办什么（如“孩子出生了要办哪些手续”）时，结果先列出这件事的"
        "事项，这是其个数（在筛选范围内）；否则为 0"
    )
    widened: list[str] = Field(
        description="同时包含全部词语的事项很少时，结果先列出它们（leading 个），其余的只按这些"
        "日常说法（如“暂停营业”）找到，不一定有 loosened 里的词；否则为空"
    )
    loosened: list[str] = Field(description="widened 不为空时，其后的事项不一定有的词（如“燃气”）")
    leading: int = Field(description="widened 不为空时，排在最前、包含全部词语的事项个数")
    guessed: list[str] = Field(
        description="搜索词里没有词库中的日常说法，但这些词说的是词库中某一类说法（如“外地”“医院”"
        "“看病”），而按原词找到的事项很少：已按 guessed_as 里的说法查找；否则为空"
    )
    guessed_as: list[str] = Field(
        description="guessed 不为空时，按之查找的目录说法（如“异地就医”“异地转诊”）"
    )
    hits: list[SearchHit]
    topics: list[SearchHit] = Field(description="相关的“一件事”主题（第一页、未筛选时）")
    articles: list[SearchHit]
    departments: list[SearchHit]
    facets: dict[str, list[FacetValue]]


class FeedbackIn(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored

    kind: str = Field("evaluation", description="evaluation 评价、complaint 投诉、report 举报、"
                      "inquiry 咨询", max_length=20)  # fmt: skip
    power: str | None = Field(None, description="事项编码（与 department 二选一）", max_length=64)
    department: str | None = Field(None, description="部门编码", max_length=64)
    # Strictly an integer: true, 4.0 or "4" are refused rather than read as a rating.
    rating: StrictInt | None = Field(None, description="1 非常不满意 … 5 非常满意（评价时必填）",
                                     ge=1, le=5)  # fmt: skip
    comment: str = Field("", max_length=500)
    name: str = Field("", max_length=30)
    phone: str = Field("", max_length=20)
    consent_to_contact: bool = False


class Receipt(Schema):
    tracking_no: str = Field(description="受理编号")
    lookup_code: str = Field(description="查询码（未留手机号码时凭此查询；否则为空）")
    reply_due_on: datetime.date | None = Field(description="答复期限")
    folded: bool = Field(description="与刚才的提交相同，返回的是第一次提交的回执")
    lookup_url: str


class FeedbackStatus(Schema):
    tracking_no: str
    kind: Choice
    status: Choice
    created_at: datetime.datetime
    reply_due_on: datetime.date | None
    target: str = Field(description="事项或部门名称")
    comment: str = Field(description="您提交的内容")
    reply: str = Field(description="部门的答复")
    replied_at: datetime.datetime | None


class SatisfactionRow(Schema):
    name: str
    code: str
    ratings: int
    satisfied: int
    satisfaction_rate: float | None
    bad: int
    bad_replied_on_time: int


class Satisfaction(Schema):
    period: str = Field(description="统计期，如 2026-11 或 2026-Q4")
    period_label: str
    total: SatisfactionRow
    departments: list[SatisfactionRow]
    types: list[SatisfactionRow]


class ReviewComment(Schema):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field("", max_length=2000, description="审核意见（退回时必填）")


class ReviewState(Schema):
    code: str
    live: bool = Field(description="是否已公开")
    has_unpublished_changes: bool = Field(description="是否有未发布的修改")
    review: str | None = Field(description="审核状态：in_progress 审核中、needs_changes 退回修改、"
                               "approved 已通过；从未提交时为 null")  # fmt: skip


class PerformanceRow(BaseModel):
    rank: int = Field(description="排名")
    code: str = Field(description="部门编码")
    name: str = Field(description="部门名称")
    score: float = Field(description="得分（百分制）")
    grade: str = Field(description="等级：优秀、良好、合格、不合格")
    indicators: dict[str, float | None] = Field(
        description="各项指标的比率（0–1），本期无数据为 null；名称见 indicator_names"
    )
    points: dict[str, float] = Field(description="各项指标所得分数")
    deductions: dict[str, float] = Field(description="扣分：red 红牌，findings 过错责任追究")
    figures: dict[str, int] = Field(
        description="原始数据：finished 办结、on_time 按时、late 超期办结、"
        "open_overdue 期末超期未办结、submitted 申请、online 网上申报、orders_due 到期督办、"
        "orders_on_time 按期回复、ratings 评价、satisfied 满意、reminders 提醒、yellow 黄牌、"
        "red 红牌、findings 过错责任追究等"
    )


class FindingCount(BaseModel):
    department: str = Field(description="部门")
    fault_kind: str = Field(description="过错种类")
    count: int = Field(description="起数")


class PerformanceOut(BaseModel):
    period: str = Field(description="期间：2026-11、2026-Q4 或 2026")
    period_label: str
    complete: bool = Field(description="期间是否已结束（未结束的结果随办件变化）")
    weights: dict[str, int] = Field(description="各项指标的分值（合计 100）")
    indicator_names: dict[str, str] = Field(description="指标的中文名称")
    grades: dict[str, int] = Field(description="各等级的最低分")
    departments: list[PerformanceRow]
    findings: list[FindingCount] = Field(
        description="本期过错责任追究：按部门和过错种类计数（不含姓名）"
    )
