"""Due dates of cases and steps in working days (workdays), with the computation shown.

The promised limit (承诺时限) runs from the day of acceptance: the due date is that many working
days later, plus an approved extension (延期), plus every working day on which the clock was
stopped (补正 until the materials arrived; 特别程序, 行政许可法第四十五条). A 即办件 (limit 0) is
due the day it is accepted. A step is due its own limit after it started, stops included.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from workdays.calendar import WorkCalendar


@dataclass
class Due:
    """A due date and how it was reached, in Chinese lines for the case page."""

    on: datetime.date | None
    lines: list[str] = field(default_factory=list)
    paused: bool = False


def _d(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def stopped_working_days(
    calendar: WorkCalendar, stops, *, until: datetime.date | None = None
) -> tuple[int, list[str]]:
    """Working days on which the clock stood still: each stop counts the working days from its
    first day up to the day before it ended (the day the materials arrive counts again)."""
    total, lines = 0, []
    for _kind, start, end, label in stops:
        end = end or until
        if end is None or end <= start:
            days = 0
        else:
            one = datetime.timedelta(days=1)
            days = calendar.working_days_between(start - one, end - one)
        total += days
        lines.append(f"{label}：{_d(start)}起" + (f"至{_d(end)}" if end else "，尚未结束")
                     + f"，停止计时 {days} 个工作日")  # fmt: skip
    return total, lines


def due_date(
    calendar: WorkCalendar,
    start: datetime.date,
    days: int,
    *,
    extension: int = 0,
    stops=(),
    paused: bool = False,
) -> Due:
    """The date `days` (+ `extension`) working days after `start`, moved on by the working days
    of `stops` ((kind, start, end or None, label) tuples). While a stop is running the date is
    not final (`paused`); the lines say so."""
    lines = [f"起算：{_d(start)}（受理之日）"]
    if days == 0:
        lines.append("即办件：当日办结")
    else:
        lines.append(f"时限：{days} 个工作日")
    if extension:
        lines.append(f"经批准延期：{extension} 个工作日")
    stopped, stop_lines = stopped_working_days(calendar, stops)
    lines += stop_lines
    total = days + extension + stopped
    on = calendar.add_working_days(start, total)
    skipped = (on - start).days - calendar.working_days_between(start, on)
    if skipped:
        lines.append(f"其间跳过周末和法定节假日 {skipped} 天")
    lines.append(f"期限：{_d(on)}" + ("（暂停计时中，恢复后顺延）" if paused else ""))
    return Due(on=on, lines=lines, paused=paused)
