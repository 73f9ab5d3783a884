"""/api/v3/stats/: the published evaluation figures (定期公布评议结果, as /evaluation/)."""

import re

from django.utils import timezone
from ninja import Query, Router

from feedback import selectors

from ..errors import ApiError, Problem, echo
from ..params import known_parameters
from ..schemas import PerformanceOut, Satisfaction

router = Router(tags=["stats"])
PERIOD_RE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$")


def _row(name, code, figures):
    return {"name": name, "code": code, "ratings": figures.ratings,
            "satisfied": figures.satisfied, "satisfaction_rate": figures.rate,
            "bad": figures.bad, "bad_replied_on_time": figures.bad_on_time}  # fmt: skip


@router.get(
    "/satisfaction/",
    response={200: Satisfaction, 400: Problem},
    summary="满意度统计",
    description="公布的评议结果：某月（2026-11）或某季度（2026-Q4）的总体、各部门和各类事项的评价数、"
    "满意率和差评按期答复数；不给 period 时为本月。",
    operation_id="stats_satisfaction",
)
@known_parameters("period")
def satisfaction(
    request,
    period: str | None = Query(None, max_length=7, description="2026-11 或 2026-Q4"),
):
    today = timezone.localdate()
    if period is not None:
        value = period.strip().upper()
        if not PERIOD_RE.match(value) or not 2000 <= int(value[:4]) <= 2100:
            raise ApiError(400, "invalid_parameter",
                           f"统计期“{echo(period)}”无效：请写成 2026-11（月）或 2026-Q4"
                           "（季度）。")  # fmt: skip
    parsed = selectors.Period.parse(period or "", today=today)
    results = selectors.satisfaction(parsed, trend_length=1)
    return {
        "period": parsed.param,
        "period_label": parsed.label,
        "total": _row("合计", "", results.total),
        "departments": [_row(r.label, r.key, r.figures) for r in results.departments],
        "types": [_row(r.label, r.key, r.figures) for r in results.types],
    }


@router.get(
    "/performance/",
    response={200: PerformanceOut, 400: Problem, 404: Problem},
    tags=["performance"],
    summary="部门绩效评估",
    description="与 /performance/ 相同的部门绩效评估：某月（2026-11）、某季度（2026-Q4）"
    "或某年（2026）各部门的各项指标（0–1 的比率，无数据为 null）、原始数据、得分、扣分、"
    "等级和排名，以及计分权重。不给 period 时为最近一个已结束的季度；尚未开始的期间返回 404。",
    operation_id="stats_performance",
)
@known_parameters("period")
def performance(
    request,
    period: str | None = Query(None, max_length=7, description="2026-11、2026-Q4 或 2026"),
):
    from supervision.models import PerformanceSettings
    from supervision.performance import INDICATORS, Period, evaluation_for, findings_by_kind

    today = timezone.localdate()
    if period is None:
        chosen = Period.last_complete("quarter", today)
    else:
        chosen = Period.parse(period)
        if chosen is None:
            raise ApiError(400, "invalid_parameter",
                           f"期间“{echo(period)}”无效：请写成 2026-11（月）、2026-Q4（季度）或"
                           " 2026（年）。")  # fmt: skip
        if chosen.start > today:
            raise ApiError(404, "not_found", f"期间“{chosen.label}”尚未开始。")
    settings = PerformanceSettings.load()
    results = evaluation_for(chosen)
    return {
        "period": chosen.param,
        "period_label": chosen.label,
        "complete": chosen.is_complete(today),
        "weights": settings.weights(),
        "indicator_names": INDICATORS,
        "grades": {"优秀": settings.excellent, "良好": settings.good, "合格": settings.passing},
        "departments": [
            {"rank": r.rank, "code": r.code, "name": r.title, "score": r.score,
             "grade": r.grade, "indicators": r.indicators, "points": r.points,
             "deductions": r.deductions,
             "figures": {k: v for k, v in r.figures.items() if isinstance(v, int)}}
            for r in results
        ],
        "findings": [{"department": d, "fault_kind": k, "count": n}
                     for d, k, n in findings_by_kind(chosen)],
    }  # fmt: skip
