"""/api/v3/stats/: the published evaluation figures (定期公布评议结果, as /evaluation/)."""

import re

from django.utils import timezone
from ninja import Query, Router

from feedback import selectors

from ..errors import ApiError, Problem, echo
from ..params import known_parameters
from ..schemas import Satisfaction

router = Router(tags=["评议结果"])
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
