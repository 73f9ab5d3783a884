"""/api/v3/departments/: the departments (实施主体) of the catalogue."""

from urllib.parse import quote

from django.db.models import Count
from ninja import Query, Router

from catalogue.choices import PowerType
from catalogue.selectors import (
    DEPARTMENT_LIST_FIELDS,
    live_departments,
    live_powers,
    power_counts_by_department,
)
from feedback.selectors import rating_summary

from .. import serializers
from ..errors import ApiError, Problem, echo
from ..params import MAX_PAGE, MAX_PAGE_SIZE, known_parameters, paginate
from ..schemas import DepartmentDetail, DepartmentList

router = Router(tags=["departments"])


def _summary(department, count, request):
    return {
        "code": department.code,
        "name": department.title,
        "short_name": department.short_name,
        "powers": count,
        "url": department.get_url(request=request) or "",
        "api_url": serializers.department_api_url(department.code),
    }


@router.get(
    "/",
    response={200: DepartmentList, 400: Problem, 404: Problem},
    summary="部门列表",
    description="公开的部门（实施主体），按目录顺序，附各部门公开的事项数。",
    operation_id="departments_list",
)
@known_parameters("page", "page_size")
def departments_list(
    request,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
):
    departments = live_departments().order_by("path")
    envelope, window = paginate(request, departments, page, page_size)
    shown = list(departments.only(*DEPARTMENT_LIST_FIELDS)[window])
    counts = power_counts_by_department(live_powers())
    items = [_summary(d, counts.get(d.path, 0), request) for d in shown]
    return {**envelope, "items": items}


@router.get(
    "/{code}/",
    response={200: DepartmentDetail, 404: Problem},
    summary="部门详情",
    description="部门的联系方式、职责、各类事项数和公众评议汇总。",
    operation_id="departments_detail",
)
@known_parameters()
def departments_detail(request, code: str):
    department = live_departments().filter(code=code[:64]).first() if len(code) <= 64 else None
    if department is None:
        raise ApiError(404, "not_found", f"没有编码为“{echo(code)}”的公开部门。")
    by_type = dict(
        live_powers().child_of(department).order_by().values_list("power_type")
        .annotate(n=Count("id"))
    )  # fmt: skip
    counts = [
        {"type": {"code": t.value, "label": t.label}, "count": by_type[t.value]}
        for t in PowerType
        if by_type.get(t.value)
    ]
    return {
        **_summary(department, sum(by_type.values()), request),
        "address": department.address,
        "office_hours": department.office_hours,
        "consultation_phone": department.consultation_phone,
        "complaint_phone": department.complaint_phone,
        "complaint_email": department.complaint_email,
        "description": department.description,
        "powers_by_type": counts,
        "powers_api_url": f"{serializers.API}/powers/?department={quote(department.code)}",
        "rating": serializers.rating(rating_summary(department=department)),
        "comments": serializers.comments({"department": department}),
    }
