"""Working days (工作日) as China's State Council schedules them.

The built-in schedule comes from the `chinesecalendar` package (2004 to the last year it knows);
administrators add or correct days in the admin (CalendarDay), and their entries win. A year known
to neither falls back to Monday–Friday, and `unknown_years` lets the supervision dashboard warn
that the year's holiday schedule has not been entered yet. Nothing here raises for an unknown year.
"""

import datetime
from dataclasses import dataclass, field

import chinese_calendar

from .models import CalendarDay, DayKind

BUILTIN_HOLIDAYS = chinese_calendar.holidays
BUILTIN_WORKDAYS = chinese_calendar.workdays
BUILTIN_YEARS = range(
    min(BUILTIN_HOLIDAYS).year, max(max(BUILTIN_HOLIDAYS), max(BUILTIN_WORKDAYS)).year + 1
)
MAX_WORKING_DAYS = 3650


@dataclass
class WorkCalendar:
    """A calendar with the administrators' entries loaded (one query). Build one per task."""

    overrides: dict[datetime.date, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "WorkCalendar":
        return cls(overrides=dict(CalendarDay.objects.values_list("date", "kind")))

    def is_known_year(self, year: int) -> bool:
        return year in BUILTIN_YEARS or any(day.year == year for day in self.overrides)

    def unknown_years(self, *dates: datetime.date) -> list[int]:
        """Years among `dates` (and between them) whose schedule nobody has entered."""
        if not dates:
            return []
        years = range(min(dates).year, max(dates).year + 1)
        return [year for year in years if not self.is_known_year(year)]

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == DayKind.WORKDAY
        if day.year in BUILTIN_YEARS:
            if day in BUILTIN_WORKDAYS:
                return True
            if day in BUILTIN_HOLIDAYS:
                return False
        return day.weekday() < 5

    def add_working_days(self, start: datetime.date, count: int) -> datetime.date:
        """The date `count` working days after `start` (`start` itself is not counted)."""
        if not 0 <= count <= MAX_WORKING_DAYS:
            raise ValueError(f"工作日数应在 0 到 {MAX_WORKING_DAYS} 之间：{count}")
        day = start
        while count:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def subtract_working_days(self, start: datetime.date, count: int) -> datetime.date:
        """The date `count` working days before `start` (`start` itself is not counted)."""
        if not 0 <= count <= MAX_WORKING_DAYS:
            raise ValueError(f"工作日数应在 0 到 {MAX_WORKING_DAYS} 之间：{count}")
        day = start
        while count:
            day -= datetime.timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after `start` up to and including `end`; negative when end < start."""
        if end < start:
            return -self.working_days_between(end, start)
        days, day = 0, start
        while day < end:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                days += 1
        return days
