"""The OpenAPI document as integrators' tools read it: valid (openapi-spec-validator) and usable by
client generators (openapi-python-client), while people still read it in Chinese.

- Operations are grouped under English tags, which generators turn into module names; the
  top-level ``tags`` list gives each its Chinese name (``x-displayName``, shown by ReDoc) and a
  Chinese description (shown beside the name by Swagger UI at /api/v3/docs/).
- Wagtail's ``AllowAnonymous`` is not a credential: django-ninja would publish it as a security
  scheme ``{"type": "http"}`` without the required ``scheme``. An operation that lets anonymous
  callers in lists the empty security requirement ``{}`` instead, as OpenAPI spells "optional".
- A request body whose omission means the model's own defaults (Wagtail's unpublish action:
  ``Body(PageUnpublishSchema())``) is published as the model alone, without an object as its
  ``default``: the body is already optional, and the model's fields carry their defaults.

- Wagtail's pages router summarises its operations in English ("List pages"…) and django-ninja
  describes responses by their HTTP reason phrases ("OK", "Bad Request"): both are published in
  Chinese, as the rest of the document.

openapi-python-client names the generated package after ``info.title``, which stays Chinese for
people: ``api/openapi-python-client.yaml`` gives it an installable name (see README.md).
"""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from wagtail.api.v3.auth import AllowAnonymous

# Each router's tag, in the order the documentation shows them, with its Chinese name.
TAGS = [
    ("powers", "事项", "职权目录中已公开的行政权力事项；法制办审核的提交、通过和退回。"),
    ("departments", "部门", "公开的部门（实施主体）及其事项数和公众评议汇总。"),
    ("laws", "法律法规", "法律法规库中事项引用的法律、法规及其条文和版本。"),
    ("search", "搜索", "网上政务大厅的中文搜索，与 /search/ 页面结果相同。"),
    ("feedback", "公众评议", "评价、咨询、投诉和举报的提交，以及按受理编号查询办理情况。"),
    ("stats", "评议结果", "定期公布的满意度统计。"),
    ("performance", "绩效评估", "部门绩效评估的指标、得分、等级和排名。"),
    ("cases", "办件", "办件公示；持部门令牌可读完整记录，业务系统报送办件和办理环节。"),
    ("pages", "页面", "Wagtail 的页面接口：读取页面，持有 API 令牌的工作人员按其页面权限写入。"),
]
ANONYMOUS = AllowAnonymous.__name__

# Wagtail's pages router's summaries (wagtail/api/v3/routers/pages.py), in Chinese.
PAGE_SUMMARIES = {
    "List pages": "页面列表",
    "Find page": "按路径查找页面",
    "Page detail": "页面详情",
    "Create page": "新建页面",
    "Update page": "修改页面",
    "Delete page": "删除页面",
    "List page revisions": "页面修订列表",
    "Page revision detail": "页面修订详情",
    "Publish page": "发布页面",
    "Unpublish page": "撤销发布页面",
}

# Responses described in Chinese, by status code (django-ninja gives the HTTP reason phrase).
RESPONSES = {
    200: "成功",
    201: "已创建",
    204: "成功，无返回内容",
    400: "请求有误（参数或内容不合规定）",
    401: "未认证（缺少或无效的 API 令牌）",
    403: "无权限",
    404: "未找到",
    409: "冲突（与当前状态不符）",
    413: "请求内容过大",
    415: "不支持的内容类型",
    422: "内容校验未通过",
    429: "请求过于频繁，请稍后再试",
}


def tags() -> list[dict]:
    return [
        {"name": name, "description": f"{chinese}：{description}", "x-displayName": chinese}
        for name, chinese, description in TAGS
    ]


class Document(OpenAPISchema):
    def operation_details(self, operation):
        details = super().operation_details(operation)
        details["summary"] = PAGE_SUMMARIES.get(details["summary"], details["summary"])
        return details

    def responses(self, operation):
        responses = super().responses(operation)
        for status, response in responses.items():
            response["description"] = RESPONSES.get(status, response["description"])
        return responses

    def operation_security(self, operation):
        security = super().operation_security(operation)
        self.securitySchemes.pop(ANONYMOUS, None)
        if security:
            security = [{} if ANONYMOUS in requirement else requirement for requirement in security]
        return security

    def request_body(self, operation):
        body = super().request_body(operation)
        for media in body.get("content", {}).values():
            schema = media["schema"]
            refs = schema.get("allOf", [])
            if not body["required"] and isinstance(schema.get("default"), dict) and len(refs) == 1:
                media["schema"] = refs[0]
        return body


class DocumentedAPI(NinjaAPI):
    """A NinjaAPI whose OpenAPI document is Document."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return Document(api=self, path_prefix=path_prefix)
