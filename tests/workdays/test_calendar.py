"""Working days as the legal office counts them: holidays, 调休 and years nobody has entered."""

import datetime

import pytest

from workdays.calendar import WorkCalendar
from workdays.models import CalendarDay, DayKind

pytestmark = pytest.mark.django_db
D = datetime.date


def test_national_day_2026_is_not_counted_and_its_adjusted_saturday_is():
    calendar = WorkCalendar.load()
    assert not calendar.is_working_day(D(2026, 10, 1))
    assert not calendar.is_working_day(D(2026, 10, 7))
    assert calendar.is_working_day(D(2026, 10, 10))  # Saturday, 调休上班
    # submitted on Wednesday 30 September: the first working day after it is Thursday 8 October
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert calendar.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)


def test_ten_working_days_across_national_day():
    calendar = WorkCalendar.load()
    # 29, 30 Sep; 8, 9, 10 (Saturday, 调休), 12, 13, 14, 15, 16 Oct
    due = calendar.add_working_days(D(2026, 9, 28), 10)
    assert due == D(2026, 10, 16)
    assert calendar.working_days_between(D(2026, 9, 28), due) == 10


def test_a_year_without_data_falls_back_to_weekdays_and_is_reported():
    calendar = WorkCalendar.load()
    assert calendar.unknown_years(D(2026, 12, 20), D(2027, 1, 20)) == [2027]
    # 2026-12-31 is a Thursday; Friday 1 January 2027 counts as a weekday until entered
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)


def test_the_administrators_entries_win_and_make_the_year_known():
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    CalendarDay.objects.create(date=D(2026, 10, 10), kind=DayKind.HOLIDAY, name="更正")
    calendar = WorkCalendar.load()
    assert calendar.unknown_years(D(2027, 1, 1)) == []
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert not calendar.is_working_day(D(2026, 10, 10))


def test_twenty_working_days_across_the_year_change_with_2027_entered():
    CalendarDay.objects.create(date=D(2027, 1, 1), kind=DayKind.HOLIDAY, name="元旦")
    calendar = WorkCalendar.load()
    due = calendar.add_working_days(D(2026, 12, 15), 20)
    # 16–31 Dec: 12 working days; 1 Jan is a holiday; 4–13 Jan: 8 more
    assert due == D(2027, 1, 13)


@pytest.mark.parametrize("year", [1990, 2040, 2100])
def test_any_year_is_answered_without_an_error(year):
    calendar = WorkCalendar.load()
    assert calendar.add_working_days(D(year, 6, 1), 5) > D(year, 6, 1)
    assert calendar.unknown_years(D(year, 6, 1)) == [year]


def test_an_absurd_number_of_days_is_refused_in_chinese_ten_years_are_counted():
    calendar = WorkCalendar.load()
    with pytest.raises(ValueError, match="工作日数"):
        calendar.add_working_days(D(2026, 1, 1), 100000)
    with pytest.raises(ValueError, match="工作日数"):
        calendar.add_working_days(D(2026, 1, 1), -1)
    assert calendar.add_working_days(D(2026, 1, 1), 3650) > D(2036, 1, 1)
